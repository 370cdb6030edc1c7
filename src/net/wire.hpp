// The envelope around every message: [header, body, frames...] with an 8-byte header
// ("wf", protocol version, kind), and the ZeroMQ calls that move such messages.
//
// Receivers check the header before anything else: a message with another version, an
// unknown kind or too few parts is refused with ProtocolError (and serde refuses a bad
// body with SerdeError), so a peer speaking garbage costs an error line, never a crash.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "net/protocol.hpp"
#include "weft/error.hpp"
#include "weft/serde.hpp"

namespace weft::net {

// A message that is not a well-formed weft message of this protocol version.
class ProtocolError : public Error {
 public:
  using Error::Error;
};

inline constexpr std::size_t kHeaderBytes = 8;

// The header part for `kind`.
Buffer header(Kind kind);

// Checks parts = [header, body, frames...] and returns the kind. Throws ProtocolError
// naming what is wrong.
Kind kind_of(std::span<const Buffer> parts);

// Decodes the struct of a message whose kind was checked with kind_of.
template <class T>
T payload(std::span<const Buffer> parts) {
  return serde::decode<T>(parts[1].bytes(), parts.subspan(2));
}

// The process's ZeroMQ context, made on first use.
zmq::context_t& context();

// A socket with the options every weft socket wants: a short linger on close (kLingerMs: its
// last messages, a client's goodbye, still go out, and a dead peer holds up exit no longer
// than that) and no send high-water mark (control messages are never dropped). Not zero:
// then a closed socket's pipe stops being readable at once, and libzmq 4.3.4 aborts
// ("Resource temporarily unavailable (src/session_base.cpp:260)") when that socket's
// connection drops while its session is part-way through a multipart message (seen once
// in CI, in a test program of a local cluster; zeromq/libzmq#3442).
inline constexpr int kLingerMs = 100;
zmq::socket_t make_socket(zmq::socket_type type);

// Sends [routing_id (ROUTER sockets only, else empty)] + header + encoded `value` as one
// multipart message. Parts of kZeroCopyBytes or more are handed to ZeroMQ without copying;
// their owners live until ZeroMQ releases them.
inline constexpr std::size_t kZeroCopyBytes = 16 * 1024;
void send_parts(zmq::socket_t& socket, std::string_view routing_id, std::span<const Buffer> parts);

// A message's parts: header, encoded body, then the body's out-of-band frames.
template <class T>
std::vector<Buffer> message_parts(Kind kind, const T& value) {
  serde::Message m = serde::encode(value);
  std::vector<Buffer> parts;
  parts.reserve(2 + m.frames.size());
  parts.push_back(header(kind));
  parts.push_back(std::move(m.body));
  for (Buffer& f : m.frames) parts.push_back(std::move(f));
  return parts;
}

template <class T>
void send(zmq::socket_t& socket, std::string_view routing_id, Kind kind, const T& value) {
  send_parts(socket, routing_id, message_parts(kind, value));
}

// Receives one multipart message without blocking; false when none is waiting. Each part
// becomes a Buffer that owns the received ZeroMQ frame (no copy). With `source_fd`, also
// the file descriptor of the connection it came in on, or -1 (to match a ROUTER's peers with the
// disconnections its monitor reports).
bool receive(zmq::socket_t& socket, std::vector<Buffer>& parts, int* source_fd = nullptr);

// How long the client's I/O thread keeps polling without sleeping after it sent requests:
// answers typically come within tens of microseconds, while waking a thread that sleeps in
// epoll (on an idle vCPU, notably) costs about as much again. Measured on 2 cores (medians):
// actor call round trip 180-207 -> 125-139 us, task round trip 450-485 -> 260-285 us
// (500 us; 200 us helped actors only). Workers do not do this: on 2 cores, two workers
// spinning starved the rest (round trips doubled).
inline constexpr auto kBusyPoll = std::chrono::microseconds(500);

// Polls `items` without sleeping until `busy_until`, yielding the CPU between looks (the
// threads that will answer may need it: with two cores, the program's thread may be
// polling too, see Cluster::wait), then sleeping up to `timeout`. Returns how many are
// ready.
int poll(std::vector<zmq::pollitem_t>& items, std::chrono::steady_clock::time_point busy_until,
         std::chrono::milliseconds timeout);

// The address a socket bound to (tcp://127.0.0.1:* becomes the actual port).
std::string bound_address(zmq::socket_t& socket);

// This machine's name, for Hello and logs.
std::string host_name();

}  // namespace weft::net
