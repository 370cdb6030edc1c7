#include "net/security.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "diag/log.hpp"
#include "net/wire.hpp"
#include "weft/error.hpp"

namespace weft::net {
namespace {

constexpr std::size_t kZ85KeyChars = 40;

enum class Mode { kUnset, kInsecure, kCurve };

struct State {
  std::mutex mu;
  Mode mode = Mode::kUnset;
  KeyPair keys;
};

State& state() {
  static State s;
  return s;
}

// The current cluster's public key as 32 raw bytes, as ZAP requests carry it.
std::string allowed_key() {
  std::lock_guard<std::mutex> lock(state().mu);
  std::array<std::uint8_t, 32> raw{};
  if (state().mode != Mode::kCurve ||
      zmq_z85_decode(raw.data(), state().keys.public_key.c_str()) == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(raw.data()), raw.size());
}

// Answers ZeroMQ's authentication requests (ZAP, RFC 27) for this process's CURVE servers:
// a peer is admitted when the long-term public key it proved to hold is the cluster's.
class ZapHandler {
 public:
  ZapHandler() : socket_(context(), zmq::socket_type::rep), wake_(::eventfd(0, EFD_CLOEXEC)) {
    socket_.set(zmq::sockopt::linger, 0);
    // Bound before any CURVE server exists: with no handler bound, ZeroMQ admits everyone.
    socket_.bind("inproc://zeromq.zap.01");
    thread_ = std::thread([this] { run(); });
  }
  ~ZapHandler() { stop(); }
  void stop() {
    if (!thread_.joinable()) return;
    stop_.store(true);
    ::eventfd_write(wake_, 1);
    thread_.join();
    socket_.close();
    ::close(wake_);
  }
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

 private:
  void run() {
    // Signals are for the program's own threads (the CLI waits for SIGTERM in one).
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    while (!stop_.load()) {
      std::vector<zmq::pollitem_t> items{{socket_.handle(), 0, ZMQ_POLLIN, 0},
                                         {nullptr, wake_, ZMQ_POLLIN, 0}};
      try {
        if (zmq::poll(items, std::chrono::milliseconds(-1)) <= 0 ||
            (items[0].revents & ZMQ_POLLIN) == 0) {
          continue;
        }
        std::vector<zmq::message_t> request;
        do {
          request.emplace_back();
          if (!socket_.recv(request.back())) break;
        } while (request.back().more());
        answer(request);
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) diag::log_error("authentication handler: %s", e.what());
      }
    }
  }

  // Request: version, id, domain, address, routing id, mechanism, credentials...
  void answer(const std::vector<zmq::message_t>& r) {
    const bool well_formed = r.size() >= 6;
    const std::string id = r.size() > 1 ? r[1].to_string() : "";
    const std::string address = r.size() > 3 ? r[3].to_string() : "?";
    const bool admitted = well_formed && r[5].to_string() == "CURVE" && r.size() >= 7 &&
                          r[6].to_string() == allowed_key();
    if (!admitted) {
      diag::log_warn("refused a connection from %s: it does not hold this cluster's key",
                     address.c_str());
    }
    const std::string code = admitted ? "200" : "400";
    const std::string text = admitted ? "OK" : "not this cluster's key";
    socket_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(id), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(code), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(text), zmq::send_flags::sndmore);
    socket_.send(zmq::str_buffer(""), zmq::send_flags::sndmore);
    socket_.send(zmq::str_buffer(""), zmq::send_flags::none);
  }

  zmq::socket_t socket_;
  int wake_;  // written by stop()
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Made after the context, so destroyed before it: the context's end waits for every socket.
ZapHandler& zap_handler() {
  context();
  static ZapHandler handler;
  return handler;
}

bool valid_z85_key(const std::string& k) {
  std::array<std::uint8_t, 32> raw{};
  return k.size() == kZ85KeyChars && zmq_z85_decode(raw.data(), k.c_str()) != nullptr;
}

}  // namespace

KeyPair generate_keys() {
  std::array<char, kZ85KeyChars + 1> pub{}, sec{};
  if (zmq_curve_keypair(pub.data(), sec.data()) != 0) {
    throw ConfigError(std::string("weft: cannot make a CURVE key pair: ") +
                      zmq_strerror(zmq_errno()));
  }
  return KeyPair{pub.data(), sec.data()};
}

