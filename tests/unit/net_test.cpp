// The wire envelope and chunked objects: well-formed messages round-trip, malformed ones are
// refused with ProtocolError or SerdeError, never a crash.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <vector>

#include "net/chunks.hpp"
#include "net/wire.hpp"

namespace {

using namespace weft;

std::vector<Buffer> pack(net::Kind kind, const net::Ids& ids) {
  serde::Message m = serde::encode(ids);
  std::vector<Buffer> parts{net::header(kind), m.body};
  for (Buffer& f : m.frames) parts.push_back(f);
  return parts;
}

TEST(WireTest, AMessageRoundTrips) {
  const std::vector<Buffer> parts = pack(net::Kind::kRelease, net::Ids{{1, 2, 3}});
  ASSERT_EQ(net::kind_of(parts), net::Kind::kRelease);
  EXPECT_EQ(net::payload<net::Ids>(parts).ids, (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(WireTest, BadHeadersAreRefused) {
  std::vector<Buffer> parts = pack(net::Kind::kRelease, net::Ids{{1}});
  EXPECT_THROW(net::kind_of(std::span<const Buffer>(parts).first(1)), net::ProtocolError);
  std::vector<std::byte> h(parts[0].begin(), parts[0].end());
  h[2] = std::byte{99};  // another protocol version
  parts[0] = Buffer::copy(h.data(), h.size());
  EXPECT_THROW(net::kind_of(parts), net::ProtocolError);
  h[2] = std::byte{net::kProtocolVersion};
  h[4] = std::byte{200};  // an unknown kind
  parts[0] = Buffer::copy(h.data(), h.size());
  EXPECT_THROW(net::kind_of(parts), net::ProtocolError);
  parts[0] = Buffer::copy("garbage!", 8);
  EXPECT_THROW(net::kind_of(parts), net::ProtocolError);
}

TEST(WireTest, ABodyOfAnotherTypeIsRefused) {
  const std::vector<Buffer> parts = pack(net::Kind::kRelease, net::Ids{{1}});
  EXPECT_THROW(net::payload<net::Hello>(parts), SerdeError);
  std::vector<Buffer> truncated = parts;
  truncated[1] = parts[1].slice(0, parts[1].size() - 1);
  EXPECT_THROW(net::payload<net::Ids>(truncated), SerdeError);
}

TEST(ChunksTest, AnObjectIsRebuiltFromItsChunks) {
  std::vector<std::byte> bytes(10 * 1000 + 7);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = std::byte(i * 31);
  net::Object o;
  o.id = 5;
  o.found = true;
  o.chunked = {bytes.size(), 0};
  net::Assembler a;
  a.start(o);
  std::optional<net::Object> whole;
  for (std::uint64_t off = 0; off < bytes.size(); off += 1000) {
    EXPECT_FALSE(whole.has_value());
    const std::uint64_t n = std::min<std::uint64_t>(1000, bytes.size() - off);
    whole = a.add(net::ObjectChunk{5, 0, off, Buffer::copy(bytes.data() + off, n)});
  }
  ASSERT_TRUE(whole.has_value());
  ASSERT_EQ(whole->frames.size(), 2u);
  EXPECT_EQ(whole->frames[0], Buffer::copy(bytes.data(), bytes.size()));
  EXPECT_TRUE(whole->frames[1].empty());
  EXPECT_TRUE(whole->chunked.empty());
}

TEST(ChunksTest, StrayOrOutOfBoundsChunksAreRefused) {
  net::Assembler a;
  const Buffer four = Buffer::copy("abcd", 4);
  EXPECT_THROW(a.add(net::ObjectChunk{1, 0, 0, four}), net::ProtocolError);
  net::Object o;
  o.id = 1;
  o.found = true;
  o.chunked = {6};
  a.start(o);
  EXPECT_THROW(a.add(net::ObjectChunk{1, 1, 0, four}), net::ProtocolError);  // no frame 1
  EXPECT_THROW(a.add(net::ObjectChunk{1, 0, 4, four}), net::ProtocolError);  // past the end
  EXPECT_FALSE(a.add(net::ObjectChunk{1, 0, 0, four}).has_value());
  EXPECT_THROW(a.add(net::ObjectChunk{1, 0, 0, four}), net::ProtocolError);  // more than owed
  o.chunked = {std::uint64_t{1} << 50};
  EXPECT_THROW(a.start(o), net::ProtocolError);  // absurd sizes allocate nothing
}

}  // namespace
