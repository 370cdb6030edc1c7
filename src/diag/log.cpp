// Logs through spdlog, the only translation unit that includes it.
//
// The state is made once and never destroyed: a line logged from a static destructor, or
// by a thread still running while the process exits, must find it alive. What the file
// holds is flushed at exit (atexit), on warnings and errors, and every second otherwise.
#include "diag/log.hpp"

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <unistd.h>

// Not self-contained: needs the declarations above.
#include <spdlog/details/periodic_worker.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>
#include <utility>

#include "diag/json_text.hpp"

namespace weft::diag {
namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

LogLevel from_spdlog(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return LogLevel::kDebug;
    case spdlog::level::info:
      return LogLevel::kInfo;
    case spdlog::level::warn:
      return LogLevel::kWarn;
    case spdlog::level::err:
    case spdlog::level::critical:
      return LogLevel::kError;
    default:
      return LogLevel::kOff;
  }
}

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      return "off";
  }
  return "info";
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const long long ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    std::string line = format_json_line(
        ms, from_spdlog(msg.level),
        std::string_view(msg.logger_name.data(), msg.logger_name.size()),
        static_cast<long>(::getpid()), std::string_view(msg.payload.data(), msg.payload.size()));
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

std::string default_process_name() {
  const char* name = program_invocation_short_name;
  return name != nullptr && *name != '\0' ? name : "weft";
}

// A process name as part of a file name.
std::string file_safe(std::string_view name) {
  std::string out;
  for (char c : name) {
    out +=
        std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '@'
            ? c
            : '_';
  }
  return out.empty() ? "weft" : out;
}

class State {
 public:
  State() {
    config_ = parse_log_config(std::getenv("WEFT_LOG_LEVEL"), std::getenv("WEFT_LOG_DIR"),
                               std::getenv("WEFT_LOG_FORMAT"));
    level_.store(static_cast<int>(config_.level), std::memory_order_relaxed);
    process_ = default_process_name();
    std::atexit([] { state().at_exit(); });
  }

  static State& state() {
    static State* s = new State;
    return *s;
  }

  bool enabled(LogLevel level) const {
    return level != LogLevel::kOff &&
           static_cast<int>(level) >= level_.load(std::memory_order_relaxed);
  }

  void write(LogLevel level, std::string_view message) {
    std::shared_ptr<spdlog::logger> logger = current();
    logger->log(to_spdlog(level), spdlog::string_view_t(message.data(), message.size()));
    if (exiting_.load(std::memory_order_relaxed)) logger->flush();
  }

  void configure(const LogConfig& config) {
    std::lock_guard lock(mu_);
    config_ = config;
    level_.store(static_cast<int>(config.level), std::memory_order_relaxed);
    file_.reset();
    logger_.reset();
  }

  void set_level(LogLevel level) {
    std::lock_guard lock(mu_);
    config_.level = level;
    level_.store(static_cast<int>(level), std::memory_order_relaxed);
  }

  void set_dir(std::string dir) {
    std::lock_guard lock(mu_);
    config_.dir = std::move(dir);
    file_.reset();
    logger_.reset();
  }

  void set_process(std::string name) {
    std::lock_guard lock(mu_);
    process_ = std::move(name);
    logger_.reset();
    // A role names itself as it starts: its file then exists even if it has nothing to say,
    // so that a run's directory shows every process that took part; and a bad setting is
    // reported as the role starts, not at its first line, which may never come.
    if (!config_.dir.empty() || !config_.problems.empty()) current_locked();
  }

  void flush() {
    std::shared_ptr<spdlog::logger> logger;
    {
      std::lock_guard lock(mu_);
      logger = logger_;
    }
    if (logger) logger->flush();
  }

 private:
  void at_exit() {
    exiting_.store(true, std::memory_order_relaxed);
    flush();
  }

  std::shared_ptr<spdlog::logger> current() {
    std::lock_guard lock(mu_);
    return current_locked();
  }

  std::shared_ptr<spdlog::logger> current_locked() {
    // A forked child that did not exec writes its own file.
    if (file_ && file_pid_ != ::getpid()) {
      file_.reset();
      logger_.reset();
    }
    if (logger_) return logger_;
    if (!stderr_) stderr_ = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    std::vector<spdlog::sink_ptr> sinks{stderr_};
    std::vector<std::string> problems = std::move(config_.problems);
    config_.problems.clear();
    if (!config_.dir.empty() && !file_) open_file(problems);
    if (file_) sinks.push_back(file_);
    logger_ = std::make_shared<spdlog::logger>(process_, sinks.begin(), sinks.end());
    logger_->set_level(spdlog::level::trace);  // filtered before formatting, in enabled()
    logger_->flush_on(spdlog::level::warn);    // a crash must not lose the last error
    logger_->set_error_handler([](const std::string&) {});
    if (config_.format == LogFormat::kJson) {
      logger_->set_formatter(std::make_unique<JsonFormatter>());
    } else {
      logger_->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%n] [%^%l%$] %v");
    }
    for (const std::string& p : problems) logger_->warn(p);
    return logger_;
  }

  void open_file(std::vector<std::string>& problems) {
    const std::filesystem::path dir(config_.dir);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const pid_t pid = ::getpid();
    const std::filesystem::path path =
        dir / (file_safe(process_) + "-" + std::to_string(pid) + ".log");
    try {
      file_ = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path.string(), false);
      file_pid_ = pid;
    } catch (const std::exception& e) {
      problems.push_back("cannot write logs to " + path.string() + ": " + e.what() +
                         "; logging to stderr only");
      config_.dir.clear();  // one report, not one per line
      return;
    }
    if (!flusher_) {
      flusher_ = std::make_unique<spdlog::details::periodic_worker>([] { state().flush(); },
                                                                    std::chrono::seconds(1));
    }
  }

  std::mutex mu_;
  LogConfig config_;
  std::atomic<int> level_{static_cast<int>(LogLevel::kInfo)};
  std::atomic<bool> exiting_{false};
  std::string process_;
  std::shared_ptr<spdlog::logger> logger_;  // made again after a change, at the next line
  spdlog::sink_ptr stderr_;
  spdlog::sink_ptr file_;
  pid_t file_pid_ = 0;
  std::unique_ptr<spdlog::details::periodic_worker> flusher_;
};

