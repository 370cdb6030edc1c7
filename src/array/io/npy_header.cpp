#include "array/io/npy_header.hpp"

#include <array>
#include <charconv>
#include <cstring>
#include <string_view>

#include "weft/error.hpp"

namespace weft::array_io {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
// NumPy's own limit (NPY_MAXDIMS is 32 in NumPy 1.x, 64 in 2.x).
constexpr std::size_t kMaxAxes = 64;
constexpr std::size_t kAlignment = 64;

std::string little_endian_descr(std::string_view type) {
  std::string out = "<";
  out += type;
  return out;
}

// A parser for the one Python literal NumPy writes as a .npy header:
//   {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
// with exactly these three keys in any order, strings in single or double quotes without
// escapes, and a tuple of non-negative integers. Anything else is refused, never guessed at.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::filesystem::path& path)
      : text_(text), path_(path) {}

  void parse(NpyInfo& info) {
    bool seen_descr = false, seen_order = false, seen_shape = false;
    skip_space();
    expect('{');
    skip_space();
    while (!consume('}')) {
      const std::string key = parse_string();
      skip_space();
      expect(':');
      skip_space();
      if (key == "descr" && !seen_descr) {
        seen_descr = true;
        if (peek() == '[') fail("structured dtypes (a list as 'descr') are not supported");
        set_dtype(parse_string(), info);
      } else if (key == "fortran_order" && !seen_order) {
        seen_order = true;
        info.fortran_order = parse_bool();
      } else if (key == "shape" && !seen_shape) {
        seen_shape = true;
        info.shape = parse_shape();
      } else {
        fail("unexpected or repeated key '" + key + "'");
      }
      skip_space();
      if (!consume(',')) {
        expect('}');
        break;
      }
      skip_space();
    }
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the dict");
    if (!(seen_descr && seen_order && seen_shape)) {
      fail("the keys 'descr', 'fortran_order' and 'shape' are all required");
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw SerdeError(quote_path(path_) + ": malformed .npy header at byte " + std::to_string(pos_) +
                     ": " + what);
  }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n')) ++pos_;
  }

  bool consume(char c) {
    if (pos_ == text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  void expect(char c) {
    if (!consume(c)) fail(std::string("expected '") + c + "'");
  }

  std::string parse_string() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a string");
    const std::size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) fail("unterminated string");
    const std::string_view body = text_.substr(pos_ + 1, end - pos_ - 1);
    if (body.find('\\') != std::string_view::npos) fail("escapes in strings are not supported");
    pos_ = end + 1;
    return std::string(body);
  }

  bool parse_bool() {
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail("expected True or False");
  }

  std::int64_t parse_extent() {
    std::int64_t value = 0;
    const char* begin = text_.data() + pos_;
    const char* end = text_.data() + text_.size();
    if (begin == end || *begin < '0' || *begin > '9') fail("expected a non-negative integer");
    const auto [stop, error] = std::from_chars(begin, end, value);
    if (error != std::errc()) fail("an extent does not fit in int64");
    pos_ += static_cast<std::size_t>(stop - begin);
    return value;
  }

  Shape parse_shape() {
    Shape shape;
    expect('(');
    skip_space();
    bool trailing_comma = false;
    while (!consume(')')) {
      if (shape.size() == kMaxAxes) fail("more than " + std::to_string(kMaxAxes) + " axes");
      shape.push_back(parse_extent());
      skip_space();
      trailing_comma = consume(',');
      skip_space();
      if (!trailing_comma && peek() != ')') fail("expected ',' or ')' in the shape");
    }
    // "(3)" is the integer 3 in Python, not a tuple: NumPy refuses it too.
    if (shape.size() == 1 && !trailing_comma) fail("a 1-tuple needs a trailing comma");
    return shape;
  }

  // Accepts the five supported types in either byte order ('=' is native, little-endian
  // here; a one-byte bool has no byte order and may carry any of the four order marks).
  void set_dtype(const std::string& descr, NpyInfo& info) {
    const char order = descr.empty() ? '\0' : descr[0];
    const std::string_view type = descr.empty() ? "" : std::string_view(descr).substr(1);
    if (type == "b1" && std::string_view("<>|=").find(order) != std::string_view::npos) {
      info.dtype = DType::kBool;
      return;
    }
    if (order == '<' || order == '=' || order == '>') {
      if (const std::optional<DType> dtype = dtype_from_descr(little_endian_descr(type))) {
        info.dtype = *dtype;
        info.big_endian = order == '>';
        return;
      }
    }
    throw SerdeError(quote_path(path_) + ": unsupported dtype '" + descr +
                     "': expected one of <f8, <f4, <i8, <i4, |b1 (or their big-endian forms)");
  }

