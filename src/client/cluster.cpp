// The program-facing half of Cluster: submitting, storing, releasing and waiting. These
// run on program threads and only touch the outbox; io.cpp is the I/O thread's half.
#include "client/cluster.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>

#include "diag/log.hpp"
#include "net/wire.hpp"
#include "weft/actor.hpp"
#include "weft/error.hpp"

namespace weft::detail {
namespace {

void block_until_done(TaskState& s) noexcept {
  struct Blocker final : Waiter {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    void on_complete(TaskState&) noexcept override {
      std::lock_guard<std::mutex> lock(m);
      done = true;
      cv.notify_one();  // under the lock: the waiter cannot return and die before this
    }
  };
  Blocker b;
  if (!s.add_waiter(&b)) return;
  std::unique_lock<std::mutex> lock(b.m);
  b.cv.wait(lock, [&] { return b.done; });
}

// Looks for up to kAwaitBriefly whether `s` is done, yielding the CPU between looks, before
// it sleeps: an actor call or a short task is answered within tens of microseconds, about
// what waking a sleeping thread costs on a virtual machine (its idle vCPU halts, and the
// wake-up goes through the host). Yielding, not spinning flat out: the client's I/O thread
// polls the same way (net::poll), and with two cores the threads that will answer need
// them. Measured on 2 cores, 3 alternating pairs of `cluster_bench --workloads
// actor,round_trip` under load (medians): actor call 87-110 -> 69-86 us, task round trip
// 828-873 -> 331-401 us.
constexpr auto kAwaitBriefly = std::chrono::microseconds(200);

bool await_briefly(const TaskState& s) noexcept {
  const auto until = std::chrono::steady_clock::now() + kAwaitBriefly;
  while (!s.done()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::yield();
  }
  return true;
}

bool valid_address(const std::string& a) {
  return a.rfind("tcp://", 0) == 0 || a.rfind("ipc://", 0) == 0;
}

}  // namespace

Cluster::Cluster(const Options& options)
    : address_(options.address),
      scheduler_(net::make_socket(zmq::socket_type::dealer)),
      local_threads_(options.local_threads) {
  if (!valid_address(address_)) {
    throw ConfigError("weft: scheduler address '" + address_ +
                      "' is not valid: expected tcp://HOST:PORT or ipc://PATH");
  }
  lost_after_ = options.timeout;
  const char* direct = std::getenv("WEFT_DIRECT_ACTORS");
  direct_enabled_ = direct == nullptr || std::string(direct) != "0";
  diag::set_log_process("client");
  scheduler_.connect(address_);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  net::Hello hello;
  hello.role = net::Role::kClient;
  hello.host = net::host_name();
  hello.pid = static_cast<std::uint32_t>(getpid());
  hello.name = "client-" + std::to_string(hello.pid) + "@" + hello.host;
  hello.node = store::node_id();
  net::send(scheduler_, "", net::Kind::kHello, hello);
  io_ = std::thread([this] { io_loop(); });

  std::unique_lock<std::mutex> lock(mu_);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(options.timeout);
  const bool ready = cv_.wait_until(
      lock, deadline, [&] { return welcomed_ && worker_count_ >= options.min_workers; });
  if (!ready) {
    const std::string why =
        !welcomed_ ? "the scheduler at " + address_ + " did not answer within " +
                         std::to_string(options.timeout) +
                         " s (is it running there, and is WEFT_KEY the cluster's key file?)"
                   : "only " + std::to_string(worker_count_) + " of " +
                         std::to_string(options.min_workers) + " workers joined the scheduler at " +
                         address_ + " within " + std::to_string(options.timeout) + " s";
    lock.unlock();
    stop_ = true;
    ::eventfd_write(wake_fd_, 1);
    io_.join();
    ::close(wake_fd_);
    throw Error("weft: " + why);
  }
  lock.unlock();
  cluster_alive(this, true);
}

Cluster::~Cluster() {
  cluster_alive(this, false);
  stop_.store(true);
  ::eventfd_write(wake_fd_, 1);
  io_.join();
  ::close(wake_fd_);
  local_.reset();
}

std::uint64_t Cluster::next_id() noexcept {
  return (std::uint64_t{client_number_} << 48) |
         (counter_.fetch_add(1, std::memory_order_relaxed) + 1);
}

void Cluster::post(const std::function<void(Outbox&)>& add) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!lost_.empty()) throw Error("weft: " + lost_);
  add(outbox_);
  if (!wake_pending_) {
    wake_pending_ = true;
    ::eventfd_write(wake_fd_, 1);
  }
}

