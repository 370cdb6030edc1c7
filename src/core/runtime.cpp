#include "weft/runtime.hpp"

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>

#include "client/cluster.hpp"
#include "cluster/local_cluster.hpp"
#include "core/observe_state.hpp"
#include "diag/local_observer.hpp"
#include "diag/task_error_log.hpp"
#include "exec/inline_executor.hpp"
#include "exec/thread_pool.hpp"
#include "net/security.hpp"
#include "weft/error.hpp"

namespace weft {
namespace {

// The process's runtime. `current` is read on every task submission, so it is a plain
// atomic pointer; starting and stopping runtimes is rare and serialised by `mu`.
struct Global {
  std::mutex mu;
  std::unique_ptr<detail::Backend> owned;        // guarded by mu
  bool explicit_init = false;                    // guarded by mu
  std::unique_ptr<cluster::LocalCluster> local;  // guarded by mu; processes runtime only
  std::atomic<detail::Backend*> current{nullptr};
  std::atomic<detail::Cluster*> cluster{nullptr};  // when `owned` is a cluster client
  // What observe.hpp's functions reach. Destroyed after `owned`, whose pool reports to it.
  detail::Observed observed;  // guarded by mu
};
Global& global() {
  static Global g;
  return g;
}

int cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

// WEFT_DASHBOARD=PORT and WEFT_RECORD=1 turn observing on for any runtime, unless the
// program chose for itself.
std::atomic<bool> g_ignore_observe_env{false};

Config with_observe_env(Config config) {
  if (g_ignore_observe_env.load()) return config;
  if (config.dashboard_port < 0) {
    if (const char* port = std::getenv("WEFT_DASHBOARD"); port != nullptr && *port != '\0') {
      int p = -1;
      const std::string_view text(port);
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
      if (ec != std::errc{} || end != text.data() + text.size() || p < -1 || p > 65535) {
        throw ConfigError("weft: WEFT_DASHBOARD='" + std::string(text) +
                          "' is not a port (0-65535; 0: any free port, -1: none)");
      }
      config.dashboard_port = p;
    }
  }
  if (const char* record = std::getenv("WEFT_RECORD"); record != nullptr) {
    config.record = config.record || std::string_view(record) == "1";
  }
  return config;
}

// REQUIRES: g.mu held.
std::unique_ptr<detail::Backend> make_backend(Global& g, const Config& config) {
  switch (config.kind) {
    case RuntimeKind::kInline:
      return std::make_unique<exec::InlineExecutor>();
    case RuntimeKind::kThreads: {
      const int n = config.workers > 0 ? config.workers : cores();
      if (config.record || config.dashboard_port >= 0) {
        g.observed.local =
            std::make_unique<diag::LocalObserver>(config.to_string(), n, config.dashboard_port);
        g.observed.dashboard_url = g.observed.local->dashboard_url();
      }
      return std::make_unique<exec::ThreadPool>(n, g.observed.local.get());
    }
    case RuntimeKind::kProcesses: {
      const int n = config.workers > 0 ? config.workers : cores();
      const int t =
          config.threads_per_worker > 0 ? config.threads_per_worker : std::max(1, cores() / n);
      g.local = std::make_unique<cluster::LocalCluster>(
          n, t, config.timeout, cluster::Observe{config.record, config.dashboard_port});
      g.observed.scheduler = g.local->address();
      g.observed.dashboard_url = g.local->dashboard_url();
      detail::Cluster::Options o;
      o.address = g.local->address();
      o.min_workers = static_cast<std::size_t>(n);
      o.timeout = config.timeout;
      try {
        auto c = std::make_unique<detail::Cluster>(o);
        g.cluster.store(c.get());
        return c;
      } catch (...) {
        g.local.reset();
        throw;
      }
    }
    case RuntimeKind::kConnect: {
      net::configure_security_from_env("weft (runtime connect:" + config.address + ")");
      g.observed.scheduler = config.address;
      detail::Cluster::Options o;
      o.address = config.address;
      o.timeout = config.timeout;
      auto c = std::make_unique<detail::Cluster>(o);
      g.cluster.store(c.get());
      return c;
    }
  }
  throw ConfigError("weft: unknown runtime kind");
}

// REQUIRES: g.mu held. Drains and destroys the current runtime. `current` still points at
// it while it drains, since the tasks that finish then schedule their dependents on it.
// A local cluster is asked to shut down first, and its processes reaped last.
void stop_locked(Global& g) {
  if (detail::Cluster* c = g.cluster.exchange(nullptr)) {
    if (g.local) {
      try {
        c->shutdown_cluster();
      } catch (const Error&) {
        // Already unreachable: the processes are killed below.
      }
    }
  }
  g.owned.reset();
  // The count of errors left out of the log, while it still belongs to this run.
  diag::local_task_errors().report(diag::TaskErrorLog::Clock::now(), /*final=*/true);
  g.observed = {};
  g.local.reset();
  g.current.store(nullptr, std::memory_order_release);
  g.explicit_init = false;
}

bool parse_count(std::string_view text, int& out) {
  int n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || ptr != text.data() + text.size() || n <= 0 || n > 4096) return false;
  out = n;
  return true;
}

}  // namespace

