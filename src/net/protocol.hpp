// The messages between clients, the scheduler and workers.
//
// Control plane: every client and worker holds one DEALER connection to the scheduler's
// ROUTER. Data plane: every worker binds a ROUTER of its own (data_address) that peers and
// clients fetch objects from, so data moves worker to worker and worker to client, never
// through the scheduler.
//
// Each message is one ZeroMQ multipart message: [header, body, frames...] (wire.hpp). The
// body and frames are a serde::Message of the struct that the header's Kind names; the
// structs below are plain values with WEFT_SERIALIZE. Batches are vectors: under load one
// message carries many tasks, so the per-message cost is paid once per batch.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "weft/serde.hpp"

namespace weft::net {

// Bumped on any change to the structs below or to their meaning. A peer with another
// version is refused (wire.cpp), never half-understood.
inline constexpr std::uint16_t kProtocolVersion = 2;

enum class Kind : std::uint16_t {
  // To the scheduler.
  kHello = 1,      // Hello
  kSubmit,         // Submit
  kRelease,        // Ids: the client dropped its last Ref
  kCancel,         // Ids
  kPutDone,        // PutDone
  kStatusQuery,    // Empty
  kFinished,       // Finished
  kFailed,         // Failed
  kReplicated,     // Ids: the worker fetched copies
  kStealReply,     // StealReply
  kHeartbeat,      // Empty
  kGoodbye,        // Empty: a worker or client leaves
  kShutdownQuery,  // Empty: stop the whole cluster (the local cluster's driver, weft CLI)
  kNameActor,      // NamedActor: register an actor's name
  kLookupActor,    // NamedActor (name only)
  kMetrics,        // WorkerMetrics: a worker's periodic sample
  kReportQuery,    // ReportQuery
  // From the scheduler.
  kWelcome = 32,  // Welcome
  kWorkers,       // Workers
  kRun,           // Run
  kCancelTasks,   // Ids
  kFree,          // Ids
  kSteal,         // Ids: give these tasks up if not started
  kDone,          // Done
  kErred,         // Erred
  kCancelled,     // Ids
  kStatus,        // Status
  kShutdown,      // Empty
  kActorFound,    // NamedActor (actor == 0: no such name)
  kReport,        // Report
  // Data plane, to a worker's ROUTER and back.
  kFetch = 64,   // Fetch
  kObjects,      // Objects
  kPutObject,    // PutObject
  kPutAck,       // Ids
  kActorCall,    // ActorCall
  kActorReply,   // ActorReply
  kActorKill,    // Ids: actors to destroy
  kObjectChunk,  // ObjectChunk
};
const char* to_string(Kind kind);

enum class Role : std::uint8_t { kClient, kWorker, kObserver };

struct Empty {
  WEFT_SERIALIZE();
};

struct Ids {
  std::vector<std::uint64_t> ids;
  WEFT_SERIALIZE(ids);
};

using Quantities = std::vector<std::pair<std::string, double>>;

struct Hello {
  Role role = Role::kClient;
  std::string name;  // for logs and status, e.g. "worker-1234@host"
  std::string host;
  std::uint32_t pid = 0;
  // Workers only.
  std::uint32_t nthreads = 0;
  std::uint64_t memory_limit = 0;
  std::string data_address;
  Quantities resources;  // custom quantities the worker offers
  std::string node;      // store::node_id(): peers on one node share memory
  WEFT_SERIALIZE(role, name, host, pid, nthreads, memory_limit, data_address, resources, node);
};

// The id the scheduler gave the peer: a worker's WorkerId, or a client's number (the high
// 16 bits of every task id that client makes, so ids of different clients never collide).
struct Welcome {
  std::uint32_t id = 0;
  WEFT_SERIALIZE(id);
};

struct WorkerInfo {
  std::uint32_t id = 0;
  std::string name;
  std::string host;
  std::string data_address;
  std::uint32_t nthreads = 0;
  std::string node;
  WEFT_SERIALIZE(id, name, host, data_address, nthreads, node);
};

// Workers that joined and left since the last Workers message (the first lists them all).
struct Workers {
  std::vector<WorkerInfo> joined;
  std::vector<std::uint32_t> left;
  WEFT_SERIALIZE(joined, left);
};

// One argument of a call: a value (a serde::Message) or, when ref != 0, the value of that
// object, which the worker fetches.
struct Arg {
  std::uint64_t ref = 0;
  Buffer body;
  std::vector<Buffer> frames;
  WEFT_SERIALIZE(ref, body, frames);
};

// What to run: a registered function by name, the signature the caller compiled against
// (checked before any argument is decoded), the task's name for errors, and the arguments.
struct Call {
  std::string function;
  std::uint64_t signature = 0;
  std::string name;
  std::vector<Arg> args;
  double timeout = 0;  // seconds the worker waits for it to return; 0: no limit
  WEFT_SERIALIZE(function, signature, name, args, timeout);
};

struct TaskSpec {
  std::uint64_t id = 0;
  std::vector<std::uint64_t> deps;
  std::uint32_t retries = 0;
  std::int32_t priority = 0;
  double cpus = 1;
  std::uint64_t memory = 0;
  Quantities resources;
  Call call;
  WEFT_SERIALIZE(id, deps, retries, priority, cpus, memory, resources, call);
};

struct Submit {
  std::vector<TaskSpec> tasks;
  WEFT_SERIALIZE(tasks);
};

struct PutDone {
  std::uint64_t id = 0;
  std::uint32_t worker = 0;
  std::uint64_t nbytes = 0;
  WEFT_SERIALIZE(id, worker, nbytes);
};

// An execution's place in the task stream: when (wall-clock seconds since the Unix epoch,
// so that processes on one host line up) and on which of the worker's threads.
struct Execution {
  double start = 0;
  double duration = 0;  // seconds
  std::uint32_t thread = 0;
  WEFT_SERIALIZE(start, duration, thread);
};

struct Result {
  std::uint64_t id = 0;
  std::uint64_t nbytes = 0;
  Execution run;
  WEFT_SERIALIZE(id, nbytes, run);
};
struct Finished {
  std::vector<Result> results;
  WEFT_SERIALIZE(results);
};

// A task's error as the caller will see it (a TaskError's parts).
struct RemoteError {
  std::string type_name;
  std::string message;
  std::string task_name;
  std::string worker;
  WEFT_SERIALIZE(type_name, message, task_name, worker);
};

struct Failure {
  std::uint64_t id = 0;
  RemoteError error;
  Execution run;  // duration 0: it never ran (e.g. an input could not be fetched)
  WEFT_SERIALIZE(id, error, run);
};
struct Failed {
  std::vector<Failure> failures;
  WEFT_SERIALIZE(failures);
};

// An object this worker fetched from a peer.
struct Transfer {
  std::uint32_t from = 0;  // the peer's worker id
  std::uint64_t bytes = 0;
  double start = 0;  // wall-clock seconds, as in Execution
  double end = 0;
  WEFT_SERIALIZE(from, bytes, start, end);
};

// What a worker reports every half second for the dashboard and /metrics.
struct WorkerMetrics {
  double cpu_seconds = 0;    // user + system time of the process so far
  std::uint64_t memory = 0;  // resident bytes
  std::uint64_t objects = 0;
  std::uint64_t object_bytes = 0;
  std::uint64_t spilled_bytes = 0;
  std::uint64_t sent_bytes = 0;     // objects served to peers and clients so far
  std::vector<Transfer> transfers;  // since the last sample
  WEFT_SERIALIZE(cpu_seconds, memory, objects, object_bytes, spilled_bytes, sent_bytes, transfers);
};

// A run's record as the scheduler holds it: "trace" (Chrome trace JSON), "report" (HTML),
// or "snapshot" (the dashboard's JSON).
struct ReportQuery {
  std::string format;
  WEFT_SERIALIZE(format);
};
// The text, or (error non-empty) why there is none.
struct Report {
  std::string text;
  std::string error;
  WEFT_SERIALIZE(text, error);
};

struct StealReply {
  std::uint64_t task = 0;
  bool confirmed = false;
  WEFT_SERIALIZE(task, confirmed);
};

// Where a dependency can be fetched from.
struct Location {
  std::uint64_t id = 0;
  std::uint64_t nbytes = 0;
  std::vector<std::uint32_t> holders;
  WEFT_SERIALIZE(id, nbytes, holders);
};

struct RunItem {
  std::uint64_t id = 0;
  Call call;
  std::vector<Location> deps;
  WEFT_SERIALIZE(id, call, deps);
};
struct Run {
  std::vector<RunItem> tasks;
  WEFT_SERIALIZE(tasks);
};

struct DoneItem {
  std::uint64_t id = 0;
  std::uint32_t worker = 0;
  std::uint64_t nbytes = 0;
  WEFT_SERIALIZE(id, worker, nbytes);
};
struct Done {
  std::vector<DoneItem> tasks;
  WEFT_SERIALIZE(tasks);
};

struct ErredItem {
  std::uint64_t id = 0;
  RemoteError error;
  WEFT_SERIALIZE(id, error);
};
struct Erred {
  std::vector<ErredItem> tasks;
  WEFT_SERIALIZE(tasks);
};

struct WorkerStatus {
  WorkerInfo info;
  std::uint32_t processing = 0;
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
  WEFT_SERIALIZE(info, processing, objects, bytes);
};
struct Status {
  std::string address;
  std::uint32_t clients = 0;
  std::vector<WorkerStatus> workers;
  std::vector<std::pair<std::string, std::uint64_t>> tasks;  // count by state
  std::uint64_t bytes = 0;                                   // of objects in memory
  WEFT_SERIALIZE(address, clients, workers, tasks, bytes);
};

// `node`: the fetcher's store::node_id(). A holder on the same node answers with the name
// of the shared-memory segment holding a large object instead of its bytes.
struct Fetch {
  std::vector<std::uint64_t> ids;
  std::string node;
  WEFT_SERIALIZE(ids, node);
};

// An object's body and frames, or (shm non-empty) its body and where its frames lie in the
// shared-memory segment `shm`.
struct Object {
  std::uint64_t id = 0;
  bool found = false;
  Buffer body;
  std::vector<Buffer> frames;
  std::string shm;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> layout;
  // Non-empty: the frames' sizes; their bytes follow as ObjectChunks (net/chunks.hpp).
  std::vector<std::uint64_t> chunked;
  WEFT_SERIALIZE(id, found, body, frames, shm, layout, chunked);
};

struct ObjectChunk {
  std::uint64_t id = 0;
  std::uint32_t frame = 0;
  std::uint64_t offset = 0;
  Buffer data;
  WEFT_SERIALIZE(id, frame, offset, data);
};
struct Objects {
  std::vector<Object> objects;
  WEFT_SERIALIZE(objects);
};

struct PutObject {
  std::uint64_t id = 0;
  Buffer body;
  std::vector<Buffer> frames;
  std::string shm;  // as in Object
  std::vector<std::pair<std::uint64_t, std::uint64_t>> layout;
  WEFT_SERIALIZE(id, body, frames, shm, layout);
};

// Actors. An actor is made by a task (its factory) on some worker, whose data address is
// the task's result; calls then go from the caller straight to that worker's data port.
struct NamedActor {
  std::string name;
  std::uint64_t actor = 0;
  std::string address;
  WEFT_SERIALIZE(name, actor, address);
};

struct ActorCall {
  std::uint64_t actor = 0;
  std::uint64_t call = 0;  // the result's object id
  std::string method;      // "Type::method"
  std::uint64_t signature = 0;
  std::vector<Arg> args;  // values only
  std::string node;       // the caller's, as in Fetch
  WEFT_SERIALIZE(actor, call, method, signature, args, node);
};

struct ActorReply {
  std::uint64_t call = 0;
  bool ok = false;
  Object value;  // when ok: id, body and frames (or shared-memory segment)
  std::uint64_t nbytes = 0;
  RemoteError error;  // when not
  WEFT_SERIALIZE(call, ok, value, nbytes, error);
};

}  // namespace weft::net
