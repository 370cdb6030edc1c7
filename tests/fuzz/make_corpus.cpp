// Writes the seed corpus: for each target, valid inputs ("valid-*", which the replay test
// requires to decode) and hand-made hostile ones ("bad-*", which it requires to be refused
// with a weft::Error). usage: make_corpus DIR  (writes DIR/wire/ and DIR/serde/)
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "fuzz_input.hpp"
#include "net/protocol.hpp"
#include "net/wire.hpp"
#include "serde_types.hpp"

namespace {

using namespace weft;
using fuzz::Parts;
using Bytes = std::vector<std::uint8_t>;

std::filesystem::path g_dir;

void write(const std::string& target, const std::string& name, const Bytes& bytes) {
  const auto dir = g_dir / target;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

Buffer raw(std::initializer_list<unsigned> bytes) {
  std::vector<std::byte> b;
  for (unsigned v : bytes) b.push_back(std::byte(v));
  return Buffer::copy(b.data(), b.size());
}

Buffer text(const std::string& s) { return Buffer::copy(s.data(), s.size()); }

template <class T>
Parts message(net::Kind kind, const T& value) {
  serde::Message m = serde::encode(value);
  m.make_self_contained();
  Parts parts{net::header(kind), m.body};
  parts.insert(parts.end(), m.frames.begin(), m.frames.end());
  return parts;
}

Bytes join(std::initializer_list<Parts> messages) {
  Bytes out;
  for (const Parts& m : messages) fuzz::append_message(out, m);
  return out;
}

// A header with every field given: magic, version, kind.
Buffer header(unsigned version, unsigned kind) {
  return raw({'w', 'f', version & 0xff, version >> 8, kind & 0xff, kind >> 8, 0, 0});
}

net::Object chunked_object(std::uint64_t id, std::vector<std::uint64_t> sizes) {
  net::Object o;
  o.id = id;
  o.found = true;
  o.chunked = std::move(sizes);
  return o;
}

net::ObjectChunk chunk(std::uint64_t id, std::uint32_t frame, std::uint64_t offset,
                       const std::string& bytes) {
  return {id, frame, offset, text(bytes)};
}

void wire_corpus() {
  using net::Kind;
  const net::Arg small_arg{0, text("\x92\x01\x02"), {}};
  const net::Arg ref_arg{42, {}, {}};
  const net::Call call{"slow_square", 0x1234abcdULL, "slow_square-7", {small_arg, ref_arg}};
  const net::RemoteError err{"std::out_of_range", "vector::at", "f-1", "worker-2@host"};
  const net::WorkerInfo info{3, "worker-3@host", "host", "tcp://127.0.0.1:5000", 4, "node-a"};
  const std::vector<std::pair<Kind, Parts>> valid = {
      {Kind::kHello, message(Kind::kHello, net::Hello{net::Role::kWorker,
                                                      "worker-1@h",
                                                      "h",
                                                      99,
                                                      2,
                                                      1 << 30,
                                                      "tcp://127.0.0.1:1",
                                                      {{"gpu", 1.5}},
                                                      "node-a"})},
      {Kind::kSubmit,
       message(Kind::kSubmit,
               net::Submit{{net::TaskSpec{7, {5, 6}, 2, -1, 0.5, 1024, {{"gpu", 1}}, call}}})},
      {Kind::kRelease, message(Kind::kRelease, net::Ids{{1, 2, 0xffffffffffffULL}})},
      {Kind::kPutDone, message(Kind::kPutDone, net::PutDone{9, 1, 4096})},
      {Kind::kStatusQuery, message(Kind::kStatusQuery, net::Empty{})},
      {Kind::kFinished, message(Kind::kFinished, net::Finished{{{7, 8, {1764123456.5, 0.25, 1}}}})},
      {Kind::kFailed, message(Kind::kFailed, net::Failed{{{7, err, {1764123456.5, 0.5, 0}}}})},
      {Kind::kMetrics,
       message(Kind::kMetrics,
               net::WorkerMetrics{1.5, 1 << 20, 3, 4096, 1024, 2048, {{2, 4096, 10.0, 10.5}}})},
      {Kind::kReportQuery, message(Kind::kReportQuery, net::ReportQuery{"trace"})},
      {Kind::kReport, message(Kind::kReport, net::Report{"{}", ""})},
      {Kind::kStealReply, message(Kind::kStealReply, net::StealReply{7, true})},
      {Kind::kNameActor, message(Kind::kNameActor, net::NamedActor{"counter", 11, "tcp://h:1"})},
      {Kind::kWelcome, message(Kind::kWelcome, net::Welcome{5})},
      {Kind::kWorkers, message(Kind::kWorkers, net::Workers{{info}, {1, 2}})},
      {Kind::kRun, message(Kind::kRun, net::Run{{{7, call, {{5, 100, {1, 3}}}}}})},
      {Kind::kDone, message(Kind::kDone, net::Done{{{7, 3, 100}}})},
      {Kind::kErred, message(Kind::kErred, net::Erred{{{7, err}}})},
      {Kind::kStatus,
       message(Kind::kStatus,
               net::Status{"tcp://h:1", 1, {{info, 2, 3, 4}}, {{"processing", 2}}, 4096})},
      {Kind::kFetch, message(Kind::kFetch, net::Fetch{{1, 2}, "node-a"})},
      {Kind::kObjects,
       message(Kind::kObjects,
               net::Objects{{net::Object{1, true, text("\x93\x01\x02\x03"), {}, "", {}, {}},
                             net::Object{2, true, text("\xc0"), {}, "weft-seg-1", {{0, 64}}, {}},
                             net::Object{3, false, {}, {}, "", {}, {}}}})},
      {Kind::kPutObject,
       message(Kind::kPutObject,
               net::PutObject{
                   4, text("\xc0"), {Buffer::copy(std::string(2048, 'x').data(), 2048)}, "", {}})},
      {Kind::kActorCall,
       message(Kind::kActorCall,
               net::ActorCall{11, 12, "Counter::add", 77, {small_arg}, "node-a"})},
      {Kind::kActorReply,
       message(
           Kind::kActorReply,
           net::ActorReply{12, true, net::Object{12, true, text("\x05"), {}, "", {}, {}}, 1, {}})},
  };
  for (const auto& [kind, parts] : valid) {
    write("wire", std::string("valid-") + net::to_string(kind), join({parts}));
  }
  // ObjectChunks follow the Objects message that announced them: frame 0 in two chunks, frame 1
  // empty, frame 2 whole.
  write("wire", "valid-chunked-object",
        join({message(Kind::kObjects, net::Objects{{chunked_object(8, {6, 0, 3})}}),
              message(Kind::kObjectChunk, chunk(8, 0, 0, "abcd")),
              message(Kind::kObjectChunk, chunk(8, 2, 0, "xyz")),
              message(Kind::kObjectChunk, chunk(8, 0, 4, "ef"))}));
  // Frames of no bytes complete with one empty chunk (the assembler once indexed the list
  // of sizes it had cleared for them).
  write("wire", "valid-empty-chunked-object",
        join({message(Kind::kObjects, net::Objects{{chunked_object(8, {0})}}),
              message(Kind::kObjectChunk, chunk(8, 0, 0, ""))}));

  const Parts ids = message(Kind::kRelease, net::Ids{{1}});
  write("wire", "bad-version", join({{header(net::kProtocolVersion + 1, 3), ids[1]}}));
  write("wire", "bad-unknown-kind", join({{header(net::kProtocolVersion, 200), ids[1]}}));
  write("wire", "bad-magic", join({{text("garbage!"), ids[1]}}));
  write("wire", "bad-short-header", join({{text("wf\x01"), ids[1]}}));
  write("wire", "bad-header-only", join({{ids[0]}}));
  write("wire", "bad-truncated-body", join({{ids[0], ids[1].slice(0, ids[1].size() - 1)}}));
  write("wire", "bad-other-type-body", join({{net::header(Kind::kHello), ids[1]}}));
  // An array32 header claiming 2^32 - 1 task ids in a 6-byte body.
  write("wire", "bad-huge-count", join({{ids[0], raw({0x91, 0xdd, 0xff, 0xff, 0xff, 0xff})}}));
  // Nested far deeper than any message: refused before the stack is at risk.
  std::string deep(1000, '\x91');
  deep += '\xc0';
  write("wire", "bad-deep-nesting", join({{net::header(Kind::kSubmit), text(deep)}}));
  write("wire", "bad-missing-frame",
        join({{net::header(Kind::kPutObject),
               message(
                   Kind::kPutObject,
                   net::PutObject{
                       4, {}, {Buffer::copy(std::string(2048, 'x').data(), 2048)}, "", {}})[1]}}));
  write("wire", "bad-chunk-of-unknown-object",
        join({message(Kind::kObjectChunk, chunk(9, 0, 0, "abcd"))}));
  write("wire", "bad-chunk-out-of-bounds",
        join({message(Kind::kObjects, net::Objects{{chunked_object(8, {6})}}),
              message(Kind::kObjectChunk, chunk(8, 0, 4, "abcd")),
              message(Kind::kObjectChunk, chunk(8, 1, 0, "ab"))}));
  // Repeating bytes 0-1 of a 6-byte frame once completed it with bytes 4-5 never written.
  write("wire", "bad-overlapping-chunks",
        join({message(Kind::kObjects, net::Objects{{chunked_object(8, {6})}}),
              message(Kind::kObjectChunk, chunk(8, 0, 0, "abcd")),
              message(Kind::kObjectChunk, chunk(8, 0, 0, "ab"))}));
  // 400 GiB announced, 4 bytes sent: memory follows the bytes, not the announcement.
  write(
      "wire", "bad-huge-announced-object",
      join({message(Kind::kObjects, net::Objects{{chunked_object(8, {std::uint64_t{400} << 30})}}),
            message(Kind::kObjectChunk, chunk(8, 0, 0, "abcd")),
            message(Kind::kObjectChunk, chunk(8, 0, 9, "ab"))}));
  write("wire", "bad-absurd-object",
        join({message(Kind::kObjects,
                      net::Objects{{chunked_object(8, {std::uint64_t{1} << 41, 1})}})}));
}

template <std::size_t I, class T>
void write_serde(const std::string& name, const T& value) {
  serde::Message m = serde::encode(value);
  m.make_self_contained();
  Parts parts{m.body};
  parts.insert(parts.end(), m.frames.begin(), m.frames.end());
  Bytes out{static_cast<std::uint8_t>(I)};
  fuzz::append_message(out, parts);
  std::string file = (I < 10 ? "valid-0" : "valid-") + std::to_string(I) + "-";
  for (char c : name) {  // "std::vector<int>" -> "std_vector_int"
    const bool word = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (word) file += c;
    if (!word && file.back() != '_') file += '_';
  }
  write("serde", file, out);
}

template <class T>
constexpr std::size_t index_of() {
  constexpr auto find = []<std::size_t... I>(std::index_sequence<I...>) {
    std::size_t found = 0;
    ((std::is_same_v<T, std::tuple_element_t<I, fuzz::SerdeTypes>> ? (found = I) : 0), ...);
    return found;
  };
  return find(std::make_index_sequence<std::tuple_size_v<fuzz::SerdeTypes>>{});
}

// A hand-made body (and frames) to be decoded as T.
template <class T>
void write_bad(const std::string& name, const Parts& parts) {
  Bytes out{static_cast<std::uint8_t>(index_of<T>())};
  fuzz::append_message(out, parts);
  write("serde", "bad-" + name, out);
}

void serde_corpus() {
  using fuzz::Color;
  using fuzz::Point;
  using fuzz::Tree;
  using fuzz::Vec3;
  std::vector<double> many(200);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = 0.5 * static_cast<double>(i);
  const Tree tree{"root", {{"a", {}}, {"b", {{"c", {}}}}}};
  fuzz::Record record{"rec",
                      {{1.5, 2.5f, -3}},
                      {{"k", {1, 2}}},
                      Color::kBlue,
                      std::string("extra"),
                      ArrayView<double>(many),
                      {{1, 2, 3}},
                      {true, std::byte{7}, 1ULL << 40}};
  const fuzz::SerdeTypes samples{
      true,
      std::int8_t{-100},
      std::uint8_t{200},
      std::int16_t{-30000},
      std::uint32_t{4000000000U},
      std::int64_t{-(1LL << 40)},
      std::uint64_t{~0ULL},
      1.25f,
      -0.0,
      Color::kGreen,
      std::byte{0xab},
      std::string(1500, 's'),  // out of band
      std::vector<std::int32_t>{1, -2, 3},
      many,
      std::vector<bool>{true, false},
      std::vector<std::string>{"a", "", "ccc"},
      std::vector<std::byte>{std::byte{1}, std::byte{2}},
      std::array<std::int64_t, 3>{1, 2, 3},
      std::array<std::string, 2>{"x", "y"},
      std::set<std::int32_t>{3, 1, 2},
      std::unordered_set<std::string>{"u"},
      std::map<std::string, std::int32_t>{{"a", 1}, {"b", 2}},
      std::unordered_map<std::int64_t, std::vector<std::string>>{{-1, {"v"}}},
      std::pair<std::string, double>{"p", 2.0},
      std::tuple<std::int32_t, std::string, std::vector<float>>{1, "t", {0.5f}},
      std::optional<std::int32_t>{5},
      std::make_optional(std::optional<std::string>{}),
      std::variant<std::monostate, std::int32_t, std::string, std::vector<double>>{many},
      Buffer::copy(std::string(2000, 'b').data(), 2000),
      ArrayView<double>(std::vector<double>{1, 2, 3}),
      ArrayView<std::array<float, 3>>(std::vector<std::array<float, 3>>(100)),
      Vec3{1, 2, 3},
      std::vector<Vec3>{{1, 2, 3}, {4, 5, 6}},
      Point{1, 2, 3},
      std::vector<Point>{{1, 2, 3}},
      tree,
      record,
      std::vector<std::vector<std::vector<std::int32_t>>>{{{1}, {}}, {}}};
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (write_serde<I>(
         std::string(serde::detail::type_name<std::tuple_element_t<I, fuzz::SerdeTypes>>())
             .substr(0, 40),
         std::get<I>(samples)),
     ...);
  }
  (std::make_index_sequence<std::tuple_size_v<fuzz::SerdeTypes>>{});

  std::string deep;  // Trees nested 200 deep: ["", [["", [...]]]]
  for (int i = 0; i < 200; ++i) deep += "\x92\xa0\x91";
  deep += "\x92\xa0\x90";
  write_bad<Tree>("deep-tree", {text(deep)});
  write_bad<std::vector<std::int32_t>>("huge-array-count",
                                       {raw({0xdd, 0xff, 0xff, 0xff, 0xff, 1})});
  write_bad<std::map<std::string, std::int32_t>>("huge-map-count",
                                                 {raw({0xdf, 0xff, 0xff, 0xff, 0xff})});
  write_bad<std::string>("huge-string-length", {raw({0xdb, 0xff, 0xff, 0xff, 0xf0, 'a'})});
  // Frame arrays (ext 2): kind, scalar size, frame index, length.
  write_bad<std::vector<double>>(
      "missing-frame", {raw({0xc7, 17, 2, 3, 8, 0, 0, 0, 5, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0})});
  write_bad<std::vector<double>>("frame-length-mismatch",
                                 {raw({0xc7, 17, 2,    3,    8,    0,    0,    0,    0,    0,
                                       0,    0,  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
                                  text("12345678")});
  // Inline arrays (ext 1): kind, scalar size, elements.
  write_bad<std::vector<double>>("ints-as-doubles",
                                 {raw({0xc7, 13, 1, 2, 4, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0})});
  write_bad<std::vector<double>>("zero-scalar-size", {raw({0xc7, 5, 1, 3, 0, 0, 0, 0})});
  write_bad<std::int8_t>("int-out-of-range", {raw({0xcc, 200})});
  write_bad<std::uint64_t>("negative-unsigned", {raw({0xff})});
  write_bad<float>("double-as-float", {raw({0xcb, 0, 0, 0, 0, 0, 0, 0, 0})});
  write_bad<std::string>("truncated-string", {raw({0xa5, 'a', 'b'})});
  write_bad<std::int32_t>("trailing-bytes", {raw({0x01, 0x02})});
  write_bad<std::variant<std::monostate, std::int32_t, std::string, std::vector<double>>>(
      "variant-index", {raw({0x92, 0x09, 0xc0})});
  write_bad<std::set<std::int32_t>>("duplicate-set-element", {raw({0x92, 0x01, 0x01})});
  write_bad<std::map<std::string, std::int32_t>>("duplicate-map-key",
                                                 {raw({0x82, 0xa1, 'k', 1, 0xa1, 'k', 2})});
  write_bad<Vec3>("bitwise-size", {raw({0xc7, 11, 1, 4, 12, 0, 0, 0, 1, 2, 3, 4, 5, 6})});
  write_bad<Point>("struct-field-count", {raw({0x92, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0})});
  write_bad<std::string>("invalid-msgpack-byte", {raw({0xc1})});
  write_bad<std::int32_t>("empty-body", {text("")});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  g_dir = argv[1];
  wire_corpus();
  serde_corpus();
  return 0;
}