void vlog(LogLevel level, const char* fmt, va_list ap) noexcept {
  try {
    State& s = State::state();
    if (!s.enabled(level)) return;
    char small[512];
    va_list copy;
    va_copy(copy, ap);
    const int n = std::vsnprintf(small, sizeof small, fmt, copy);
    va_end(copy);
    if (n < 0) return;
    std::string message;
    if (static_cast<std::size_t>(n) < sizeof small) {
      message.assign(small, static_cast<std::size_t>(n));
    } else {
      message.resize(static_cast<std::size_t>(n) + 1);
      std::vsnprintf(message.data(), message.size(), fmt, ap);
      message.resize(static_cast<std::size_t>(n));
    }
    while (!message.empty() && message.back() == '\n') message.pop_back();
    s.write(level, message);
  } catch (...) {
    // Logging never fails its caller.
  }
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view s) {
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "debug") return LogLevel::kDebug;
  if (lower == "info") return LogLevel::kInfo;
  if (lower == "warn" || lower == "warning") return LogLevel::kWarn;
  if (lower == "error") return LogLevel::kError;
  if (lower == "off") return LogLevel::kOff;
  return std::nullopt;
}

LogConfig parse_log_config(const char* level, const char* dir, const char* format) {
  LogConfig c;
  if (level != nullptr && *level != '\0') {
    if (auto l = parse_log_level(level)) {
      c.level = *l;
    } else {
      c.problems.push_back(std::string("WEFT_LOG_LEVEL='") + level +
                           "' is not debug, info, warn, error or off; using info");
    }
  }
  if (dir != nullptr) c.dir = dir;
  if (format != nullptr && *format != '\0') {
    const std::string_view f(format);
    if (f == "json") {
      c.format = LogFormat::kJson;
    } else if (f != "text") {
      c.problems.push_back(std::string("WEFT_LOG_FORMAT='") + format +
                           "' is not text or json; using text");
    }
  }
  return c;
}

// Like the lines themselves, settings that cannot take effect (no memory, a file that will
// not open) never fail their caller.
template <class F>
void guarded(F&& f) noexcept {
  try {
    f(State::state());
  } catch (...) {
  }
}

void configure_logging(const LogConfig& config) noexcept {
  guarded([&](State& s) { s.configure(config); });
}
void set_log_level(LogLevel level) noexcept {
  guarded([&](State& s) { s.set_level(level); });
}
void set_log_dir(std::string dir) noexcept {
  guarded([&](State& s) { s.set_dir(std::move(dir)); });
}
void set_log_process(std::string name) noexcept {
  guarded([&](State& s) { s.set_process(std::move(name)); });
}
bool log_enabled(LogLevel level) noexcept {
  bool on = false;
  guarded([&](State& s) { on = s.enabled(level); });
  return on;
}
void flush_logs() noexcept {
  guarded([](State& s) { s.flush(); });
}

void log(LogLevel level, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(level, fmt, ap);
  va_end(ap);
}

#define WEFT_LOG_AT(name, level)    \
  void name(const char* fmt, ...) { \
    va_list ap;                     \
    va_start(ap, fmt);              \
    vlog(level, fmt, ap);           \
    va_end(ap);                     \
  }
WEFT_LOG_AT(log_debug, LogLevel::kDebug)
WEFT_LOG_AT(log_info, LogLevel::kInfo)
WEFT_LOG_AT(log_warn, LogLevel::kWarn)
WEFT_LOG_AT(log_error, LogLevel::kError)
#undef WEFT_LOG_AT

std::string format_json_line(long long unix_ms, LogLevel level, std::string_view process, long pid,
                             std::string_view message) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char time[96];  // ample for any int fields, which -Wformat-truncation counts on
  std::snprintf(time, sizeof time, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  std::string out = "{\"time\":\"";
  out += time;
  out += "\",\"level\":\"";
  out += level_name(level);
  out += "\",\"process\":";
  detail::append_json_string(out, process);
  out += ",\"pid\":" + std::to_string(pid) + ",\"message\":";
  detail::append_json_string(out, message);
  out += '}';
  return out;
}

}  // namespace weft::diag
