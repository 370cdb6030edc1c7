#include "commands.hpp"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include <zmq.hpp>

#include "diag/log.hpp"
#include "net/protocol.hpp"
#include "net/security.hpp"
#include "net/wire.hpp"
#include "server/scheduler_server.hpp"
#include "worker/worker.hpp"

namespace weft::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Turns SIGINT and SIGTERM into `stop`. The signals are blocked in this thread and so in
// every thread started later (ZeroMQ's included) and taken by sigtimedwait on a thread of
// our own: a handler interrupting zmq_poll would make it fail with EINTR, which cppzmq
// throws. Construct before anything starts a thread.
class StopOnSignal {
 public:
  explicit StopOnSignal(std::atomic<bool>& stop) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this, &stop] {
      while (!done_.load()) {
        const timespec tick{0, 100'000'000};
        const int sig = sigtimedwait(&set_, nullptr, &tick);
        if (sig > 0) {
          diag::log_info("%s, stopping", strsignal(sig));
          stop.store(true);
          return;
        }
      }
    });
  }
  ~StopOnSignal() {
    done_.store(true);
    thread_.join();
  }
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  sigset_t set_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// A library that links weft itself brings a second registry and runtime into the worker:
// calls inside it may not reach the worker's own. Detect that by asking the library alone
// (dlsym on its handle searches it and its dependencies, never the executable) for weft's
// registration function. If weft renames it, this check just stops firing.
void warn_if_own_copy_of_weft(void* handle, const std::string& path) {
  constexpr const char* kProbe = "_ZN4weft6detail17register_functionEPKvRKNS0_14RemoteFunctionE";
  void* own = dlsym(handle, kProbe);
  if (own != nullptr && own != dlsym(RTLD_DEFAULT, kProbe)) {
    diag::log_warn(
        "'%s' contains its own copy of weft (it links weft); build it without weft "
        "(weft_add_task_library) so it uses the worker's",
        path.c_str());
  }
  dlerror();  // clear the "symbol not found" of the usual case
}

bool load_library(std::string path) {
  // dlopen looks for a name without '/' only in the library path; on a command line the
  // user means the file in the current directory when there is one.
  if (path.find('/') == std::string::npos && ::access(path.c_str(), F_OK) == 0) path = "./" + path;
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) {
    diag::log_error("cannot load '%s': %s", path.c_str(), dlerror());
    return false;
  }
  warn_if_own_copy_of_weft(handle, path);
  std::printf("weft worker: loaded %s\n", path.c_str());
  return true;
}

zmq::socket_t connect_to(const std::string& address) {
  zmq::socket_t s = net::make_socket(zmq::socket_type::dealer);
  try {
    s.connect(address);
  } catch (const zmq::error_t& e) {
    throw std::runtime_error("cannot connect to '" + address + "': " + e.what());
  }
  return s;
}

// Sends a status query and waits for the answer; nullopt when none comes within `timeout`.
std::optional<net::Status> query_status(zmq::socket_t& socket, double timeout) {
  net::send(socket, "", net::Kind::kStatusQuery, net::Empty{});
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout);
  std::vector<Buffer> parts;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, left);
    while (net::receive(socket, parts)) {
      try {
        if (net::kind_of(parts) == net::Kind::kStatus) return net::payload<net::Status>(parts);
      } catch (const std::exception& e) {
        diag::log_warn("ignored a bad reply from the scheduler: %s", e.what());
      }
    }
  }
}

std::string format_bytes(std::uint64_t n) {
  if (n < 1024) return std::to_string(n) + " B";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(n) / 1024;
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line = " ";
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += " " + row[i];
      if (i + 1 < row.size()) line.append(width[i] - row[i].size() + 1, ' ');
    }
    std::puts(line.c_str());
  }
}

void print_status(const net::Status& s) {
  std::printf("scheduler: %s\n", s.address.c_str());
  std::printf("workers: %zu\n", s.workers.size());
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "ADDRESS", "THREADS", "PROCESSING", "OBJECTS", "BYTES"}};
  for (const net::WorkerStatus& w : s.workers) {
    rows.push_back({std::to_string(w.info.id), w.info.name, w.info.data_address,
                    std::to_string(w.info.nthreads), std::to_string(w.processing),
                    std::to_string(w.objects), format_bytes(w.bytes)});
  }
  if (!s.workers.empty()) print_table(rows);
  std::string tasks;
  for (const auto& [state, count] : s.tasks) {
    tasks += (tasks.empty() ? "" : ", ") + state + " " + std::to_string(count);
  }
  std::printf("tasks: %s\n", tasks.empty() ? "none" : tasks.c_str());
  std::printf("objects in memory: %s\n", format_bytes(s.bytes).c_str());
  std::printf("clients: %u\n", s.clients);
}

}  // namespace

// A scheduler refuses a peer without the cluster's key silently (that is the point), so
// silence is what a wrong key looks like from here.
constexpr const char* kNoAnswerHint =
    " (is it running there, and is this the cluster's key: --key or WEFT_KEY?)";

void configure_security(const SecurityArgs& args, const std::string& command) {
  if (args.insecure) return net::use_no_security();
  if (!args.key.empty()) return net::use_cluster_key(net::read_key_file(args.key));
  net::configure_security_from_env("weft " + command);
}

