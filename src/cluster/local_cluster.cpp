#include "cluster/local_cluster.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include "client/cluster.hpp"
#include "diag/log.hpp"
#include "net/security.hpp"
#include "net/wire.hpp"
#include "server/scheduler_server.hpp"
#include "store/shared_memory.hpp"
#include "store/spill.hpp"
#include "weft/error.hpp"
#include "worker/worker.hpp"

extern char** environ;

namespace weft::cluster {
namespace {

std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  std::string cur;
  for (char c : all) {
    if (c == '\0') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool is_weft_variable(const char* entry) {
  return std::strncmp(entry, "WEFT_ROLE=", 10) == 0 ||
         std::strncmp(entry, "WEFT_SCHEDULER=", 15) == 0 ||
         std::strncmp(entry, "WEFT_NTHREADS=", 14) == 0 ||
         std::strncmp(entry, "WEFT_READY_FD=", 14) == 0 ||
         std::strncmp(entry, "WEFT_CLUSTER_SECRET=", 20) == 0 ||
         std::strncmp(entry, "WEFT_SCHEDULER_RECORD=", 22) == 0 ||
         std::strncmp(entry, "WEFT_DASHBOARD_PORT=", 20) == 0;
}

std::string read_line(int fd, double timeout) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  while (line.empty() || line.back() != '\n') {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return "";
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[256];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return "";  // the child exited without writing
    line.append(buf, static_cast<std::size_t>(n));
  }
  line.pop_back();
  return line;
}

const char* env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

}  // namespace

LocalCluster::LocalCluster(int workers, int threads, double timeout, Observe observe)
    : argv_(own_arguments()) {
  if (argv_.empty()) throw Error("weft: cannot read this program's arguments to start workers");
  // A key made for this cluster alone, handed to the children in their environment (which
  // only this user can read); WEFT_INSECURE=1, which they inherit, turns it off.
  std::string secret;
  const char* insecure = std::getenv("WEFT_INSECURE");
  if (insecure != nullptr && std::string(insecure) == "1") {
    net::use_no_security();
  } else {
    const net::KeyPair keys = net::generate_keys();
    net::use_cluster_key(keys);
    secret = "WEFT_CLUSTER_SECRET=" + keys.secret_key;
  }
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) throw Error("weft: pipe: " + std::string(strerror(errno)));
  try {
    pids_.push_back(spawn({"WEFT_ROLE=scheduler", "WEFT_READY_FD=" + std::to_string(ready[1]),
                           secret, observe.record ? "WEFT_SCHEDULER_RECORD=1" : "",
                           "WEFT_DASHBOARD_PORT=" + std::to_string(observe.dashboard_port)},
                          ready[1]));
  } catch (...) {
    ::close(ready[0]);
    ::close(ready[1]);
    throw;
  }
  ::close(ready[1]);
  address_ = read_line(ready[0], timeout);
  ::close(ready[0]);
  if (const std::size_t space = address_.find(' '); space != std::string::npos) {
    dashboard_url_ = address_.substr(space + 1);
    address_.resize(space);
  }
  if (address_.empty()) {
    throw Error("weft: the local scheduler did not start within " + std::to_string(timeout) + " s");
  }
  for (int i = 0; i < workers; ++i) {
    pids_.push_back(spawn({"WEFT_ROLE=worker", "WEFT_SCHEDULER=" + address_,
                           "WEFT_NTHREADS=" + std::to_string(threads), secret},
                          -1));
  }
}

LocalCluster::~LocalCluster() {
  // The client asked the scheduler to shut down, which tells the workers: give them a
  // moment to exit cleanly, then make sure.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::vector<pid_t> alive = pids_;
  while (!alive.empty() && std::chrono::steady_clock::now() < deadline) {
    for (auto it = alive.begin(); it != alive.end();) {
      if (::waitpid(*it, nullptr, WNOHANG) == *it) {
        it = alive.erase(it);
      } else {
        ++it;
      }
    }
    if (!alive.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (pid_t p : alive) {
    ::kill(p, SIGKILL);
    ::waitpid(p, nullptr, 0);
  }
  for (pid_t p : pids_) {
    store::remove_segments_of(p);
    store::remove_spill_directory(env_or("WEFT_SPILL_DIR", ""), p);
  }
}

pid_t LocalCluster::spawn(const std::vector<std::string>& extra_env, int keep_fd) {
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!is_weft_variable(*e)) env.emplace_back(*e);
  }
  for (const std::string& e : extra_env) {
    if (!e.empty()) env.push_back(e);
  }
  std::vector<char*> envp;
  for (std::string& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv_;
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) throw Error("weft: fork: " + std::string(strerror(errno)));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);  // the parent died before prctl took effect
    if (keep_fd >= 0) ::fcntl(keep_fd, F_SETFD, 0);
    ::execve("/proc/self/exe", argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

void serve_role_if_requested() {
  const char* env_role = std::getenv("WEFT_ROLE");
  if (env_role == nullptr || *env_role == '\0') return;
  // The role's own runtime (a worker's thread pool) must not serve the role again.
  const std::string role_name = env_role;
  ::unsetenv("WEFT_ROLE");
  const char* role = role_name.c_str();
  int code = 0;
  try {
    if (const char* secret = std::getenv("WEFT_CLUSTER_SECRET"); secret != nullptr) {
      net::use_cluster_key(net::keys_from_secret(secret));
      ::unsetenv("WEFT_CLUSTER_SECRET");
    } else {
      net::configure_security_from_env(std::string("weft ") + role);
    }
    if (std::strcmp(role, "scheduler") == 0) {
      server::Options o;
      o.listen = env_or("WEFT_LISTEN", "tcp://127.0.0.1:0");
      const int fd = std::atoi(env_or("WEFT_READY_FD", "-1"));
      o.record = std::strcmp(env_or("WEFT_SCHEDULER_RECORD", "0"), "1") == 0;
      o.dashboard_port = std::atoi(env_or("WEFT_DASHBOARD_PORT", "-1"));
      o.on_ready = [fd](const std::string& address, const std::string& dashboard) {
        if (fd < 0) return;
        const std::string line = address + " " + dashboard + "\n";
        [[maybe_unused]] const ssize_t n = ::write(fd, line.data(), line.size());
        ::close(fd);
      };
      code = server::run_scheduler(o);
    } else if (std::strcmp(role, "worker") == 0) {
      worker::Options o;
      o.scheduler = env_or("WEFT_SCHEDULER", "");
      o.nthreads = std::atoi(env_or("WEFT_NTHREADS", "0"));
      o.host = env_or("WEFT_WORKER_HOST", "127.0.0.1");
      o.resources = worker::parse_resources(env_or("WEFT_RESOURCES", ""));
      o.memory_limit = std::strtoull(env_or("WEFT_MEMORY_LIMIT", "0"), nullptr, 10);
      o.spill_dir = env_or("WEFT_SPILL_DIR", "");
      code = worker::run_worker(o);
      detail::reset_worker_client();
    } else {
      diag::log_error("unknown WEFT_ROLE '%s' (expected scheduler or worker)", role);
      code = 2;
    }
  } catch (const std::exception& e) {
    diag::log_error("%s", e.what());
    code = 1;
  }
  // Sockets are closed by now; terminating the context sends what they still hold (up to
  // their linger time).
  net::stop_authentication();
  net::context().close();
  diag::flush_logs();  // _Exit runs no atexit handler
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);
}

}  // namespace weft::cluster
