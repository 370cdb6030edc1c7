// The text of progress bars, apart from terminals and clocks so that it can be tested.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace weft::diag {

// What a bar shows at one moment.
struct ProgressSnapshot {
  std::string_view label;
  std::size_t done = 0;
  std::size_t total = 0;
  double elapsed = 0;  // seconds
};

// A rate with three significant digits and a unit prefix: "0.5/s", "950/s", "5.23k/s",
// "12.3M/s". Negative or not finite: "?/s".
std::string format_rate(double per_second);

// A duration as a clock: "0:07", "2:17", "1:02:03". Negative or not finite: "?".
std::string format_clock(double seconds);

// The in-place line for a terminal `width` columns wide:
//   LABEL [####......] DONE/TOTAL PCT% RATE elapsed M:SS eta M:SS
// The bar takes what the text leaves, up to 30 columns, and is dropped below 5; the line
// is then clipped to width - 1 columns, so that the cursor never wraps. No '\r' or '\n'.
std::string format_tty_line(const ProgressSnapshot& s, int width);

// A plain line for logs: "LABEL: DONE/TOTAL (PCT%) RATE eta M:SS", or, when `final`,
// "LABEL: DONE/TOTAL (PCT%) in 1.9 s, RATE". No '\n'.
std::string format_plain_line(const ProgressSnapshot& s, bool final);

// Whether a bar that last printed a plain line at (`last_done`, `last_time`) prints one
// now, at (`done`, `now`): after 10% more of `total` and a second, or after 10 s.
bool plain_line_due(std::size_t last_done, double last_time, std::size_t done, double now,
                    std::size_t total);

// WEFT_PROGRESS's value: "1"/"on"/"true" kOn, "auto" kAuto (on when stderr is a terminal),
// "0"/"off"/"false" kNever (not even Progress::kOn), anything else or unset (nullopt) kUnset.
enum class EnvProgress { kUnset, kNever, kOn, kAuto };
EnvProgress parse_progress_env(std::optional<std::string_view> value);

}  // namespace weft::diag