int run_keygen(const std::string& path, bool force) {
  if (!force && ::access(path.c_str(), F_OK) == 0) {
    diag::log_error("'%s' exists; --force replaces it", path.c_str());
    return 1;
  }
  net::write_key_file(path, net::generate_keys());
  std::printf("weft keygen: wrote %s (mode 600); give it to every member of the cluster\n",
              path.c_str());
  return 0;
}

int run_scheduler(const SchedulerArgs& args) {
  std::atomic<bool> stop{false};
  StopOnSignal on_signal(stop);
  server::Options o;
  o.listen = "tcp://" + args.host + ":" + std::to_string(args.port);
  o.heartbeat_timeout = args.heartbeat_timeout;
  o.dashboard_port = args.dashboard_port;
  o.dashboard_host = args.dashboard_host;
  o.dashboard_port_fallback = args.dashboard_port == kDefaultDashboardPort;
  o.on_ready = [](const std::string& address, const std::string& dashboard) {
    std::printf("scheduler listening on %s\n", address.c_str());
    if (!dashboard.empty()) std::printf("dashboard at %s\n", dashboard.c_str());
    std::fflush(stdout);  // scripts wait for these lines through a pipe
  };
  return server::run_scheduler(o, &stop);
}

int run_worker(const WorkerArgs& args) {
  for (const std::string& lib : args.load) {
    if (!load_library(lib)) return 1;
  }
  worker::Options o;
  o.scheduler = scheduler_address(args.scheduler);
  o.nthreads = args.nthreads;
  o.memory_limit = args.memory_limit.empty() ? 0 : parse_size(args.memory_limit).value_or(0);
  o.host = args.host;
  o.name = args.name;
  o.lost_after = args.lost_after;
  o.spill_dir = args.spill_dir;
  o.resources = worker::parse_resources(args.resources);
  const std::string threads = o.nthreads > 0 ? std::to_string(o.nthreads) : "one per core";
  const std::string memory =
      o.memory_limit > 0 ? std::to_string(o.memory_limit) + " bytes" : "none";
  std::printf("weft worker: joining %s (threads: %s, memory limit: %s, data port on %s)\n",
              o.scheduler.c_str(), threads.c_str(), memory.c_str(), o.host.c_str());
  std::fflush(stdout);
  std::atomic<bool> stop{false};
  StopOnSignal on_signal(stop);
  return worker::run_worker(o, &stop);
}

int run_status(const std::string& address, double timeout) {
  zmq::socket_t socket = connect_to(scheduler_address(address));
  const std::optional<net::Status> status = query_status(socket, timeout);
  if (!status) {
    diag::log_error("no answer from a scheduler at %s within %g s%s", address.c_str(), timeout,
                    kNoAnswerHint);
    return 1;
  }
  print_status(*status);
  return 0;
}

int run_shutdown(const std::string& address, double timeout) {
  // Ask for the status first: the shutdown itself has no reply, and a scheduler that is
  // not there should be an error, not a silent success.
  zmq::socket_t socket = connect_to(scheduler_address(address));
  const std::optional<net::Status> status = query_status(socket, timeout);
  if (!status) {
    diag::log_error("no answer from a scheduler at %s within %g s%s", address.c_str(), timeout,
                    kNoAnswerHint);
    return 1;
  }
  net::send(socket, "", net::Kind::kShutdownQuery, net::Empty{});
  socket.set(zmq::sockopt::linger, static_cast<int>(timeout * 1000));  // deliver before exit
  std::printf("asked the scheduler at %s to stop with its %zu worker(s)\n", address.c_str(),
              status->workers.size());
  return 0;
}

std::optional<std::uint64_t> parse_size(const std::string& text) {
  const char* begin = text.c_str();
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(value) || value < 0 || !std::isdigit(*begin)) {
    return std::nullopt;
  }
  std::string unit;
  for (const char* p = end; *p != '\0'; ++p) {
    if (*p != ' ') unit += static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
  }
  static const std::pair<const char*, double> kUnits[] = {
      {"", 1},      {"b", 1},        {"kb", 1e3},        {"mb", 1e6},     {"gb", 1e9},
      {"tb", 1e12}, {"kib", 1024.0}, {"mib", 1048576.0}, {"gib", 0x1p30}, {"tib", 0x1p40},
      {"k", 1e3},   {"m", 1e6},      {"g", 1e9},         {"t", 1e12}};
  for (const auto& [name, scale] : kUnits) {
    if (unit != name) continue;
    const double bytes = std::round(value * scale);
    if (bytes >= 0x1p64) return std::nullopt;
    return static_cast<std::uint64_t>(bytes);
  }
  return std::nullopt;
}

std::string scheduler_address(const std::string& text) {
  const std::string a = text.find("://") == std::string::npos ? "tcp://" + text : text;
  if (a.rfind("ipc://", 0) == 0) return a.size() > 6 ? a : "";
  if (a.rfind("tcp://", 0) != 0) return "";
  const std::size_t colon = a.rfind(':');
  if (colon <= 6 || colon + 1 == a.size() || colon + 6 < a.size()) return "";
  const std::string port = a.substr(colon + 1);
  if (!std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(c) != 0; })) {
    return "";
  }
  const int n = std::stoi(port);
  return n >= 1 && n <= 65535 ? a : "";
}

}  // namespace weft::cli
