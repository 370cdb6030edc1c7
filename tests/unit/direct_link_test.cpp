// The direct same-node link (net/direct.hpp): framing round-trips, malformed or truncated
// input is refused without a crash, and the handshake admits only holders of the cluster key.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <thread>
#include <vector>

#include "net/direct.hpp"
#include "net/security.hpp"

namespace {

using namespace weft;
using namespace std::chrono_literals;

struct Pair {
  std::unique_ptr<net::DirectChannel> a, b;
  Pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    a = std::make_unique<net::DirectChannel>(fds[0]);
    b = std::make_unique<net::DirectChannel>(fds[1]);
  }
};

// Pumps both ends until `to` has a whole message (or gives up after a second).
bool receive(net::DirectChannel& from, net::DirectChannel& to, std::vector<Buffer>& parts) {
  for (int i = 0; i < 10000; ++i) {
    from.flush();
    to.read_available();
    if (to.next(parts)) return true;
    std::this_thread::sleep_for(100us);
  }
  return false;
}

void write_raw(int fd, const std::vector<std::uint8_t>& bytes) {
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
}

TEST(DirectLinkTest, MessagesRoundTripInOrder) {
  Pair p;
  std::vector<std::byte> big(3 << 20);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::byte>(i * 7);
  const std::vector<Buffer> first{Buffer::copy("head", 4), Buffer{}, Buffer::take(std::move(big))};
  const std::vector<Buffer> second{Buffer::copy("x", 1)};
  p.a->send_parts(first);  // more than the socket takes at once: written in turns
  p.a->send_parts(second);
  std::vector<Buffer> got;
  ASSERT_TRUE(receive(*p.a, *p.b, got));
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(got[i] == first[i]) << "part " << i;
  ASSERT_TRUE(receive(*p.a, *p.b, got));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0] == second[0]);
  EXPECT_FALSE(p.a->wants_write());
}

TEST(DirectLinkTest, WeftMessagesKeepTheirKind) {
  Pair p;
  p.a->send(net::Kind::kActorKill, net::Ids{{7, 8}});
  std::vector<Buffer> got;
  ASSERT_TRUE(receive(*p.a, *p.b, got));
  ASSERT_EQ(net::kind_of(got), net::Kind::kActorKill);
  EXPECT_EQ(net::payload<net::Ids>(got).ids, (std::vector<std::uint64_t>{7, 8}));
}

TEST(DirectLinkTest, MalformedFramesAreRefused) {
  {
    Pair p;  // no parts
    write_raw(p.a->fd(), {0, 0, 0, 0});
    p.b->read_available();
    std::vector<Buffer> got;
    EXPECT_THROW(p.b->next(got), net::ProtocolError);
  }
  {
    Pair p;  // too many parts
    write_raw(p.a->fd(), {0xff, 0xff, 0xff, 0x7f});
    p.b->read_available();
    std::vector<Buffer> got;
    EXPECT_THROW(p.b->next(got), net::ProtocolError);
  }
  {
    Pair p;  // a part larger than any message may be: refused before its bytes arrive
    write_raw(p.a->fd(), {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80});
    p.b->read_available();
    std::vector<Buffer> got;
    EXPECT_THROW(p.b->next(got), net::ProtocolError);
  }
}

TEST(DirectLinkTest, ATruncatedMessageIsNeverDelivered) {
  Pair p;
  write_raw(p.a->fd(), {1, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 'a', 'b'});
  std::vector<Buffer> got;
  EXPECT_TRUE(p.b->read_available());
  EXPECT_FALSE(p.b->next(got));
  p.a.reset();  // the writer goes away mid-message
  EXPECT_FALSE(p.b->read_available());
  EXPECT_FALSE(p.b->next(got));
}

TEST(DirectLinkTest, ProofsDependOnTheKeyAndTheRole) {
  net::use_cluster_key(net::generate_keys());
  const net::Challenge x = net::random_challenge();
  const net::Challenge y = net::random_challenge();
  const net::Proof p = net::prove("client", x, y);
  EXPECT_TRUE(net::proofs_equal(p, net::prove("client", x, y)));
  EXPECT_FALSE(net::proofs_equal(p, net::prove("worker", x, y)));
  EXPECT_FALSE(net::proofs_equal(p, net::prove("client", y, x)));
  net::use_cluster_key(net::generate_keys());
  EXPECT_FALSE(net::proofs_equal(p, net::prove("client", x, y)));
}

