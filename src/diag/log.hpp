// Levelled logs of weft's processes (scheduler, workers, client, CLI), through spdlog.
//
// spdlog and fmt stay inside log.cpp: this header is all the rest of weft sees, so that
// neither their compile time nor their symbols reach other translation units.
//
// Configuration comes from the environment, read at the first use (children of a local
// cluster inherit it): WEFT_LOG_LEVEL = debug|info|warn|error|off (default info),
// WEFT_LOG_DIR (also append to DIR/<process>-<pid>.log), WEFT_LOG_FORMAT = text|json.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::diag {

enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };
enum class LogFormat { kText, kJson };

struct LogConfig {
  LogLevel level = LogLevel::kInfo;
  std::string dir;  // empty: stderr only
  LogFormat format = LogFormat::kText;
  // What was wrong with the values given (each then left at its default), to be reported.
  std::vector<std::string> problems;
};

// "debug", "info", "warn" (or "warning"), "error", "off"; case-insensitive.
std::optional<LogLevel> parse_log_level(std::string_view s);

// The configuration for the values of WEFT_LOG_LEVEL, WEFT_LOG_DIR and WEFT_LOG_FORMAT
// (nullptr when unset).
LogConfig parse_log_config(const char* level, const char* dir, const char* format);

// Replaces the configuration (from the environment otherwise) and reports its problems.
// Lines already written stay where they are; the next ones follow the new configuration.
void configure_logging(const LogConfig& config) noexcept;

// What the command line says wins over the environment.
void set_log_level(LogLevel level) noexcept;
void set_log_dir(std::string dir) noexcept;

// The name every line carries ("scheduler", "worker-3@host", "client"). The log file is
// named after the process as it was called at its first line, and keeps that name.
void set_log_process(std::string name) noexcept;

bool log_enabled(LogLevel level) noexcept;

// Never throws: a log that cannot be written is lost, the caller carries on.
void log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void log_debug(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Writes out what the log file buffers; for processes that leave with _Exit.
void flush_logs() noexcept;

// One line of WEFT_LOG_FORMAT=json, without the newline; exposed for tests.
// `unix_ms`: milliseconds since the epoch.
std::string format_json_line(long long unix_ms, LogLevel level, std::string_view process, long pid,
                             std::string_view message);

}  // namespace weft::diag