void write_key_file(const std::string& path, const KeyPair& keys) {
  const std::string text =
      "# weft cluster key. Anyone holding this file can join the cluster: keep it secret.\n"
      "public-key = " +
      keys.public_key + "\nsecret-key = " + keys.secret_key + "\n";
  const mode_t old = ::umask(077);
  std::FILE* f = std::fopen(path.c_str(), "w");
  ::umask(old);
  if (f == nullptr) throw ConfigError("weft: cannot write the key file '" + path + "'");
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok || ::chmod(path.c_str(), 0600) != 0) {
    throw ConfigError("weft: cannot write the key file '" + path + "'");
  }
}

KeyPair read_key_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw ConfigError("weft: the key file '" + path +
                      "' does not exist (make one with `weft keygen`)");
  }
  if ((st.st_mode & 077) != 0) {
    throw ConfigError("weft: the key file '" + path +
                      "' is readable by other users; a cluster key must be secret (chmod 600)");
  }
  std::ifstream in(path);
  if (!in) throw ConfigError("weft: cannot read the key file '" + path + "'");
  KeyPair keys;
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find(" = ");
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    const std::string name = line.substr(0, eq), value = line.substr(eq + 3);
    if (name == "public-key") keys.public_key = value;
    if (name == "secret-key") keys.secret_key = value;
  }
  std::array<char, kZ85KeyChars + 1> derived{};
  if (!valid_z85_key(keys.public_key) || !valid_z85_key(keys.secret_key) ||
      zmq_curve_public(derived.data(), keys.secret_key.c_str()) != 0 ||
      keys.public_key != derived.data()) {
    throw ConfigError("weft: '" + path +
                      "' is not a weft key file (expected the public-key and secret-key lines "
                      "that `weft keygen` writes)");
  }
  return keys;
}

void use_cluster_key(const KeyPair& keys) {
  std::lock_guard<std::mutex> lock(state().mu);
  zap_handler();
  state().keys = keys;
  state().mode = Mode::kCurve;
}

KeyPair keys_from_secret(const std::string& secret) {
  std::array<char, kZ85KeyChars + 1> pub{};
  if (!valid_z85_key(secret) || zmq_curve_public(pub.data(), secret.c_str()) != 0) {
    throw ConfigError("weft: the cluster secret key given is not a CURVE key");
  }
  return KeyPair{pub.data(), secret};
}

void stop_authentication() {
  std::lock_guard<std::mutex> lock(state().mu);
  if (state().mode == Mode::kCurve) zap_handler().stop();
}

void use_no_security() {
  std::lock_guard<std::mutex> lock(state().mu);
  state().mode = Mode::kInsecure;
  state().keys = {};
}

bool security_configured() {
  std::lock_guard<std::mutex> lock(state().mu);
  return state().mode != Mode::kUnset;
}

KeyPair cluster_key() {
  std::lock_guard<std::mutex> lock(state().mu);
  return state().keys;
}

void configure_security_from_env(const std::string& who) {
  const char* insecure = std::getenv("WEFT_INSECURE");
  const char* key = std::getenv("WEFT_KEY");
  if (insecure != nullptr && std::string(insecure) == "1") return use_no_security();
  if (key != nullptr && *key != '\0') return use_cluster_key(read_key_file(key));
  throw ConfigError(who +
                    ": no cluster key. Links are authenticated and encrypted: make a key with "
                    "`weft keygen --out FILE` and give every member WEFT_KEY=FILE (or --key "
                    "FILE), or, on a trusted network only, WEFT_INSECURE=1 (or --insecure)");
}

void secure(zmq::socket_t& socket, zmq::socket_type type) {
  std::lock_guard<std::mutex> lock(state().mu);
  if (state().mode == Mode::kUnset) {
    throw ConfigError("weft: a socket was made before the cluster key was configured");
  }
  if (state().mode != Mode::kCurve) return;
  const KeyPair& k = state().keys;
  if (type == zmq::socket_type::router) {
    socket.set(zmq::sockopt::curve_server, true);
    socket.set(zmq::sockopt::curve_secretkey, k.secret_key);
  } else if (type == zmq::socket_type::dealer) {
    socket.set(zmq::sockopt::curve_serverkey, k.public_key);
    socket.set(zmq::sockopt::curve_publickey, k.public_key);
    socket.set(zmq::sockopt::curve_secretkey, k.secret_key);
  }
}

}  // namespace weft::net