// A worker's side of the handshake, as Worker runs it, on a thread: it reports whether the
// client proved the key.
class Server {
 public:
  explicit Server(const std::string& address) : listener_(address) {
    thread_ = std::thread([this] { admitted_ = serve(); });
  }
  ~Server() {
    if (thread_.joinable()) thread_.join();
  }
  bool admitted() {
    thread_.join();
    return admitted_;
  }

 private:
  bool serve() {
    pollfd l{listener_.fd(), POLLIN, 0};
    if (::poll(&l, 1, 2000) != 1) return false;
    net::DirectChannel channel(listener_.accept());
    net::DirectServerHandshake handshake;
    if (!handshake.start(channel)) return false;
    std::vector<Buffer> parts;
    for (int i = 0; i < 2000 && !channel.next(parts); ++i) {
      pollfd p{channel.fd(), POLLIN, 0};
      ::poll(&p, 1, 1);
      channel.read_available();
    }
    try {
      handshake.finish(channel, parts);
    } catch (const net::ProtocolError&) {
      return false;
    }
    return true;
  }
  net::DirectListener listener_;
  std::thread thread_;
  bool admitted_ = false;
};

// Names are per test: ctest runs this binary's tests as parallel processes.
TEST(DirectLinkTest, AClientWithTheKeyIsAdmitted) {
  net::use_cluster_key(net::generate_keys());
  Server server("tcp://test-admitted:1");
  auto channel = net::connect_direct("tcp://test-admitted:1", 2000ms);
  EXPECT_NE(channel, nullptr);
  EXPECT_TRUE(server.admitted());
}

TEST(DirectLinkTest, AClientWithoutTheKeyIsRefused) {
  net::use_cluster_key(net::generate_keys());
  Server server("tcp://test-refused:1");
  // A stranger's answer: the right shape, a proof under no key of theirs.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  const std::string name = "weft-actors tcp://test-refused:1";
  std::memcpy(a.sun_path + 1, name.data(), name.size());
  ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&a),
                      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())),
            0);
  net::DirectChannel stranger(fd);
  std::vector<std::byte> forged(net::kChallengeBytes + net::kProofBytes, std::byte{1});
  const Buffer answer[2] = {Buffer::copy(forged.data(), net::kChallengeBytes),
                            Buffer::copy(forged.data(), net::kProofBytes)};
  stranger.send_parts(answer);
  ASSERT_TRUE(stranger.flush());
  EXPECT_FALSE(server.admitted());
}

TEST(DirectLinkTest, NoWorkerThereIsAnError) {
  net::use_cluster_key(net::generate_keys());
  EXPECT_THROW(net::connect_direct("tcp://nobody-listens:1", 200ms), Error);
}

TEST(DirectLinkTest, AnImpostorWorkerIsRefused) {
  net::use_cluster_key(net::generate_keys());
  net::DirectListener listener("tcp://test-impostor:1");
  std::thread impostor([&] {  // challenges the client, then answers with no proof of the key
    pollfd l{listener.fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&l, 1, 2000), 1);
    net::DirectChannel channel(listener.accept());
    const net::Challenge c = net::random_challenge();
    const Buffer challenge = Buffer::copy(c.data(), c.size());
    channel.send_parts({&challenge, 1});
    ASSERT_TRUE(channel.flush());
    std::vector<Buffer> parts;
    for (int i = 0; i < 2000 && !channel.next(parts); ++i) {
      pollfd p{channel.fd(), POLLIN, 0};
      ::poll(&p, 1, 1);
      channel.read_available();
    }
    const std::vector<std::byte> junk(net::kProofBytes, std::byte{3});
    const Buffer forged = Buffer::copy(junk.data(), junk.size());
    channel.send_parts({&forged, 1});
    channel.flush();
    std::this_thread::sleep_for(100ms);  // until the client has read it
  });
  EXPECT_THROW(net::connect_direct("tcp://test-impostor:1", 2000ms), Error);
  impostor.join();
}

}  // namespace
