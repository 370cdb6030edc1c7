#include "weft/runtime.hpp"

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>

#include "exec/inline_executor.hpp"
#include "exec/thread_pool.hpp"
#include "weft/error.hpp"

namespace weft {
namespace {

// The process's runtime. `current` is read on every task submission, so it is a plain
// atomic pointer; starting and stopping runtimes is rare and serialised by `mu`.
struct Global {
  std::mutex mu;
  std::unique_ptr<detail::Backend> owned;  // guarded by mu
  bool explicit_init = false;              // guarded by mu
  std::atomic<detail::Backend*> current{nullptr};
};
Global& global() {
  static Global g;
  return g;
}

std::unique_ptr<detail::Backend> make_backend(const Config& config) {
  if (config.kind == RuntimeKind::kInline) return std::make_unique<exec::InlineExecutor>();
  int n = config.workers;
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::make_unique<exec::ThreadPool>(n);
}

// REQUIRES: g.mu held. Drains and destroys the current runtime. `current` still points at
// it while it drains, since the tasks that finish then schedule their dependents on it.
void stop_locked(Global& g) {
  g.owned.reset();
  g.current.store(nullptr, std::memory_order_release);
  g.explicit_init = false;
}

}  // namespace

Config Config::parse(std::string_view spec) {
  Config c;
  if (spec.empty() || spec == "threads") return c;
  if (spec == "inline") {
    c.kind = RuntimeKind::kInline;
    return c;
  }
  constexpr std::string_view kThreads = "threads:";
  if (spec.substr(0, kThreads.size()) == kThreads) {
    const std::string_view n = spec.substr(kThreads.size());
    int workers = 0;
    auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), workers);
    if (ec == std::errc() && ptr == n.data() + n.size() && workers > 0 && workers <= 4096) {
      c.workers = workers;
      return c;
    }
  }
  throw ConfigError("invalid weft runtime '" + std::string(spec) +
                    "': expected 'threads', 'threads:N' (1 <= N <= 4096) or 'inline'");
}

Config Config::from_env() {
  const char* spec = std::getenv("WEFT_RUNTIME");
  return spec == nullptr ? Config{} : parse(spec);
}

std::string Config::to_string() const {
  if (kind == RuntimeKind::kInline) return "inline";
  return workers > 0 ? "threads:" + std::to_string(workers) : "threads";
}

Runtime init(const Config& config) {
  Global& g = global();
  std::lock_guard<std::mutex> lock(g.mu);
  if (g.explicit_init) {
    throw ConfigError("weft::init: a runtime is already running (" +
                      std::string("destroy its Runtime handle or call shutdown() first)"));
  }
  stop_locked(g);  // an implicit default runtime, if any
  g.owned = make_backend(config);
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

Backend& backend() {
  Global& g = global();
  if (Backend* b = g.current.load(std::memory_order_acquire)) return *b;
  std::lock_guard<std::mutex> lock(g.mu);
  if (!g.owned) {
    g.owned = make_backend(Config::from_env());
    g.current.store(g.owned.get(), std::memory_order_release);
  }
  return *g.owned;
}

}  // namespace detail
}  // namespace weft
