#include "net/wire.hpp"

#include "net/security.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>

namespace weft::net {
namespace {

constexpr std::byte kMagic0{'w'};
constexpr std::byte kMagic1{'f'};

bool known(std::uint16_t kind) {
  return (kind >= static_cast<std::uint16_t>(Kind::kHello) &&
          kind <= static_cast<std::uint16_t>(Kind::kReportQuery)) ||
         (kind >= static_cast<std::uint16_t>(Kind::kWelcome) &&
          kind <= static_cast<std::uint16_t>(Kind::kReport)) ||
         (kind >= static_cast<std::uint16_t>(Kind::kFetch) &&
          kind <= static_cast<std::uint16_t>(Kind::kObjectChunk));
}

std::uint16_t read_u16(const std::byte* p) {
  return static_cast<std::uint16_t>(std::to_integer<unsigned>(p[0]) |
                                    (std::to_integer<unsigned>(p[1]) << 8));
}

}  // namespace

const char* to_string(Kind kind) {
  switch (kind) {
    case Kind::kHello:
      return "Hello";
    case Kind::kSubmit:
      return "Submit";
    case Kind::kRelease:
      return "Release";
    case Kind::kCancel:
      return "Cancel";
    case Kind::kPutDone:
      return "PutDone";
    case Kind::kStatusQuery:
      return "StatusQuery";
    case Kind::kFinished:
      return "Finished";
    case Kind::kFailed:
      return "Failed";
    case Kind::kReplicated:
      return "Replicated";
    case Kind::kStealReply:
      return "StealReply";
    case Kind::kHeartbeat:
      return "Heartbeat";
    case Kind::kGoodbye:
      return "Goodbye";
    case Kind::kShutdownQuery:
      return "ShutdownQuery";
    case Kind::kNameActor:
      return "NameActor";
    case Kind::kLookupActor:
      return "LookupActor";
    case Kind::kMetrics:
      return "Metrics";
    case Kind::kReportQuery:
      return "ReportQuery";
    case Kind::kReport:
      return "Report";
    case Kind::kActorFound:
      return "ActorFound";
    case Kind::kActorCall:
      return "ActorCall";
    case Kind::kActorReply:
      return "ActorReply";
    case Kind::kActorKill:
      return "ActorKill";
    case Kind::kObjectChunk:
      return "ObjectChunk";
    case Kind::kWelcome:
      return "Welcome";
    case Kind::kWorkers:
      return "Workers";
    case Kind::kRun:
      return "Run";
    case Kind::kCancelTasks:
      return "CancelTasks";
    case Kind::kFree:
      return "Free";
    case Kind::kSteal:
      return "Steal";
    case Kind::kDone:
      return "Done";
    case Kind::kErred:
      return "Erred";
    case Kind::kCancelled:
      return "Cancelled";
    case Kind::kStatus:
      return "Status";
    case Kind::kShutdown:
      return "Shutdown";
    case Kind::kFetch:
      return "Fetch";
    case Kind::kObjects:
      return "Objects";
    case Kind::kPutObject:
      return "PutObject";
    case Kind::kPutAck:
      return "PutAck";
  }
  return "?";
}

Buffer header(Kind kind) {
  const auto k = static_cast<std::uint16_t>(kind);
  const std::array<std::byte, kHeaderBytes> bytes{kMagic0,
                                                  kMagic1,
                                                  std::byte{kProtocolVersion & 0xff},
                                                  std::byte{kProtocolVersion >> 8},
                                                  std::byte{static_cast<unsigned char>(k & 0xff)},
                                                  std::byte{static_cast<unsigned char>(k >> 8)},
                                                  std::byte{0},
                                                  std::byte{0}};
  return Buffer::copy(bytes.data(), bytes.size());
}

Kind kind_of(std::span<const Buffer> parts) {
  if (parts.size() < 2) {
    throw ProtocolError("weft message has " + std::to_string(parts.size()) +
                        " parts; expected a header and a body at least");
  }
  const Buffer& h = parts[0];
  if (h.size() != kHeaderBytes || h.data()[0] != kMagic0 || h.data()[1] != kMagic1) {
    throw ProtocolError("not a weft message: bad header (" + std::to_string(h.size()) + " bytes)");
  }
  const std::uint16_t version = read_u16(h.data() + 2);
  if (version != kProtocolVersion) {
    throw ProtocolError("weft protocol version " + std::to_string(version) +
                        " is not supported (this build speaks version " +
                        std::to_string(kProtocolVersion) + ")");
  }
  const std::uint16_t kind = read_u16(h.data() + 4);
  if (!known(kind)) throw ProtocolError("unknown weft message kind " + std::to_string(kind));
  return static_cast<Kind>(kind);
}

zmq::context_t& context() {
  static zmq::context_t ctx(1);
  return ctx;
}

zmq::socket_t make_socket(zmq::socket_type type) {
  zmq::socket_t s(context(), type);
  s.set(zmq::sockopt::linger, kLingerMs);
  s.set(zmq::sockopt::sndhwm, 0);
  s.set(zmq::sockopt::rcvhwm, 0);
  if (type == zmq::socket_type::router) s.set(zmq::sockopt::router_mandatory, 0);
  secure(s, type);
  return s;
}

void send_parts(zmq::socket_t& socket, std::string_view routing_id, std::span<const Buffer> parts) {
  if (!routing_id.empty()) {
    socket.send(zmq::buffer(routing_id.data(), routing_id.size()), zmq::send_flags::sndmore);
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Buffer& p = parts[i];
    const auto flags = i + 1 < parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    if (p.size() >= kZeroCopyBytes) {
      // ZeroMQ calls the free function from its I/O thread when it is done with the bytes.
      auto* keep = new Buffer(p.owned() ? p : Buffer::copy(p.bytes()));
      zmq::message_t msg(
          const_cast<std::byte*>(keep->data()), keep->size(),
          [](void*, void* hint) { delete static_cast<Buffer*>(hint); }, keep);
      socket.send(msg, flags);
    } else {
      socket.send(zmq::const_buffer(p.data(), p.size()), flags);
    }
  }
}

bool receive(zmq::socket_t& socket, std::vector<Buffer>& parts, int* source_fd) {
  parts.clear();
  if (source_fd != nullptr) *source_fd = -1;
  while (true) {
    auto msg = std::make_shared<zmq::message_t>();
    const auto got =
        socket.recv(*msg, parts.empty() ? zmq::recv_flags::dontwait : zmq::recv_flags::none);
    if (!got) return false;
    // A ROUTER's routing-id frame lacks the connection's metadata when zmq_poll prefetched
    // it, so the descriptor is taken from whichever frame has it.
    if (source_fd != nullptr && *source_fd < 0) *source_fd = zmq_msg_get(msg->handle(), ZMQ_SRCFD);
    const bool more = msg->more();
    const void* data = msg->data();
    const std::size_t size = msg->size();
    parts.emplace_back(data, size, std::shared_ptr<const void>(std::move(msg)));
    if (!more) return true;
  }
}

int poll(std::vector<zmq::pollitem_t>& items, std::chrono::steady_clock::time_point busy_until,
         std::chrono::milliseconds timeout) {
  try {
    while (std::chrono::steady_clock::now() < busy_until) {
      if (const int ready = zmq::poll(items, std::chrono::milliseconds(0)); ready > 0) return ready;
      std::this_thread::yield();
    }
    return zmq::poll(items, timeout);
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) throw;
    return 0;  // a signal for the program's handler: the caller polls again
  }
}

std::string bound_address(zmq::socket_t& socket) { return socket.get(zmq::sockopt::last_endpoint); }

std::string host_name() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return "unknown";
  return name.data();
}

}  // namespace weft::net
