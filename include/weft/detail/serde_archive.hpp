// The two archives, Writer and Reader, that codecs and user `serialize` members talk to.
//
// Both are thin: every primitive (an integer, a string, an array header) is one out-of-line
// call into src/serde/, where msgpack-cxx does the encoding and parsing. So msgpack never
// appears in a public header, and the templates here only dispatch on types. Included by
// weft/serde.hpp; not meant to be included alone.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/detail/serde_buffer.hpp"

namespace weft::serde {

// Arrays of at least this many bytes travel as their own frame, out of the body.
inline constexpr std::size_t kOutOfBandThreshold = 1024;
// Containers nested deeper than this are refused when decoding (a guard against stack
// exhaustion by hostile input; real messages nest a handful of levels).
inline constexpr std::size_t kMaxDepth = 128;

// What the scalars of an array sent as raw bytes are. Recorded on the wire with their size,
// so that a reader refuses to read float64 as int64 (or int32 as int64).
enum class ScalarKind : std::uint8_t { kUnsigned = 1, kSigned = 2, kFloat = 3, kRaw = 4 };

// The in-memory layout of one element of such an array.
struct ArrayLayout {
  ScalarKind kind;
  std::uint32_t scalar_size;   // bytes per scalar: 8 for double, sizeof(T) for a kRaw type
  std::uint32_t element_size;  // bytes per element: 24 for std::array<double, 3>
};

// Raw bytes of any kind: what Buffer and std::byte arrays read and write.
inline constexpr ArrayLayout kRawBytes{ScalarKind::kRaw, 1, 1};

// Specialise to make a type you cannot change serializable:
//   template <> struct weft::serde::Codec<Third> {
//     static void write(Writer& w, const Third& v);   // exactly one value
//     static void read(Reader& r, Third& v);          // exactly one value
//     static void signature(std::string& out);        // optional, see type_signature
//   };
// The primary template is empty: a type without a codec is not Serializable.
template <class T>
struct Codec {};

class Writer;
class Reader;

// T can be encoded (a reference to T too: std::forward_as_tuple(args...) writes the args).
template <class T>
concept Writable = requires(Writer& w, const std::remove_cvref_t<T>& v) {
  Codec<std::remove_cvref_t<T>>::write(w, v);
};
// T can be decoded: it has a codec and a default state to decode into.
template <class T>
concept Readable = std::default_initializable<T> && std::movable<T> && requires(Reader& r, T& v) {
  Codec<std::remove_cv_t<T>>::read(r, v);
};
// T can be encoded and decoded. std::string_view and std::span are Writable only.
template <class T>
concept Serializable = Writable<T> && Readable<T>;

// Opt-in for arrays of a trivially copyable user type to travel as raw bytes (and out of
// band when large) instead of field by field:
//   template <> inline constexpr bool weft::serde::enable_bitwise<Vec3> = true;
// REQUIRES: T has no padding (its bytes are sent as they are) and every bit pattern is a
// valid T (the bytes come from another process; a bool or enum member would break this).
template <class T>
inline constexpr bool enable_bitwise = false;

namespace detail {

template <class T>
struct BitwiseLayout {};
template <class T>
requires(std::is_arithmetic_v<T> && !std::is_same_v<T, bool> && sizeof(T) <= 8 &&
         !std::is_same_v<T, long double>) struct BitwiseLayout<T> {
  static constexpr ArrayLayout value{std::is_floating_point_v<T> ? ScalarKind::kFloat
                                     : std::is_signed_v<T>       ? ScalarKind::kSigned
                                                                 : ScalarKind::kUnsigned,
                                     sizeof(T), sizeof(T)};
};
template <>
struct BitwiseLayout<std::byte> {
  static constexpr ArrayLayout value = kRawBytes;
};
template <class T, std::size_t N>
requires(N > 0 && requires { BitwiseLayout<T>::value; }) struct BitwiseLayout<std::array<T, N>> {
  static_assert(sizeof(std::array<T, N>) == N * sizeof(T));
  static constexpr ArrayLayout value{BitwiseLayout<T>::value.kind,
                                     BitwiseLayout<T>::value.scalar_size, sizeof(T) * N};
};
template <class T>
requires enable_bitwise<T>
struct BitwiseLayout<T> {
  static_assert(std::is_trivially_copyable_v<T>, "enable_bitwise needs a trivially copyable type");
  static constexpr ArrayLayout value{ScalarKind::kRaw, sizeof(T), sizeof(T)};
};

// True when T refers to arrays it does not own (std::span, std::string_view, a tuple of
// references, or a container of those): moving a T does not keep its arrays alive, so
// encode(T&&) must borrow them. Specialised beside each codec; user types are taken to own
// their fields.
template <class T>
inline constexpr bool is_view = false;

// Accepts anything: stands in for an archive when asking whether T has `serialize`.
struct AnyArchive {
  template <class... Ts>
  void operator()(Ts&&...) noexcept {}
};

}  // namespace detail

// Types whose arrays travel as raw bytes: arithmetic types except bool, std::byte, std::array
// of such types, and types that opt in with enable_bitwise.
template <class T>
concept Bitwise = requires {
  detail::BitwiseLayout<T>::value;
};
template <Bitwise T>
inline constexpr ArrayLayout layout_of = detail::BitwiseLayout<T>::value;

// The door to private `serialize` members: WEFT_SERIALIZE befriends it, and a hand-written
// private `serialize` may too (`friend struct weft::serde::Access;`).
struct Access {
  template <class T, class Archive>
  static void serialize(T& value, Archive& archive) {
    value.serialize(archive);
  }
  // "a, b, c" when T used WEFT_SERIALIZE(a, b, c), else null.
  template <class T>
  static constexpr const char* field_names() noexcept {
    if constexpr (requires { T::weft_serde_fields(); }) {
      return T::weft_serde_fields();
    } else {
      return nullptr;
    }
  }
  template <class T>
  static constexpr bool has_serialize = requires(T& v, detail::AnyArchive& a) {
    v.serialize(a);
  };
};

// Writes values into a Message. The archive a `serialize` member sees when encoding.
class Writer {
 public:
  static constexpr bool is_reading = false;

