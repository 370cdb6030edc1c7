#include "diag/progress_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace weft::diag {
namespace {

int percent(const ProgressSnapshot& s) {
  if (s.total == 0) return 100;
  // Floored, so that 100% means all done.
  return static_cast<int>(std::min<std::size_t>(s.done, s.total) * 100 / s.total);
}

std::string eta(const ProgressSnapshot& s) {
  if (s.done == 0 || s.elapsed <= 0) return "?";
  if (s.done >= s.total) return format_clock(0);
  return format_clock(s.elapsed * static_cast<double>(s.total - s.done) /
                      static_cast<double>(s.done));
}

double rate(const ProgressSnapshot& s) {
  return s.elapsed > 0 ? static_cast<double>(s.done) / s.elapsed : 0;
}

std::string counts(const ProgressSnapshot& s) {
  return std::to_string(s.done) + "/" + std::to_string(s.total);
}

}  // namespace

std::string format_rate(double per_second) {
  if (!std::isfinite(per_second) || per_second < 0) return "?/s";
  static constexpr const char* kPrefix[] = {"", "k", "M", "G", "T"};
  std::size_t unit = 0;
  // 999.5 and up would print as "1e+03" with three significant digits: next prefix.
  while (per_second >= 999.5 && unit + 1 < std::size(kPrefix)) {
    per_second /= 1000;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g%s/s", per_second, kPrefix[unit]);
  return buf;
}

std::string format_clock(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<long long>(seconds);
  const long long h = total / 3600, m = total / 60 % 60, s = total % 60;
  char buf[48];
  if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", h, m, s);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", m, s);
  }
  return buf;
}

std::string format_tty_line(const ProgressSnapshot& s, int width) {
  const std::string tail = counts(s) + " " + std::to_string(percent(s)) + "% " +
                           format_rate(rate(s)) + " elapsed " + format_clock(s.elapsed) + " eta " +
                           eta(s);
  std::string line(s.label);
  const int usable = width - 1;
  // The bar's width is set by the widest the text gets ("TOTAL/TOTAL 100% 12.3k/s elapsed
  // M:SS eta M:SS"), not by the text of the moment, so that it does not jump as digits
  // come and go.
  const std::size_t widest_tail = 2 * std::to_string(s.total).size() + 1 + 37;
  const int room = usable - static_cast<int>(line.size() + widest_tail) - 4;  // " [" "] "
  const int cells = std::min(room, 30);
  if (cells >= 5) {
    const std::size_t total = std::max<std::size_t>(s.total, 1);
    const auto filled =
        static_cast<int>(std::min(s.done, total) * static_cast<std::size_t>(cells) / total);
    line += " [" + std::string(static_cast<std::size_t>(filled), '#') +
            std::string(static_cast<std::size_t>(cells - filled), '.') + "] ";
  } else {
    line += " ";
  }
  line += tail;
  if (usable > 0 && line.size() > static_cast<std::size_t>(usable)) {
    line.resize(static_cast<std::size_t>(usable));
  }
  return line;
}

std::string format_plain_line(const ProgressSnapshot& s, bool final) {
  std::string line =
      std::string(s.label) + ": " + counts(s) + " (" + std::to_string(percent(s)) + "%)";
  if (final) {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f s", s.elapsed);
    return line + " in " + secs + ", " + format_rate(rate(s));
  }
  return line + " " + format_rate(rate(s)) + " eta " + eta(s);
}

bool plain_line_due(std::size_t last_done, double last_time, std::size_t done, double now,
                    std::size_t total) {
  const double since = now - last_time;
  if (since >= 10) return true;
  return since >= 1 && (done - last_done) * 10 >= total && done > last_done;
}

EnvProgress parse_progress_env(std::optional<std::string_view> value) {
  if (!value) return EnvProgress::kUnset;
  if (*value == "1" || *value == "on" || *value == "true") return EnvProgress::kOn;
  if (*value == "0" || *value == "off" || *value == "false") return EnvProgress::kNever;
  if (*value == "auto") return EnvProgress::kAuto;
  return EnvProgress::kUnset;
}

}  // namespace weft::diag