void Cluster::submit(TaskState& state, const RemoteFunction& fn, const TaskOptions& options,
                     std::vector<CallArg> args, const ActorOptions* actor) {
  const std::uint64_t id = next_id();
  net::TaskSpec spec;
  spec.id = id;
  spec.retries = static_cast<std::uint32_t>(options.retries < 0 ? 0 : options.retries);
  spec.cpus = options.cpus;
  spec.memory = options.memory;
  spec.resources = options.resources;
  spec.call.function = fn.name;
  spec.call.signature = fn.signature;
  spec.call.timeout = options.timeout > 0 ? options.timeout : 0;
  spec.call.name = options.name.empty() ? std::string(fn.name) : options.name;
  spec.call.args.reserve(args.size());
  for (CallArg& a : args) {
    net::Arg arg;
    arg.ref = a.ref;
    if (a.ref != 0) {
      spec.deps.push_back(a.ref);
    } else {
      arg.body = std::move(a.value.body);
      arg.frames = std::move(a.value.frames);
    }
    spec.call.args.push_back(std::move(arg));
  }
  state.remote_object()->set_cluster_id(id, this);
  state.retain();  // the entry's reference
  std::shared_ptr<const net::TaskSpec> factory;
  if (actor != nullptr && actor->max_restarts > 0 && spec.deps.empty()) {
    factory = std::make_shared<const net::TaskSpec>(spec);
  }
  try {
    post([&](Outbox& box) {
      if (actor != nullptr) {
        box.new_actors.push_back(NewActor{id, actor->name, actor->max_restarts, factory});
      }
      box.entries.emplace_back(id, &state);
      box.submits.push_back(std::move(spec));
    });
  } catch (...) {
    state.remote_object()->set_cluster_id(0, nullptr);
    state.release();
    throw;
  }
}

void Cluster::put(TaskState& state, serde::Message value) {
  // Frames that borrow from the value in `state` now keep the state alive instead.
  state.retain();
  std::shared_ptr<const void> owner(&state, [](const void* p) {
    const_cast<TaskState*>(static_cast<const TaskState*>(p))->release();
  });
  for (Buffer& f : value.frames) {
    if (!f.owned()) f = Buffer(f.data(), f.size(), owner);
  }
  Put p;
  p.id = next_id();
  if (store::enabled() && store::frame_bytes(value) >= store::kSharedThreshold) {
    // Copied once into shared memory here, on the caller's thread; a worker on this node
    // then maps it instead of receiving the bytes.
    char tag[32];
    std::snprintf(tag, sizeof tag, "put-%016llx", static_cast<unsigned long long>(p.id));
    try {
      store::Shared s = store::share(value, tag, /*owner=*/false);  // the worker will be
      value = std::move(s.message);
      p.shm = std::move(s.name);
      p.layout = std::move(s.layout);
    } catch (const Error&) {
      // No shared memory: the bytes travel over the socket instead.
    }
  }
  p.value = std::move(value);
  post([&](Outbox& box) { box.puts.push_back(&p); });
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return p.done; });
  if (!p.error.empty()) throw Error("weft::put: " + p.error);
  state.remote_object()->set_cluster_id(p.id, this);
}

void Cluster::release(std::uint64_t id) noexcept {
  try {
    post([&](Outbox& box) { box.releases.push_back(id); });
  } catch (...) {
    // The scheduler is gone, and with it the object.
  }
}

void Cluster::cancel(std::uint64_t id) noexcept {
  try {
    post([&](Outbox& box) { box.cancels.push_back(id); });
  } catch (...) {
  }
}

void Cluster::want(std::uint64_t id) noexcept {
  try {
    post([&](Outbox& box) { box.wants.push_back(id); });
  } catch (...) {
  }
}

void Cluster::shutdown_cluster() {
  post([](Outbox& box) { box.shutdown_cluster = true; });
}

void Cluster::schedule(TaskState* task) noexcept {
  std::call_once(local_once_, [&] {
    int n = local_threads_;
    if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    local_ = std::make_unique<exec::ThreadPool>(n);
    local_ready_.store(local_.get());
  });
  local_->schedule(task);
}

void Cluster::wait(TaskState& state) noexcept {
  if (state.done()) return;
  if (RemoteObject* r = state.remote_object()) {
    want_remote(*r);
    if (!await_briefly(state)) block_until_done(state);
  } else if (exec::ThreadPool* pool = local_ready_.load()) {
    pool->wait(state);
  } else {
    block_until_done(state);
  }
}

int Cluster::concurrency() const noexcept { return threads_total_.load(); }

}  // namespace weft::detail
