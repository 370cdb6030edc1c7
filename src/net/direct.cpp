#include "net/direct.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "diag/log.hpp"
#include "net/security.hpp"

namespace weft::net {
namespace {

// A worker's direct socket is named after its data address (unique on the node while the
// worker lives), so clients find it without a field in the protocol.
std::string direct_name(const std::string& data_address) { return "weft-actors " + data_address; }
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr int kMaxIov = 256;
// Parts smaller than this are copied into the write queue's contiguous bytes; larger ones
// are written from where they are.
constexpr std::size_t kCopyBelow = 4096;

sockaddr_un abstract_address(const std::string& name, socklen_t& length) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (name.size() + 1 > sizeof a.sun_path) throw Error("weft: direct socket name too long");
  a.sun_path[0] = '\0';  // the abstract namespace: no file
  std::memcpy(a.sun_path + 1, name.data(), name.size());
  length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  return a;
}

// True when the process at the other end of `fd` runs as this user.
bool same_user(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  return ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == ::getuid();
}

void put_u32(std::byte* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
void put_u64(std::byte* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
std::uint64_t get_le(const std::byte* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= std::uint64_t{std::to_integer<std::uint8_t>(p[i])} << (8 * i);
  return v;
}

void ensure_sodium() {
  if (::sodium_init() < 0) throw Error("weft: libsodium could not be initialised");
}

}  // namespace

DirectListener::DirectListener(const std::string& data_address) {
  ensure_sodium();
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw Error(std::string("weft: direct socket: ") + std::strerror(errno));
  const std::string name = direct_name(data_address);
  socklen_t length = 0;
  const sockaddr_un a = abstract_address(name, length);
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&a), length) != 0 ||
      ::listen(fd_, SOMAXCONN) != 0) {
    const int e = errno;
    ::close(fd_);
    throw Error("weft: direct socket '" + name + "': " + std::strerror(e));
  }
}

DirectListener::~DirectListener() { ::close(fd_); }

int DirectListener::accept() {
  for (;;) {
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return -1;
    if (same_user(fd)) return fd;
    diag::log_warn("refused a direct connection from a process of another user");
    ::close(fd);
  }
}

DirectChannel::~DirectChannel() { ::close(fd_); }

void DirectChannel::send_parts(std::span<const Buffer> parts) {
  const std::size_t head = 4 + 8 * parts.size();
  const std::size_t at = small_.size();
  small_.resize(at + head);
  put_u32(small_.data() + at, static_cast<std::uint32_t>(parts.size()));
  for (std::size_t i = 0; i < parts.size(); ++i) {
    put_u64(small_.data() + at + 4 + 8 * i, parts[i].size());
  }
  for (const Buffer& p : parts) {
    if (p.size() < kCopyBelow) {
      small_.insert(small_.end(), p.begin(), p.end());
      continue;
    }
    if (!small_.empty()) out_.push_back(Buffer::take(std::exchange(small_, {})));
    // A borrowed part may be gone before the socket takes it: copy those.
    out_.push_back(p.owned() ? p : Buffer::copy(p.bytes()));
  }
}

bool DirectChannel::flush() {
  if (!small_.empty()) out_.push_back(Buffer::take(std::exchange(small_, {})));
  while (!out_.empty()) {
    iovec iov[kMaxIov];
    int n = 0;
    for (auto it = out_.begin(); it != out_.end() && n < kMaxIov; ++it, ++n) {
      const std::size_t skip = n == 0 ? out_offset_ : 0;
      iov[n].iov_base = const_cast<std::byte*>(it->data() + skip);
      iov[n].iov_len = it->size() - skip;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(n);
    const ssize_t sent = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    auto left = static_cast<std::size_t>(sent);
    while (left > 0) {
      const std::size_t rest = out_.front().size() - out_offset_;
      if (left < rest) {
        out_offset_ += left;
        break;
      }
      left -= rest;
      out_.pop_front();
      out_offset_ = 0;
    }
  }
  return true;
}

bool DirectChannel::read_available() {
  if (in_start_ > 0) {  // what was parsed goes; a partial message moves to the front
    in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(in_start_));
    in_start_ = 0;
  }
  for (;;) {
    const std::size_t old = in_.size();
    in_.resize(old + kReadChunk);
    const ssize_t got = ::read(fd_, in_.data() + old, kReadChunk);
    in_.resize(old + static_cast<std::size_t>(std::max<ssize_t>(got, 0)));
    if (got > 0) continue;
    if (got == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

bool DirectChannel::next(std::vector<Buffer>& parts) {
  const std::byte* p = in_.data() + in_start_;
  const std::size_t have = in_.size() - in_start_;
  if (have < 4) return false;
  const std::uint64_t count = get_le(p, 4);
  if (count == 0 || count > kMaxParts) {
    throw ProtocolError("direct link: a message of " + std::to_string(count) + " parts");
  }
  if (have < 4 + 8 * count) return false;
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t size = get_le(p + 4 + 8 * i, 8);
    if (size > kMaxMessageBytes || total + size > kMaxMessageBytes) {
      throw ProtocolError("direct link: a message over " + std::to_string(kMaxMessageBytes) +
                          " bytes");
    }
    total += size;
  }
  const std::size_t head = 4 + 8 * count;
  if (have - head < total) return false;
  // One copy of the whole message, which its parts share.
  const Buffer whole = Buffer::copy(p + head, total);
  parts.clear();
  std::size_t at = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::size_t size = get_le(p + 4 + 8 * i, 8);
    parts.push_back(whole.slice(at, size));
    at += size;
  }
  in_start_ += head + total;
  return true;
}

Challenge random_challenge() {
  ensure_sodium();
  Challenge c;
  ::randombytes_buf(c.data(), c.size());
  return c;
}

Proof prove(const std::string& role, const Challenge& first, const Challenge& second) {
  ensure_sodium();
  const std::string key = cluster_key().secret_key;
  crypto_auth_hmacsha256_state state;
  ::crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                                key.size());
  ::crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(role.data()),
                                  role.size());
  ::crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(first.data()),
                                  first.size());
  ::crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(second.data()),
                                  second.size());
  Proof out;
  ::crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

