// For cli_test.sh: a peer that holds the cluster's key (so it gets past the handshake) and
// then speaks garbage to the scheduler: too few parts, another protocol version, an unknown
// kind, a body that does not decode, a client's truncated submission. Each must be refused
// (the scheduler logs it) and the scheduler must go on answering.
//   bad_peer tcp://HOST:PORT   (WEFT_KEY or WEFT_INSECURE=1 as for any member)
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "net/security.hpp"
#include "net/wire.hpp"

namespace net = weft::net;
using weft::Buffer;

namespace {

Buffer bytes(std::vector<unsigned char> b) { return Buffer::copy(b.data(), b.size()); }

// A fresh connection per message: the scheduler drops a peer once it misbehaves.
void send_from_new_peer(const std::string& address, const std::vector<Buffer>& parts) {
  zmq::socket_t s = net::make_socket(zmq::socket_type::dealer);
  s.connect(address);
  net::send_parts(s, "", parts);
  s.set(zmq::sockopt::linger, 1000);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string address = argv[1];
  net::configure_security_from_env("bad_peer");

  Buffer other_version = bytes({'w', 'f', 99, 0, 1, 0, 0, 0});
  Buffer unknown_kind = bytes({'w', 'f', 1, 0, 0xe7, 0x03, 0, 0});
  Buffer undecodable = bytes({0xc1, 0xc1, 0xc1});
  send_from_new_peer(address, {net::header(net::Kind::kHello)});
  send_from_new_peer(address, {other_version, bytes({0x90})});
  send_from_new_peer(address, {unknown_kind, bytes({0x90})});
  send_from_new_peer(address, {net::header(net::Kind::kHello), undecodable});
  {  // a client that said hello, then submits a truncated batch
    zmq::socket_t s = net::make_socket(zmq::socket_type::dealer);
    s.connect(address);
    net::Hello hello;
    hello.role = net::Role::kClient;
    hello.name = "bad_peer";
    net::send(s, "", net::Kind::kHello, hello);
    weft::serde::Message m = weft::serde::encode(net::Submit{{net::TaskSpec{}}});
    Buffer truncated = Buffer::copy(m.body.data(), m.body.size() / 2);
    net::send_parts(s, "", std::vector<Buffer>{net::header(net::Kind::kSubmit), truncated});
    s.set(zmq::sockopt::linger, 1000);
  }

  zmq::socket_t s = net::make_socket(zmq::socket_type::dealer);
  s.connect(address);
  net::send(s, "", net::Kind::kStatusQuery, net::Empty{});
  std::vector<zmq::pollitem_t> items{{s.handle(), 0, ZMQ_POLLIN, 0}};
  std::vector<Buffer> parts;
  if (net::poll(items, {}, std::chrono::seconds(10)) > 0 && net::receive(s, parts) &&
      net::kind_of(parts) == net::Kind::kStatus) {
    std::printf("the scheduler still answers\n");
    return 0;
  }
  std::printf("no answer from the scheduler after the bad messages\n");
  return 1;
}
