// serde: round trips of every supported type, user types (macro and member), out-of-band
// frames without copies, type signatures, and hostile input that must only ever produce
// SerdeError.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "weft/serde.hpp"

// Tracks the largest single allocation while g_track is set, to check that hostile headers
// do not make the decoder allocate by the count they claim.
namespace {
std::atomic<bool> g_track{false};
std::atomic<std::size_t> g_largest{0};
}  // namespace

// GCC sees free() on memory from `new` once these are inlined; they are a matched pair.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  if (g_track.load(std::memory_order_relaxed)) {
    std::size_t seen = g_largest.load(std::memory_order_relaxed);
    while (size > seen && !g_largest.compare_exchange_weak(seen, size)) {
    }
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace {

namespace serde = weft::serde;
using weft::ArrayView;
using weft::Buffer;
using weft::SerdeError;

// --- Types used by the tests -------------------------------------------------------------

enum class Color : std::uint8_t { kRed = 1, kGreen = 2, kBlue = 250 };
enum Legacy { kLegacyA = -3, kLegacyB = 70000 };

// The macro, in a private section, over private fields.
class Order {
 public:
  Order() = default;
  Order(std::string symbol, int quantity, double price, std::vector<double> history)
      : symbol_(std::move(symbol)),
        quantity_(quantity),
        price_(price),
        history_(std::move(history)) {}
  bool operator==(const Order&) const = default;
  const std::vector<double>& history() const { return history_; }

 private:
  std::string symbol_;
  int quantity_ = 0;
  double price_ = 0;
  std::vector<double> history_;
  WEFT_SERIALIZE(symbol_, quantity_, price_, history_);
};

// A hand-written member, public.
struct Account {
  std::string owner;
  std::map<std::string, Order> orders;
  std::optional<Color> color;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(owner);
    ar(orders, color);  // several calls are fine
  }
  bool operator==(const Account&) const = default;
};

// A hand-written private member, reached through the Access friend.
class Secret {
 public:
  Secret() = default;
  explicit Secret(int code) : code_(code) {}
  bool operator==(const Secret&) const = default;

 private:
  friend struct weft::serde::Access;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(code_);
  }
  int code_ = 0;
};

// Recursive: a tree.
struct Tree {
  int value = 0;
  std::vector<Tree> children;
  WEFT_SERIALIZE(value, children);
  bool operator==(const Tree&) const = default;
};

// Same fields as Order but another type.
struct Quote {
  std::string symbol;
  int quantity = 0;
  double price = 0;
  std::vector<double> history;
  WEFT_SERIALIZE(symbol, quantity, price, history);
};

struct Empty {
  WEFT_SERIALIZE();
  bool operator==(const Empty&) const = default;
};

// Opted in to travel as raw bytes.
struct Vec3 {
  float x, y, z;
  bool operator==(const Vec3&) const = default;
};

struct Plain {  // no serialize: not Serializable
  int x;
};

struct OnlyWriter {  // no default constructor: Writable, not Readable
  explicit OnlyWriter(int v) : v(v) {}
  int v;
  WEFT_SERIALIZE(v);
};

}  // namespace

template <>
inline constexpr bool weft::serde::enable_bitwise<Vec3> = true;