bool proofs_equal(const Proof& a, const Proof& b) noexcept {
  return ::sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool DirectServerHandshake::start(DirectChannel& channel) {
  mine_ = random_challenge();
  const Buffer part = Buffer::copy(mine_.data(), mine_.size());
  channel.send_parts({&part, 1});
  return channel.flush();
}

void DirectServerHandshake::finish(DirectChannel& channel, std::span<const Buffer> parts) {
  if (parts.size() != 2 || parts[0].size() != kChallengeBytes || parts[1].size() != kProofBytes) {
    throw ProtocolError("direct link: the client's first message is not a handshake answer");
  }
  Challenge theirs;
  std::memcpy(theirs.data(), parts[0].data(), theirs.size());
  Proof given;
  std::memcpy(given.data(), parts[1].data(), given.size());
  if (!proofs_equal(given, prove("weft-direct client", mine_, theirs))) {
    throw ProtocolError("direct link: the client does not hold the cluster key");
  }
  const Proof answer = prove("weft-direct worker", theirs, mine_);
  const Buffer part = Buffer::copy(answer.data(), answer.size());
  channel.send_parts({&part, 1});
  channel.flush();  // a broken link shows at the next read
}

namespace {

// The next message on a blocking-style wait over the non-blocking `channel`.
std::vector<Buffer> await_message(DirectChannel& channel,
                                  std::chrono::steady_clock::time_point deadline) {
  std::vector<Buffer> parts;
  for (bool open = true; !channel.next(parts);) {
    // A message that arrived whole just before the close still counts.
    if (!open) throw Error("the worker closed the connection");
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{channel.fd(), POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count()) + 1) <= 0) {
      throw Error("the worker did not answer the handshake in time");
    }
    open = channel.read_available();
  }
  return parts;
}

}  // namespace

std::unique_ptr<DirectChannel> connect_direct(const std::string& data_address,
                                              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string address = direct_name(data_address);
  socklen_t length = 0;
  const sockaddr_un a = abstract_address(address, length);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(std::string("socket: ") + std::strerror(errno));
  auto owned = std::make_unique<DirectChannel>(fd);
  DirectChannel& channel = *owned;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), length) != 0) {
    throw Error(address + ": " + std::strerror(errno));
  }
  if (!same_user(fd)) throw Error(address + " is served by a process of another user");
  if (::fcntl(fd, F_SETFL, O_NONBLOCK) != 0) throw Error(std::strerror(errno));
  std::vector<Buffer> hello = await_message(channel, deadline);
  if (hello.size() != 1 || hello[0].size() != kChallengeBytes) {
    throw Error("the worker's handshake is malformed");
  }
  Challenge theirs;
  std::memcpy(theirs.data(), hello[0].data(), theirs.size());
  const Challenge mine = random_challenge();
  const Proof proof = prove("weft-direct client", theirs, mine);
  const Buffer answer[2] = {Buffer::copy(mine.data(), mine.size()),
                            Buffer::copy(proof.data(), proof.size())};
  channel.send_parts(answer);
  while (channel.wants_write()) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 100) < 0 || !channel.flush()) throw Error("the handshake could not be sent");
  }
  std::vector<Buffer> reply = await_message(channel, deadline);
  Proof given;
  if (reply.size() != 1 || reply[0].size() != given.size()) {
    throw Error("the worker's handshake is malformed");
  }
  std::memcpy(given.data(), reply[0].data(), given.size());
  if (!proofs_equal(given, prove("weft-direct worker", mine, theirs))) {
    throw Error("the worker does not hold the cluster key");
  }
  return owned;
}

}  // namespace weft::net
