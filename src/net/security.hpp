// Who may join a cluster, and how links are protected: ZeroMQ CURVE with one key pair per
// cluster. Every member (scheduler, workers, clients, the CLI) holds the cluster's secret
// key; listening sockets are CURVE servers with it and connecting sockets CURVE clients
// with it, so every link is encrypted, and a ZAP handler admits only peers that prove they
// hold the same key. A stranger (no key, another key, or no CURVE at all) fails the
// handshake before any message of theirs is read, and is logged.
//
// The mode is process-wide and set once, before the first socket is made: by the CLI's
// --key/--insecure, by a local cluster for its children (an ephemeral key), or from the
// environment (WEFT_KEY=path of a key file, or WEFT_INSECURE=1 for a trusted network).
#pragma once

#include <string>

#include <zmq.hpp>

namespace weft::net {

// A CURVE key pair in Z85 text (40 characters each).
struct KeyPair {
  std::string public_key;
  std::string secret_key;
};

// A fresh random key pair.
KeyPair generate_keys();

// Writes `keys` to `path` readable by its owner only (mode 0600). Throws ConfigError naming
// the path when it cannot.
void write_key_file(const std::string& path, const KeyPair& keys);

// Reads a file written by write_key_file (`weft keygen`). Throws ConfigError naming the
// path and the problem: missing, unreadable, readable by others, or not a key pair.
KeyPair read_key_file(const std::string& path);

// The pair whose secret key is `secret` (Z85). Throws ConfigError when it is not a key.
KeyPair keys_from_secret(const std::string& secret);

// Every socket made from now on uses CURVE with `keys`.
void use_cluster_key(const KeyPair& keys);

// Every socket made from now on is plain: no encryption, no authentication. For trusted
// networks only.
void use_no_security();

// Sets the mode from the environment: WEFT_INSECURE=1, else WEFT_KEY (a key file). Throws
// ConfigError explaining both when neither is set, naming `who` (e.g. "weft worker").
void configure_security_from_env(const std::string& who);

// True once a mode was set.
bool security_configured();

// The current cluster key pair; empty strings when insecure or not configured.
KeyPair cluster_key();

// Stops answering authentication requests. Call before closing the context (which waits
// for every socket, the handler's too); CURVE servers made afterwards admit no one.
void stop_authentication();

// Applies the mode to a new socket: ROUTERs (which bind) become CURVE servers, DEALERs
// (which connect) CURVE clients. REQUIRES: a mode was set (make_socket checks).
void secure(zmq::socket_t& socket, zmq::socket_type type);

}  // namespace weft::net