  std::string_view text_;
  const std::filesystem::path& path_;
  std::size_t pos_ = 0;
};

std::uint32_t little_endian(const unsigned char* bytes, std::size_t size) {
  std::uint32_t value = 0;
  for (std::size_t i = size; i > 0; --i) value = value << 8 | bytes[i - 1];
  return value;
}

}  // namespace

std::string npy_preamble(DType dtype, std::span<const std::int64_t> shape) {
  const std::string dict = "{'descr': '" + std::string(descr(dtype)) +
                           "', 'fortran_order': False, 'shape': " + shape_string(shape) + ", }";
  // Version 1.0 stores the header length in 2 bytes, 2.0 in 4: magic, 2 version bytes, length.
  for (const int major : {1, 2}) {
    const std::size_t length_size = major == 1 ? 2 : 4;
    const std::size_t prefix = kMagic.size() + 2 + length_size;
    const std::size_t unpadded = prefix + dict.size() + 1;  // + the closing newline
    const std::size_t total = (unpadded + kAlignment - 1) / kAlignment * kAlignment;
    const std::size_t header_length = total - prefix;
    if (major == 1 && header_length > 0xffff) continue;
    std::string out(kMagic);
    out += static_cast<char>(major);
    out += '\0';
    for (std::size_t i = 0; i < length_size; ++i) {
      out += static_cast<char>(header_length >> (8 * i) & 0xff);
    }
    out += dict;
    out.append(total - unpadded, ' ');
    out += '\n';
    return out;
  }
  throw ConfigError("shape " + shape_string(shape) + " makes a .npy header over 4 GiB");
}

NpyInfo read_npy_preamble(const ReadFile& file) {
  const std::filesystem::path& path = file.path();
  std::array<unsigned char, 12> fixed{};
  if (file.size() < 10) {
    throw SerdeError(quote_path(path) + ": truncated: " + std::to_string(file.size()) +
                     " bytes is too short for a .npy file");
  }
  file.read_at(0, std::as_writable_bytes(std::span(fixed).first(8)));
  if (std::memcmp(fixed.data(), kMagic.data(), kMagic.size()) != 0) {
    throw SerdeError(quote_path(path) + ": not a .npy file (bad magic bytes)");
  }
  NpyInfo info;
  info.major_version = fixed[6];
  if (info.major_version < 1 || info.major_version > 3 || fixed[7] != 0) {
    throw SerdeError(quote_path(path) + ": unsupported .npy format version " +
                     std::to_string(fixed[6]) + "." + std::to_string(fixed[7]) +
                     " (expected 1.0, 2.0 or 3.0)");
  }
  const std::size_t length_size = info.major_version == 1 ? 2 : 4;
  file.read_at(8, std::as_writable_bytes(std::span(fixed).subspan(8, length_size)));
  const std::uint32_t header_length = little_endian(fixed.data() + 8, length_size);
  if (header_length > kMaxNpyHeaderBytes) {
    throw SerdeError(quote_path(path) + ": .npy header length " + std::to_string(header_length) +
                     " exceeds the limit of " + std::to_string(kMaxNpyHeaderBytes) + " bytes");
  }
  info.data_offset = 8 + length_size + header_length;
  if (info.data_offset > file.size()) {
    throw SerdeError(quote_path(path) + ": truncated: the .npy header claims " +
                     std::to_string(header_length) + " bytes, the file ends first");
  }
  std::string text(header_length, '\0');
  file.read_at(8 + length_size, std::as_writable_bytes(std::span(text)));
  HeaderParser(text, path).parse(info);
  try {
    info.nbytes = byte_count(info.dtype, info.shape, quote_path(path));
  } catch (const ConfigError& e) {
    // The shape came from the file, so it is the file that is malformed.
    throw SerdeError(e.what());
  }
  return info;
}

}  // namespace weft::array_io
