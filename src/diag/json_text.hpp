// Appending JSON by hand, for the outputs too large to build as a nlohmann::json tree first
// (a trace of a million task executions).
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

namespace weft::diag::detail {

// The bound check is for GCC 12, which otherwise warns (-Wrestrict) that to_chars' end may
// lie before the buffer.
template <std::size_t N>
void append_chars(std::string& out, const char (&buf)[N], const char* end) {
  const auto n = static_cast<std::size_t>(end - buf);
  if (n <= N) out.append(buf, n);
}

// `s` as a JSON string, quotes included. '<', '>' and '&' are escaped too, so that the
// text can sit inside an HTML <script> element.
inline void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == '<' || c == '>' || c == '&') {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

// The shortest text that reads back as `v`; null for NaN and infinities, which JSON lacks.
inline void append_json_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  append_chars(out, buf, r.ptr);
}

inline void append_json_number(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  append_chars(out, buf, r.ptr);
}

}  // namespace weft::diag::detail