namespace {

// --- Concepts, checked at compile time -----------------------------------------------------

static_assert(serde::Serializable<bool>);
static_assert(serde::Serializable<std::int8_t> && serde::Serializable<std::uint64_t>);
static_assert(serde::Serializable<float> && serde::Serializable<double>);
static_assert(serde::Serializable<Color> && serde::Serializable<Legacy>);
static_assert(serde::Serializable<std::string>);
static_assert(serde::Writable<std::string_view> && !serde::Readable<std::string_view>);
static_assert(serde::Writable<std::span<const double>> && !serde::Readable<std::span<double>>);
static_assert(serde::Serializable<std::vector<std::vector<int>>>);
static_assert(serde::Serializable<std::array<std::string, 3>>);
static_assert(serde::Serializable<std::pair<int, std::string>>);
static_assert(serde::Serializable<std::tuple<int, double, std::string>>);
static_assert(serde::Serializable<std::optional<std::variant<std::monostate, int>>>);
static_assert(serde::Serializable<std::map<std::string, std::vector<Order>>>);
static_assert(serde::Serializable<std::unordered_map<int, std::set<std::string>>>);
static_assert(serde::Serializable<Buffer> && serde::Serializable<ArrayView<double>>);
static_assert(serde::Serializable<Order> && serde::Serializable<Account>);
static_assert(serde::Serializable<Tree> && serde::Serializable<Empty>);
static_assert(serde::Serializable<Secret>);
static_assert(serde::Writable<std::tuple<const std::vector<double>&, int&&>>);
static_assert(serde::Serializable<std::vector<Vec3>> && serde::Bitwise<Vec3>);
static_assert(!serde::Serializable<Plain>);
static_assert(!serde::Writable<Plain> && !serde::Readable<Plain>);
static_assert(!serde::Serializable<std::vector<Plain>>);
static_assert(!serde::Serializable<std::map<int, Plain>>);
static_assert(!serde::Serializable<std::tuple<int, Plain>>);
static_assert(!serde::Serializable<std::optional<Plain>>);
static_assert(!serde::Serializable<int*>);
static_assert(!serde::Serializable<long double>);
static_assert(serde::Writable<OnlyWriter> && !serde::Readable<OnlyWriter>);
static_assert(serde::Bitwise<double> && serde::Bitwise<std::array<float, 3>>);
static_assert(!serde::Bitwise<bool> && !serde::Bitwise<Color> && !serde::Bitwise<Plain>);

// A generic caller can turn "not serializable" into one readable error.
template <class T>
constexpr bool can_send() {
  return serde::Serializable<T>;
}
static_assert(can_send<Order>() && !can_send<Plain>());

// --- Helpers -------------------------------------------------------------------------------

template <class T>
T round_trip(const T& value) {
  serde::Message m = serde::encode(value);
  return serde::decode<T>(m);
}

template <class T>
void expect_round_trip(const T& value) {
  EXPECT_EQ(round_trip(value), value);
}

std::span<const std::byte> bytes_of(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

// Runs f and returns the SerdeError message; fails the test if f throws nothing.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const SerdeError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected SerdeError";
  return "";
}

// --- Round trips ---------------------------------------------------------------------------

TEST(SerdeRoundTrip, Scalars) {
  expect_round_trip(true);
  expect_round_trip(false);
  expect_round_trip(std::numeric_limits<std::int8_t>::min());
  expect_round_trip(std::numeric_limits<std::int8_t>::max());
  expect_round_trip(std::numeric_limits<std::uint8_t>::max());
  expect_round_trip(std::numeric_limits<std::int16_t>::min());
  expect_round_trip(std::numeric_limits<std::uint16_t>::max());
  expect_round_trip(std::numeric_limits<std::int32_t>::min());
  expect_round_trip(std::numeric_limits<std::uint32_t>::max());
  expect_round_trip(std::numeric_limits<std::int64_t>::min());
  expect_round_trip(std::numeric_limits<std::int64_t>::max());
  expect_round_trip(std::numeric_limits<std::uint64_t>::max());
  expect_round_trip('x');
  expect_round_trip(0);
  expect_round_trip(-1L);
  expect_round_trip(3.5f);
  expect_round_trip(-0.1);
  expect_round_trip(std::numeric_limits<double>::infinity());
  expect_round_trip(std::numeric_limits<double>::denorm_min());
  EXPECT_TRUE(std::isnan(round_trip(std::numeric_limits<double>::quiet_NaN())));
  expect_round_trip(std::byte{0xab});
  expect_round_trip(Color::kBlue);
  expect_round_trip(kLegacyA);
  expect_round_trip(kLegacyB);
  expect_round_trip(std::monostate{});
}

TEST(SerdeRoundTrip, Strings) {
  expect_round_trip(std::string());
  expect_round_trip(std::string("hello"));
  expect_round_trip(std::string("nul\0inside", 10));
  expect_round_trip(std::string(1023, 'a'));  // last inline size
  expect_round_trip(std::string(1024, 'b'));  // first out-of-band size
  expect_round_trip(std::string(100000, 'c'));
  std::string_view view = "a view";
  EXPECT_EQ(serde::decode<std::string>(serde::encode(view)), "a view");
}

TEST(SerdeRoundTrip, Sequences) {
  expect_round_trip(std::vector<int>{});
  expect_round_trip(std::vector<int>{1, -2, 3});
  expect_round_trip(std::vector<double>(5000, 2.5));
  expect_round_trip(std::vector<std::uint8_t>{0, 255});
  expect_round_trip(std::vector<char>{'a', 'b'});
  expect_round_trip(std::vector<std::byte>{std::byte{1}, std::byte{2}});
  expect_round_trip(std::vector<bool>{true, false, true});
  expect_round_trip(std::vector<std::string>{"a", "", "ccc"});
  expect_round_trip(std::vector<std::vector<int>>{{1}, {}, {2, 3}});
  expect_round_trip(std::array<int, 3>{7, 8, 9});
  expect_round_trip(std::array<int, 0>{});
  expect_round_trip(std::array<double, 1000>{});  // 8000 bytes: out of band
  expect_round_trip(std::array<std::string, 2>{"x", "y"});
  expect_round_trip(std::vector<std::array<float, 3>>{{1, 2, 3}, {4, 5, 6}});
  expect_round_trip(std::vector<Vec3>{{1, 2, 3}, {4, 5, 6}});
  expect_round_trip(Vec3{7, 8, 9});
  EXPECT_EQ(serde::encode(std::vector<Vec3>(100)).frames.size(), 1u);  // 1200 bytes
  expect_round_trip(std::vector<Color>{Color::kRed, Color::kGreen});
  const std::vector<int> values{4, 5, 6};
  std::span<const int> span(values);
  EXPECT_EQ(serde::decode<std::vector<int>>(serde::encode(span)), values);
}

TEST(SerdeRoundTrip, ProductsSumsAndOptionals) {
  expect_round_trip(std::pair<int, std::string>{1, "one"});
  expect_round_trip(std::tuple<>{});
  expect_round_trip(std::tuple<int, double, std::string>{1, 2.5, "three"});
  expect_round_trip(std::optional<int>{});
  expect_round_trip(std::optional<int>{4});
  expect_round_trip(std::optional<std::optional<int>>{});
  expect_round_trip(std::optional<std::optional<int>>{std::optional<int>{}});
  expect_round_trip(std::optional<std::optional<int>>{5});
  expect_round_trip(std::optional<std::monostate>{std::monostate{}});
  using V = std::variant<std::monostate, int, std::string, std::vector<double>>;
  expect_round_trip(V{});
  expect_round_trip(V{42});
  expect_round_trip(V{std::string("s")});
  expect_round_trip(V{std::vector<double>(300, 1.0)});
  expect_round_trip(std::variant<int, long>{std::in_place_index<1>, 3L});  // same wire shape
}

TEST(SerdeRoundTrip, MapsAndSets) {
  expect_round_trip(std::map<std::string, int>{{"a", 1}, {"b", 2}});
  expect_round_trip(std::map<int, std::vector<std::string>>{{1, {"x"}}, {2, {}}});
  expect_round_trip(std::unordered_map<std::string, double>{{"pi", 3.14}, {"e", 2.71}});
  expect_round_trip(std::set<int>{3, 1, 2});
  expect_round_trip(std::unordered_set<std::string>{"u", "v"});
  expect_round_trip(std::map<std::tuple<int, int>, std::optional<std::string>>{
      {{1, 2}, "x"}, {{3, 4}, std::nullopt}});
}

TEST(SerdeRoundTrip, UserTypes) {
  expect_round_trip(Order("ACME", 10, 99.5, {1, 2, 3}));
  Account account{
      "ann", {{"o1", Order("X", 1, 1.0, {})}, {"o2", Order("Y", 2, 2.0, {4})}}, Color::kGreen};
  expect_round_trip(account);
  expect_round_trip(Account{});
  Tree tree{1, {{2, {}}, {3, {{4, {}}}}}};
  expect_round_trip(tree);
  expect_round_trip(Empty{});
  expect_round_trip(Secret(77));
  expect_round_trip(std::vector<Order>(3, Order("Z", 3, 3.0, std::vector<double>(2000, 1.5))));
  // Readable types decode what a write-only type wrote.
  EXPECT_EQ(serde::decode<std::tuple<int>>(serde::encode(OnlyWriter(5))), std::make_tuple(5));
}

TEST(SerdeRoundTrip, NestedEverything) {
  using Deep =
      std::map<std::string, std::vector<std::variant<std::monostate, std::tuple<int, Order>,
                                                     std::optional<std::array<double, 4>>>>>;
  Deep deep;
  deep["k"].emplace_back(std::tuple<int, Order>{1, Order("N", 1, 1, {9, 8})});
  deep["k"].emplace_back(std::optional<std::array<double, 4>>{{1, 2, 3, 4}});
  deep["k"].emplace_back(std::monostate{});
  deep["empty"];
  expect_round_trip(deep);
}

// --- Out of band ---------------------------------------------------------------------------

TEST(SerdeOutOfBand, LargeVectorIsAFrameNotACopy) {
  const std::vector<double> big(10'000'000 / sizeof(double), 0.5);  // 10 MB
  serde::Message m = serde::encode(big);
  EXPECT_LT(m.body.size(), 64u);
  ASSERT_EQ(m.frames.size(), 1u);
  EXPECT_EQ(static_cast<const void*>(m.frames[0].data()), static_cast<const void*>(big.data()));
  EXPECT_EQ(m.frames[0].size(), big.size() * sizeof(double));
  EXPECT_FALSE(m.self_contained());  // borrows `big`

  // A Buffer read aliases the frame; a vector read copies.
  Buffer alias = serde::decode<Buffer>(m);
  EXPECT_EQ(alias.data(), m.frames[0].data());
  EXPECT_EQ(alias.size(), m.frames[0].size());
  ArrayView<double> view = serde::decode<ArrayView<double>>(m);
  EXPECT_EQ(static_cast<const void*>(view.data()), static_cast<const void*>(big.data()));
  EXPECT_EQ(view.size(), big.size());
  std::vector<double> copy = serde::decode<std::vector<double>>(m);
  EXPECT_NE(copy.data(), big.data());
  EXPECT_EQ(copy, big);
}

TEST(SerdeOutOfBand, ThresholdIsInclusive) {
  EXPECT_TRUE(serde::encode(std::vector<char>(serde::kOutOfBandThreshold - 1)).frames.empty());
  EXPECT_EQ(serde::encode(std::vector<char>(serde::kOutOfBandThreshold)).frames.size(), 1u);
  EXPECT_TRUE(serde::encode(std::string(serde::kOutOfBandThreshold - 1, 'x')).frames.empty());
  EXPECT_EQ(serde::encode(std::string(serde::kOutOfBandThreshold, 'x')).frames.size(), 1u);
}

TEST(SerdeOutOfBand, EveryLargeArrayGetsItsOwnFrame) {
  std::tuple<std::vector<float>, std::string, std::array<std::int64_t, 200>, std::vector<int>>
      value{std::vector<float>(1000, 1.f), std::string(5000, 's'), {}, {1, 2}};
  serde::Message m = serde::encode(value);
  EXPECT_EQ(m.frames.size(), 3u);  // the small vector<int> stays in the body
  EXPECT_LT(m.body.size(), 128u);
  EXPECT_EQ(serde::decode<decltype(value)>(m), value);
}

TEST(SerdeOutOfBand, MovedValueIsKeptAliveWithoutCopy) {
  std::vector<double> big(1 << 20, 1.25);
  const double* where = big.data();
  serde::Message m = serde::encode(std::move(big));
  EXPECT_TRUE(m.self_contained());
  ASSERT_EQ(m.frames.size(), 1u);
  EXPECT_EQ(static_cast<const void*>(m.frames[0].data()), static_cast<const void*>(where));
  // The message outlives everything else and still decodes.
  EXPECT_EQ(serde::decode<std::vector<double>>(m), std::vector<double>(1 << 20, 1.25));

  // A temporary without large arrays needs no holder.
  serde::Message small = serde::encode(std::make_tuple(1, 2.5, std::string("x")));
  EXPECT_TRUE(small.self_contained());
  EXPECT_TRUE(small.frames.empty());
}

TEST(SerdeOutOfBand, TemporaryViewsStillBorrow) {
  const std::vector<double> big(4096, 2.0);
  // Moving a span or a tuple of references would not keep `big` alive: they borrow.
  serde::Message m = serde::encode(std::span<const double>(big));
  EXPECT_FALSE(m.self_contained());
  EXPECT_EQ(static_cast<const void*>(m.frames.at(0).data()), static_cast<const void*>(big.data()));
  m = serde::encode(std::forward_as_tuple(big, 5));
  EXPECT_FALSE(m.self_contained());
  EXPECT_EQ(static_cast<const void*>(m.frames.at(0).data()), static_cast<const void*>(big.data()));
  EXPECT_EQ((serde::decode<std::tuple<std::vector<double>, int>>(m)), std::make_tuple(big, 5));
  // An ArrayView shares its owner, like a Buffer.
  ArrayView<double> view(std::vector<double>(4096, 3.0));
  m = serde::encode(view);
  EXPECT_TRUE(m.self_contained());
  EXPECT_EQ(m.frames.at(0).owner(), view.owner());
  EXPECT_EQ(static_cast<const void*>(m.frames[0].data()), static_cast<const void*>(view.data()));
}

TEST(SerdeOutOfBand, MakeSelfContainedCopiesBorrowedFrames) {
  auto big = std::make_unique<std::vector<int>>(100000, 7);
  serde::Message m = serde::encode(*big);
  EXPECT_FALSE(m.self_contained());
  m.make_self_contained();
  EXPECT_TRUE(m.self_contained());
  EXPECT_NE(static_cast<const void*>(m.frames[0].data()), static_cast<const void*>(big->data()));
  big.reset();
  EXPECT_EQ(serde::decode<std::vector<int>>(m), std::vector<int>(100000, 7));
}

TEST(SerdeOutOfBand, BuffersAreSharedNotBorrowed) {
  Buffer payload = Buffer::take(std::vector<std::uint8_t>(4096, 9));
  serde::Message m = serde::encode(std::make_pair(std::string("blob"), payload));
  ASSERT_EQ(m.frames.size(), 1u);
  EXPECT_EQ(m.frames[0].data(), payload.data());
  EXPECT_EQ(m.frames[0].owner(), payload.owner());
  EXPECT_TRUE(m.self_contained());
  auto [name, back] = serde::decode<std::pair<std::string, Buffer>>(m);
  EXPECT_EQ(name, "blob");
  EXPECT_EQ(back.data(), payload.data());
  EXPECT_EQ(back, payload);

  // Small Buffers travel in the body and come back as copies.
  Buffer tiny = Buffer::copy("abc", 3);
  serde::Message t = serde::encode(tiny);
  EXPECT_TRUE(t.frames.empty());
  Buffer tiny_back = serde::decode<Buffer>(t);
  EXPECT_EQ(tiny_back, tiny);
  EXPECT_TRUE(tiny_back.owned());
}

TEST(SerdeOutOfBand, DecodedBufferOutlivesTheMessage) {
  Buffer kept;
  {
    serde::Message m = serde::encode(std::vector<double>(10000, 3.0));  // owned (temporary)
    kept = serde::decode<Buffer>(m);
  }
  ASSERT_EQ(kept.size(), 10000 * sizeof(double));
  double first;
  std::memcpy(&first, kept.data(), sizeof first);
  EXPECT_EQ(first, 3.0);
}

TEST(SerdeOutOfBand, ReceivedFramesAsSeparateBuffers) {
  // As a transport would see it: the body and frames as separate received Buffers.
  serde::Message sent = serde::encode(std::vector<std::int32_t>(5000, -4));
  Buffer body = Buffer::copy(sent.body.bytes());
  std::vector<Buffer> frames{Buffer::copy(sent.frames[0].bytes())};
  auto view = serde::decode<ArrayView<std::int32_t>>(body.bytes(), frames);
  EXPECT_EQ(static_cast<const void*>(view.data()), static_cast<const void*>(frames[0].data()));
  EXPECT_EQ(view.owner(), frames[0].owner());
  EXPECT_EQ(view.to_vector(), std::vector<std::int32_t>(5000, -4));
}

TEST(SerdeOutOfBand, TypedArraysCheckTheirElements) {
  serde::Message m = serde::encode(std::vector<double>(2000, 1.0));
  std::string e = error_of([&] { serde::decode<std::vector<std::int64_t>>(m); });
  EXPECT_NE(e.find("elements of i64"), std::string::npos) << e;
  EXPECT_NE(e.find("array of f64"), std::string::npos) << e;
  // Raw bytes read as anything with whole elements, and anything reads as raw bytes.
  Buffer raw = Buffer::take(std::vector<double>(4, 2.0));
  EXPECT_EQ(serde::decode<std::vector<double>>(serde::encode(raw)), std::vector<double>(4, 2.0));
  EXPECT_EQ(serde::decode<Buffer>(m).size(), 2000 * sizeof(double));
  Buffer odd = Buffer::copy("12345", 5);
  e = error_of([&] { serde::decode<std::vector<double>>(serde::encode(odd)); });
  EXPECT_NE(e.find("not a whole number"), std::string::npos) << e;
  e = error_of(
      [&] { serde::decode<std::array<double, 3>>(serde::encode(std::array<double, 2>{})); });
  EXPECT_NE(e.find("expected 3 elements"), std::string::npos) << e;
}

// --- Type signatures -----------------------------------------------------------------------

TEST(SerdeSignature, StableAndDistinct) {
  EXPECT_EQ(serde::type_signature<int>(), serde::type_signature<int>());
  EXPECT_EQ(serde::type_signature<Order>(), serde::type_signature<Order>());
  EXPECT_NE(serde::type_signature<int>(), serde::type_signature<long>());
  EXPECT_NE(serde::type_signature<int>(), serde::type_signature<unsigned>());
  EXPECT_NE(serde::type_signature<float>(), serde::type_signature<double>());
  EXPECT_NE(serde::type_signature<std::vector<int>>(), serde::type_signature<std::set<int>>());
  EXPECT_NE((serde::type_signature<std::tuple<int, double>>()),
            (serde::type_signature<std::tuple<double, int>>()));
  EXPECT_NE(serde::type_signature<Order>(), serde::type_signature<Quote>());  // same fields
  EXPECT_NE(serde::type_signature<std::optional<int>>(), serde::type_signature<int>());
  EXPECT_NE(serde::type_signature<Color>(), serde::type_signature<std::uint8_t>());
  // One wire format, one signature.
  EXPECT_EQ(serde::type_signature<std::vector<double>>(),
            serde::type_signature<std::span<const double>>());
  EXPECT_EQ(serde::type_signature<std::vector<double>>(),
            serde::type_signature<ArrayView<double>>());
  EXPECT_EQ(serde::type_signature<std::string>(), serde::type_signature<std::string_view>());
  EXPECT_EQ((serde::type_signature<std::map<int, int>>()),
            (serde::type_signature<std::unordered_map<int, int>>()));
  EXPECT_EQ((serde::type_signature<std::pair<int, int>>()),
            (serde::type_signature<std::tuple<int, int>>()));
  EXPECT_EQ(serde::type_signature<Buffer>(), serde::type_signature<std::vector<std::byte>>());
}

TEST(SerdeSignature, Descriptions) {
  EXPECT_EQ((serde::type_description<std::tuple<int, std::vector<double>>>()),
            "tuple<i32,seq<f64>>");
  EXPECT_EQ((serde::type_description<std::map<std::string, std::optional<bool>>>()),
            "map<str,opt<bool>>");
  // User types by name (the compiler spells the anonymous namespace its own way).
  const std::string anon(weft::serde::detail::type_name<Color>().substr(
      0, weft::serde::detail::type_name<Color>().rfind("::")));
  EXPECT_EQ(serde::type_description<Color>(), "enum " + anon + "::Color:u8");
  EXPECT_EQ(serde::type_description<Order>(), "struct " + anon + "::Order{str,i32,f64,seq<f64>}");
  // A recursive type refers to itself by name.
  EXPECT_EQ(serde::type_description<Tree>(),
            "struct " + anon + "::Tree{i32,seq<struct " + anon + "::Tree>}");
}

// --- Malformed input -----------------------------------------------------------------------

TEST(SerdeMalformed, EmptyTruncatedAndInvalid) {
  EXPECT_NE(error_of([] { serde::decode<int>(std::span<const std::byte>()); }).find("empty"),
            std::string::npos);
  serde::Message m = serde::encode(std::string("hello world"));
  std::string e = error_of([&] { serde::decode<std::string>(m.body.bytes().first(5)); });
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
  const std::string invalid("\x92\x01\xc1", 3);  // [1, <0xc1: never used>]
  e = error_of([&] { serde::decode<std::vector<int>>(bytes_of(invalid)); });
  EXPECT_NE(e.find("0xc1 at offset 2"), std::string::npos) << e;
  const std::string trailing("\x01\x02", 2);
  e = error_of([&] { serde::decode<int>(bytes_of(trailing)); });
  EXPECT_NE(e.find("unexpected bytes after the value, from offset 1"), std::string::npos) << e;
}

TEST(SerdeMalformed, WrongTypesNameTheExpectationAndThePlace) {
  serde::Message m = serde::encode(std::make_tuple(1, std::string("x")));
  std::string e = error_of([&] { serde::decode<std::tuple<int, int>>(m); });
  EXPECT_NE(e.find("expected int but found string \"x\" at $[1]"), std::string::npos) << e;

  Account account{"ann", {{"o1", Order("X", 1, 1.0, {})}}, std::nullopt};
  m = serde::encode(account);
  using Lookalike = std::tuple<std::string, std::map<std::string, Quote>, std::optional<int>>;
  EXPECT_NO_THROW(serde::decode<Lookalike>(m));  // same wire shape
  using Wrong = std::tuple<std::string, std::map<std::string, std::tuple<int, int, int, int>>,
                           std::optional<int>>;
  e = error_of([&] { serde::decode<Wrong>(m); });
  EXPECT_NE(e.find("at $[1].value(0)[0]"), std::string::npos) << e;

  // Field names from WEFT_SERIALIZE.
  m = serde::encode(
      std::make_tuple(std::string("S"), 1, std::string("not a price"), std::vector<double>{}));
  e = error_of([&] { serde::decode<Order>(m); });
  EXPECT_NE(e.find("expected f64 but found string \"not a price\" at $.price_"), std::string::npos)
      << e;
  e = error_of([&] { serde::decode<Order>(serde::encode(std::make_tuple(1, 2))); });
  EXPECT_NE(e.find("(4 fields) but found array of 2 at $"), std::string::npos) << e;
}

TEST(SerdeMalformed, OutOfRangeAndBadValues) {
  std::string e = error_of([] { serde::decode<std::uint8_t>(serde::encode(300)); });
  EXPECT_NE(e.find("integer 300 is out of range for unsigned char"), std::string::npos) << e;
  EXPECT_THROW(serde::decode<std::uint32_t>(serde::encode(-1)), SerdeError);
  EXPECT_THROW(serde::decode<std::int8_t>(serde::encode(-129)), SerdeError);
  EXPECT_THROW(serde::decode<float>(serde::encode(1.0)), SerdeError);  // no silent narrowing
  EXPECT_EQ(serde::decode<double>(serde::encode(1.5f)), 1.5);          // widening is fine
  EXPECT_THROW(serde::decode<bool>(serde::encode(1)), SerdeError);
  e = error_of(
      [] { serde::decode<std::variant<int, double>>(serde::encode(std::make_tuple(2u, 1.0))); });
  EXPECT_NE(e.find("out of range"), std::string::npos) << e;
  e = error_of(
      [] { serde::decode<std::map<int, int>>(serde::encode(std::vector<std::string>{"a"})); });
  EXPECT_NE(e.find("(map) but found array of 1"), std::string::npos) << e;
  const std::string dup("\x82\x01\x01\x01\x02", 5);  // {1: 1, 1: 2}
  e = error_of([&] { serde::decode<std::map<int, int>>(bytes_of(dup)); });
  EXPECT_NE(e.find("duplicate key"), std::string::npos) << e;
  const std::string dup_set("\x92\x05\x05", 3);
  EXPECT_THROW(serde::decode<std::set<int>>(bytes_of(dup_set)), SerdeError);
  EXPECT_THROW(
      serde::decode<std::optional<std::optional<int>>>(serde::encode(std::vector<int>{1, 2})),
      SerdeError);
}

TEST(SerdeMalformed, FrameReferencesAreChecked) {
  serde::Message m = serde::encode(std::vector<double>(1000, 1.0));
  std::string e = error_of([&] { serde::decode<std::vector<double>>(m.body.bytes()); });
  EXPECT_NE(e.find("frame 0 (the message has 0 frames)"), std::string::npos) << e;
  std::vector<Buffer> short_frame{m.frames[0].slice(0, 100)};
  e = error_of([&] { serde::decode<std::vector<double>>(m.body.bytes(), short_frame); });
  EXPECT_NE(e.find("8000 bytes in frame 0 (which holds 100)"), std::string::npos) << e;
  EXPECT_THROW(serde::decode_untyped(m.body.bytes()), SerdeError);
  EXPECT_EQ(serde::decode_untyped(m.body.bytes(), m.frames), "f64[1000] @frame 0");
}

TEST(SerdeMalformed, HugeClaimsDoNotAllocate) {
  // Each claims 2^32 - 1 elements (or bytes) and holds none.
  const std::string claims[] = {
      std::string("\xdd\xff\xff\xff\xff", 5),      // array 32
      std::string("\xdf\xff\xff\xff\xff", 5),      // map 32
      std::string("\xdb\xff\xff\xff\xff", 5),      // str 32
      std::string("\xc6\xff\xff\xff\xff", 5),      // bin 32
      std::string("\xc9\xff\xff\xff\xff\x01", 6),  // ext 32
      std::string("\x91\xdd\xff\xff\xff\xff", 6),  // nested
  };
  for (const std::string& c : claims) {
    g_largest = 0;
    g_track = true;
    EXPECT_THROW(serde::decode<std::vector<std::vector<std::string>>>(bytes_of(c)), SerdeError);
    EXPECT_THROW((serde::decode<std::map<std::string, Order>>(bytes_of(c))), SerdeError);
    EXPECT_THROW(serde::decode_untyped(bytes_of(c)), SerdeError);
    g_track = false;
    EXPECT_LT(g_largest.load(), std::size_t{1} << 20);
  }
  // A container that claims more elements than the bytes could hold reserves only a little:
  // 10,000 nils are 10,000 elements of a vector<array<string, 64>> (2 KiB each) for a
  // moment, then a type error.
  std::string nils("\xdc\x27\x10", 3);
  nils.append(10000, '\xc0');
  g_largest = 0;
  g_track = true;
  EXPECT_THROW((serde::decode<std::vector<std::array<std::string, 64>>>(bytes_of(nils))),
               SerdeError);
  g_track = false;
  EXPECT_LT(g_largest.load(), std::size_t{1} << 20);
}

TEST(SerdeMalformed, DeepNestingIsRefused) {
  std::string deep(serde::kMaxDepth + 1, '\x91');  // [[[[...
  deep += '\x01';
  std::string e = error_of([&] { serde::decode_untyped(bytes_of(deep)); });
  EXPECT_NE(e.find("nested deeper than"), std::string::npos) << e;
  std::string ok(serde::kMaxDepth, '\x91');
  ok += '\x01';
  EXPECT_NO_THROW(serde::decode_untyped(bytes_of(ok)));
  // A recursive user type is bounded the same way.
  std::string trees;
  for (std::size_t i = 0; i < serde::kMaxDepth; ++i) trees += "\x92\x01\x91";
  EXPECT_THROW(serde::decode<Tree>(bytes_of(trees)), SerdeError);
}

TEST(SerdeMalformed, UntypedRendering) {
  auto value = std::make_tuple(1, -2, 2.5, std::string("a\"b"), std::map<int, bool>{{1, true}},
                               std::optional<int>{}, std::vector<std::int16_t>{1, 2});
  serde::Message m = serde::encode(value);
  EXPECT_EQ(serde::decode_untyped(m.body.bytes(), m.frames),
            "[1, -2, 2.5, \"a\\x22b\", {1: true}, nil, i16[2]]");
}

// --- Fuzzing: random, truncated and mutated bytes only ever raise SerdeError ----------------

// Decodes `bytes` as several types; anything but success or SerdeError fails the test.
void decode_everything(std::span<const std::byte> body, std::span<const Buffer> frames) {
  auto attempt = [&](auto tag) {
    using T = typename decltype(tag)::type;
    try {
      (void)serde::decode<T>(body, frames);
    } catch (const SerdeError&) {
    }
  };
  attempt(std::type_identity<int>{});
  attempt(std::type_identity<std::string>{});
  attempt(std::type_identity<std::vector<double>>{});
  attempt(std::type_identity<Buffer>{});
  attempt(std::type_identity<ArrayView<std::int32_t>>{});
  attempt(std::type_identity<Order>{});
  attempt(std::type_identity<Account>{});
  attempt(std::type_identity<Tree>{});
  attempt(std::type_identity<std::variant<int, std::string, std::vector<Vec3>>>{});
  attempt(std::type_identity<std::map<std::string, std::optional<std::set<int>>>>{});
  attempt(std::type_identity<std::tuple<int, double, std::string, std::array<float, 3>>>{});
  try {
    (void)serde::decode_untyped(body, frames);
  } catch (const SerdeError&) {
  }
}

std::vector<serde::Message> corpus() {
  std::vector<serde::Message> out;
  out.push_back(serde::encode(Order("ACME", 10, 99.5, std::vector<double>(300, 1.0))));
  out.push_back(serde::encode(Account{"ann", {{"o", Order("X", 1, 1, {2})}}, Color::kRed}));
  out.push_back(serde::encode(Tree{1, {{2, {}}, {3, {{4, {}}}}}}));
  out.push_back(
      serde::encode(std::make_tuple(7, 2.5, std::string("short"), std::array<float, 3>{1, 2, 3})));
  out.push_back(serde::encode(std::map<std::string, std::optional<std::set<int>>>{
      {"a", std::set<int>{1, 2}}, {"b", std::nullopt}}));
  out.push_back(serde::encode(std::variant<int, std::string, std::vector<Vec3>>{
      std::vector<Vec3>(200, Vec3{1, 2, 3})}));  // out of band
  return out;
}

TEST(SerdeFuzz, RandomBytes) {
  std::mt19937_64 rng(12345);
  const std::vector<Buffer> frames{Buffer::copy(std::string(2400, 'f').data(), 2400)};
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(rng() % 64 + 1, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    decode_everything(bytes_of(bytes), i % 2 == 0 ? std::span<const Buffer>() : frames);
  }
}

TEST(SerdeFuzz, EveryTruncation) {
  for (const serde::Message& m : corpus()) {
    for (std::size_t n = 0; n < m.body.size(); ++n) {
      decode_everything(m.body.bytes().first(n), m.frames);
    }
  }
}

TEST(SerdeFuzz, MutatedMessages) {
  std::mt19937_64 rng(678);
  std::size_t cases = 0;
  for (const serde::Message& m : corpus()) {
    const std::string original(reinterpret_cast<const char*>(m.body.data()), m.body.size());
    for (int i = 0; i < 2000; ++i, ++cases) {
      std::string bytes = original;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < edits; ++k) {
        const std::size_t at = rng() % bytes.size();
        switch (rng() % 4) {
          case 0:
            bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
            break;
          case 1:
            bytes[at] = static_cast<char>(rng());
            break;
          case 2:
            bytes.erase(at, 1 + rng() % 4);
            break;
          default:
            bytes.insert(at, 1, static_cast<char>(rng()));
            break;
        }
        if (bytes.empty()) bytes.push_back(static_cast<char>(0xc0));
      }
      decode_everything(bytes_of(bytes), m.frames);
    }
  }
  EXPECT_GE(cases, 10000u);
}

}  // namespace