  Writer();
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Writes each value in order. In a `serialize` member, these are the fields.
  template <class... Ts>
  requires(Writable<Ts>&&...) Writer& operator()(const Ts&... values) {
    (Codec<std::remove_cv_t<Ts>>::write(*this, values), ...);
    return *this;
  }

  // Frames written from now on are kept alive by `owner` (see encode(T&&)); without one,
  // they borrow the caller's memory.
  void keep_alive(std::shared_ptr<const void> owner) noexcept { owner_ = std::move(owner); }
  // Frames written so far that borrow from the values written, with no owner.
  std::size_t borrowed_frames() const noexcept { return borrowed_; }
  // The message written so far. The Writer must not be used afterwards. The body holds
  // exactly what was written: write one value (a tuple for several) so that decode reads it.
  Message finish() &&;

  // Building blocks for Codec specialisations; each writes exactly one value.
  void write_nil();
  void write_bool(bool v);
  void write_int(std::int64_t v);
  void write_uint(std::uint64_t v);
  void write_float(float v);
  void write_double(double v);
  // Out of band when s.size() >= kOutOfBandThreshold (borrowing s's memory, see keep_alive).
  void write_string(std::string_view s);
  // A container header; the codec then writes n values (2n for a map: key, value, ...).
  void write_array_header(std::size_t n);
  void write_map_header(std::size_t n);
  // `bytes` bytes of elements laid out as `layout`, at `data`, part of the value being
  // written: copied into the body when small, else a frame that borrows `data` (see
  // keep_alive). Never copied into the body when large.
  void write_array(const ArrayLayout& layout, const void* data, std::size_t bytes);
  // The same for memory that `owner` keeps alive (a Buffer's, an ArrayView's): a large
  // array becomes a frame sharing `owner`. An empty owner borrows, as the Buffer did.
  void write_shared_array(const ArrayLayout& layout, const void* data, std::size_t bytes,
                          const std::shared_ptr<const void>& owner);
  void write_buffer(const Buffer& buffer) {
    write_shared_array(kRawBytes, buffer.data(), buffer.size(), buffer.owner());
  }

 private:
  // `owner` null: borrowed from the value (counts in borrowed_frames).
  void put_array(const ArrayLayout& layout, const void* data, std::size_t bytes,
                 const std::shared_ptr<const void>* owner);

  std::string body_;
  std::vector<Buffer> frames_;
  std::shared_ptr<const void> owner_;
  std::size_t borrowed_ = 0;
  bool uses_scratch_ = false;
};

namespace detail {
struct DecodeState;
}  // namespace detail

// Reads values out of a message. The archive a `serialize` member sees when decoding.
// Every method that finds something else than it expects throws SerdeError naming the
// expectation, what it found and where ("at $.orders[3].price").
class Reader {
 public:
  static constexpr bool is_reading = true;

  explicit Reader(detail::DecodeState& state) noexcept : st_(&state) {}

  // Reads each value in order. In a `serialize` member, these are the fields.
  template <class... Ts>
  requires(Readable<Ts>&&...) void operator()(Ts&... values) {
    (Codec<std::remove_cv_t<Ts>>::read(*this, values), ...);
  }

  // Building blocks for Codec specialisations; each reads exactly one value. `type` names
  // the C++ type being read, for error messages.
  bool next_is_nil() const noexcept;
  void read_nil(std::string_view type);
  bool read_bool();
  // An integer in [min, max] (REQUIRES: min <= 0 <= max).
  std::int64_t read_int(std::int64_t min, std::int64_t max, std::string_view type);
  // An integer in [0, max].
  std::uint64_t read_uint(std::uint64_t max, std::string_view type);
  double read_double();
  float read_float();
  // A string, or an array of 1-byte elements (a large string arrives out of band). The view
  // is valid until decode returns.
  std::string_view read_string();
  // A container header: returns the number of values (pairs for a map) the codec must then
  // read. The count is bounded by the bytes of the message.
  std::size_t read_array_header(std::string_view type);
  void read_array_header(std::size_t expected, std::string_view type);
  std::size_t read_map_header(std::string_view type);

  // An array written by Writer::write_array or write_buffer, readable as `layout`: the same
  // scalar kind and size, or raw bytes on either side, and a whole number of elements.
  struct ArrayBytes {
    std::span<const std::byte> bytes;  // valid until decode returns (or as long as *frame)
    const Buffer* frame;               // the frame holding the bytes; null when in the body
  };
  ArrayBytes read_array(const ArrayLayout& layout, std::string_view type);

  // A user type's field list: an array of exactly `fields` values. `names` ("a, b, c" or
  // null) lets errors name the field. Pair with leave_struct after reading the fields.
  void enter_struct(std::size_t fields, const char* names, std::string_view type);
  void leave_struct() noexcept;

  // Throws SerdeError: "<what> at <path of the value read last>".
  [[noreturn]] void fail(std::string_view what) const;

 private:
  detail::DecodeState* st_;
};

}  // namespace weft::serde