Config Config::parse(std::string_view spec) {
  Config c;
  if (spec.empty() || spec == "threads") return c;
  if (spec == "inline") {
    c.kind = RuntimeKind::kInline;
    return c;
  }
  if (spec == "processes") {
    c.kind = RuntimeKind::kProcesses;
    return c;
  }
  constexpr std::string_view kThreads = "threads:";
  constexpr std::string_view kProcesses = "processes:";
  constexpr std::string_view kConnect = "connect:";
  if (spec.substr(0, kThreads.size()) == kThreads &&
      parse_count(spec.substr(kThreads.size()), c.workers)) {
    return c;
  }
  if (spec.substr(0, kProcesses.size()) == kProcesses &&
      parse_count(spec.substr(kProcesses.size()), c.workers)) {
    c.kind = RuntimeKind::kProcesses;
    return c;
  }
  if (spec.substr(0, kConnect.size()) == kConnect) {
    const std::string_view a = spec.substr(kConnect.size());
    if ((a.substr(0, 6) == "tcp://" || a.substr(0, 6) == "ipc://") && a.size() > 6) {
      c.kind = RuntimeKind::kConnect;
      c.address = std::string(a);
      return c;
    }
  }
  throw ConfigError("invalid weft runtime '" + std::string(spec) +
                    "': expected 'threads', 'threads:N', 'inline', 'processes', "
                    "'processes:N' (1 <= N <= 4096) or 'connect:tcp://HOST:PORT'");
}

Config Config::from_env() {
  const char* spec = std::getenv("WEFT_RUNTIME");
  return spec == nullptr ? Config{} : parse(spec);
}

std::string Config::to_string() const {
  switch (kind) {
    case RuntimeKind::kInline:
      return "inline";
    case RuntimeKind::kProcesses:
      return workers > 0 ? "processes:" + std::to_string(workers) : "processes";
    case RuntimeKind::kConnect:
      return "connect:" + address;
    case RuntimeKind::kThreads:
      break;
  }
  return workers > 0 ? "threads:" + std::to_string(workers) : "threads";
}

Runtime init(const Config& config) {
  cluster::serve_role_if_requested();  // a worker or scheduler of a local cluster never returns
  Global& g = global();
  std::lock_guard<std::mutex> lock(g.mu);
  if (g.explicit_init) {
    throw ConfigError("weft::init: a runtime is already running (" +
                      std::string("destroy its Runtime handle or call shutdown() first)"));
  }
  stop_locked(g);  // an implicit default runtime, if any
  g.owned = make_backend(g, with_observe_env(config));
  g.explicit_init = true;
  g.current.store(g.owned.get(), std::memory_order_release);
  return Runtime(config);
}

Runtime init(std::string_view spec) { return init(Config::parse(spec)); }

Runtime init(int argc, char** argv) {
  constexpr std::string_view kFlag = "--weft-runtime=";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.substr(0, kFlag.size()) == kFlag) return init(arg.substr(kFlag.size()));
  }
  return init(Config::from_env());
}

Runtime::Runtime(Runtime&& other) noexcept
    : config_(other.config_), active_(std::exchange(other.active_, false)) {}

Runtime& Runtime::operator=(Runtime&& other) noexcept {
  if (this != &other) {
    shutdown();
    config_ = other.config_;
    active_ = std::exchange(other.active_, false);
  }
  return *this;
}

Runtime::~Runtime() { shutdown(); }

void Runtime::shutdown() {
  if (!std::exchange(active_, false)) return;
  Global& g = global();
  std::lock_guard<std::mutex> lock(g.mu);
  stop_locked(g);
}

int Runtime::concurrency() const { return detail::backend().concurrency(); }

std::string Runtime::describe() const { return config_.to_string(); }

namespace detail {

Cluster* active_cluster() noexcept { return global().cluster.load(std::memory_order_acquire); }

void ignore_observe_env() noexcept { g_ignore_observe_env.store(true); }

void with_observed(const std::function<void(Observed&)>& f) {
  backend();  // the default runtime, when none is running yet
  Global& g = global();
  std::lock_guard<std::mutex> lock(g.mu);
  f(g.observed);
}

Backend& backend() {
  Global& g = global();
  if (Backend* b = g.current.load(std::memory_order_acquire)) return *b;
  cluster::serve_role_if_requested();
  std::lock_guard<std::mutex> lock(g.mu);
  if (!g.owned) {
    g.owned = make_backend(g, with_observe_env(Config::from_env()));
    g.current.store(g.owned.get(), std::memory_order_release);
  }
  return *g.owned;
}

}  // namespace detail
}  // namespace weft
