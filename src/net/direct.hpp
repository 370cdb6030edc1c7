// The direct same-node link for actor calls: weft messages ([header, body, frames...], as
// on ZeroMQ) over a Unix domain stream socket between a client and a worker on one node.
// ZeroMQ moves every message through I/O threads of its own on both ends, and on a virtual
// machine each of those hand-offs costs a thread wake-up (tens of microseconds); here the
// thread that polls the socket reads the message itself.
//
// Workers listen on an abstract-namespace socket named after their data address (no file:
// nothing to clean up after a SIGKILL, no directory permissions to get right; a client
// finds it from the address it already knows), so anyone in the network namespace may
// connect. Both ends therefore check, before any message is read, that the peer runs as the
// same user (SO_PEERCRED) and prove that they hold the cluster key: the worker sends a
// random challenge, the client answers with its own challenge and an HMAC-SHA256 of both
// under the key, and the worker answers with the HMAC of both in the other order. In
// insecure mode the key is empty (the exchange then only checks the framing).
//
// Framing: u32 part count, then u64 size per part, then the parts' bytes (little-endian).
// A count of zero or over kMaxParts, or a total over kMaxMessageBytes, is a ProtocolError;
// the reader buffers only bytes that arrived, so a lying size costs no memory.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "net/wire.hpp"

namespace weft::net {

inline constexpr std::size_t kMaxParts = 1 << 16;
inline constexpr std::uint64_t kMaxMessageBytes = std::uint64_t{1} << 32;
inline constexpr std::size_t kChallengeBytes = 32;
inline constexpr std::size_t kProofBytes = 32;

// A worker's listening socket (non-blocking), for clients that know its data address.
class DirectListener {
 public:
  // Throws Error when the socket cannot be made (the name is taken, say).
  explicit DirectListener(const std::string& data_address);
  ~DirectListener();
  DirectListener(const DirectListener&) = delete;
  DirectListener& operator=(const DirectListener&) = delete;

  int fd() const noexcept { return fd_; }
  // An accepted connection from a process of this user (non-blocking), or -1 when none is
  // waiting. Connections from other users are closed and logged.
  int accept();

 private:
  int fd_ = -1;
};

// One end of a direct connection: framed messages in and out without blocking. Owns `fd`.
class DirectChannel {
 public:
  explicit DirectChannel(int fd) noexcept : fd_(fd) {}
  ~DirectChannel();
  DirectChannel(const DirectChannel&) = delete;
  DirectChannel& operator=(const DirectChannel&) = delete;

  int fd() const noexcept { return fd_; }

  // Queues one message. Nothing is written until flush(): a loop turn's messages then
  // go out in one system call, and wake the peer once (pipelined calls and their answers).
  void send_parts(std::span<const Buffer> parts);
  template <class T>
  void send(Kind kind, const T& value) {
    send_parts(message_parts(kind, value));
  }
  // True while queued bytes wait to be written (poll for writing).
  bool wants_write() const noexcept { return !out_.empty() || !small_.empty(); }
  // Writes what the socket takes now; false when the connection is broken.
  bool flush();

  // Reads what has arrived; false at end of stream or on an error.
  bool read_available();
  // The next complete message in `parts`; false when none is complete yet. Throws
  // ProtocolError for a malformed frame (the connection must then be dropped).
  bool next(std::vector<Buffer>& parts);
  // True when bytes of an incomplete message were read (a peer that closes now cut it).
  bool partial() const noexcept { return in_.size() > in_start_; }

 private:
  int fd_;
  std::vector<std::byte> in_;
  std::size_t in_start_ = 0;
  // Queued bytes: small parts are copied together into small_ (one write, one allocation),
  // large ones queued as they are, after small_ is sealed into out_ to keep the order.
  std::vector<std::byte> small_;
  std::deque<Buffer> out_;  // the front's first out_offset_ bytes are written
  std::size_t out_offset_ = 0;
};

// The handshake's messages (the ends' proofs of the cluster key). Exposed for tests.
using Challenge = std::array<std::byte, kChallengeBytes>;
using Proof = std::array<std::byte, kProofBytes>;
Challenge random_challenge();
// HMAC-SHA256 under the cluster key (empty in insecure mode) of role + first + second.
Proof prove(const std::string& role, const Challenge& first, const Challenge& second);
bool proofs_equal(const Proof& a, const Proof& b) noexcept;

// The worker's side, from accept to an open link: it sends the challenge on accept, then
// checks the client's answer (the first message) and sends its own proof.
class DirectServerHandshake {
 public:
  // Sends the challenge; false when the connection broke.
  bool start(DirectChannel& channel);
  // Checks the client's answer in `parts` and, when it proves the key, sends the worker's
  // proof. Throws ProtocolError naming what is wrong otherwise.
  void finish(DirectChannel& channel, std::span<const Buffer> parts);

 private:
  Challenge mine_{};
};

// Connects to the DirectListener of the worker at `data_address` and completes the handshake,
// waiting at most `timeout`. Throws Error saying why it could not.
std::unique_ptr<DirectChannel> connect_direct(const std::string& data_address,
                                              std::chrono::milliseconds timeout);

}  // namespace weft::net
