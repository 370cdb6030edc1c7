// Fuzz target for what a peer can send: the wire envelope (kind_of), the body of every
// message kind (net::payload), and large objects reassembled from chunks (net::Assembler),
// as the scheduler, workers and clients receive them.
#include <optional>
#include <unordered_map>
#include <vector>

#include "fuzz_input.hpp"
#include "net/chunks.hpp"
#include "net/protocol.hpp"
#include "net/wire.hpp"

namespace weft::fuzz {
namespace {

template <class T>
T decode_checked(std::span<const Buffer> parts) {
  T value = net::payload<T>(parts);
  check_round_trip(value);
  return value;
}

// A whole object out of the assembler must have exactly the frames it announced.
void check_whole(const net::Object& o, const std::vector<std::uint64_t>& announced) {
  if (!o.chunked.empty() || o.frames.size() != announced.size()) fail("assembled frame count");
  for (std::size_t i = 0; i < announced.size(); ++i) {
    if (o.frames[i].size() != announced[i]) fail("assembled frame size");
  }
}

// Decodes one message the way its receiver does; the assembler plays a fetcher's.
void receive(std::span<const Buffer> parts, net::Assembler& assembler,
             std::unordered_map<std::uint64_t, std::vector<std::uint64_t>>& announced) {
  using net::Kind;
  switch (net::kind_of(parts)) {
    case Kind::kHello:
      decode_checked<net::Hello>(parts);
      break;
    case Kind::kSubmit:
      decode_checked<net::Submit>(parts);
      break;
    case Kind::kRelease:
    case Kind::kCancel:
    case Kind::kReplicated:
    case Kind::kCancelTasks:
    case Kind::kFree:
    case Kind::kSteal:
    case Kind::kCancelled:
    case Kind::kPutAck:
    case Kind::kActorKill:
      decode_checked<net::Ids>(parts);
      break;
    case Kind::kPutDone:
      decode_checked<net::PutDone>(parts);
      break;
    case Kind::kStatusQuery:
    case Kind::kHeartbeat:
    case Kind::kGoodbye:
    case Kind::kShutdownQuery:
    case Kind::kShutdown:
      decode_checked<net::Empty>(parts);
      break;
    case Kind::kFinished:
      decode_checked<net::Finished>(parts);
      break;
    case Kind::kFailed:
      decode_checked<net::Failed>(parts);
      break;
    case Kind::kStealReply:
      decode_checked<net::StealReply>(parts);
      break;
    case Kind::kMetrics:
      decode_checked<net::WorkerMetrics>(parts);
      break;
    case Kind::kReportQuery:
      decode_checked<net::ReportQuery>(parts);
      break;
    case Kind::kReport:
      decode_checked<net::Report>(parts);
      break;
    case Kind::kNameActor:
    case Kind::kLookupActor:
    case Kind::kActorFound:
      decode_checked<net::NamedActor>(parts);
      break;
    case Kind::kWelcome:
      decode_checked<net::Welcome>(parts);
      break;
    case Kind::kWorkers:
      decode_checked<net::Workers>(parts);
      break;
    case Kind::kRun:
      decode_checked<net::Run>(parts);
      break;
    case Kind::kDone:
      decode_checked<net::Done>(parts);
      break;
    case Kind::kErred:
      decode_checked<net::Erred>(parts);
      break;
    case Kind::kStatus:
      decode_checked<net::Status>(parts);
      break;
    case Kind::kFetch:
      decode_checked<net::Fetch>(parts);
      break;
    case Kind::kObjects:
      for (net::Object& o : decode_checked<net::Objects>(parts).objects) {
        if (o.chunked.empty()) continue;
        const std::uint64_t id = o.id;
        std::vector<std::uint64_t> sizes = o.chunked;
        assembler.start(std::move(o));
        announced[id] = std::move(sizes);
      }
      break;
    case Kind::kObjectChunk: {
      const auto chunk = decode_checked<net::ObjectChunk>(parts);
      if (std::optional<net::Object> whole = assembler.add(chunk)) {
        check_whole(*whole, announced[chunk.id]);
        announced.erase(chunk.id);
      }
      break;
    }
    case Kind::kPutObject:
      decode_checked<net::PutObject>(parts);
      break;
    case Kind::kActorCall:
      decode_checked<net::ActorCall>(parts);
      break;
    case Kind::kActorReply:
      decode_checked<net::ActorReply>(parts);
      break;
  }
}

}  // namespace

bool wire_target(std::span<const std::uint8_t> input) {
  net::Assembler assembler;
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> announced;
  bool all = true;
  for (const Parts& parts : split(input)) {
    try {
      receive(parts, assembler, announced);
    } catch (const Error&) {  // refused, as receivers do: drop the message, keep the peer's state
      all = false;
    }
  }
  return all;
}

}  // namespace weft::fuzz
