// The scheduler process's server, split by job over scheduler_server.cpp (the loop and the
// messages), server_peers.cpp (peers joining, leaving and misbehaving; status) and
// server_actions.cpp (submissions, the state machine's actions, batches out). See
// scheduler_server.hpp for what it does. Everything runs on the server's one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "diag/log.hpp"
#include "diag/task_error_log.hpp"
#include "net/wire.hpp"
#include "sched/scheduler.hpp"
#include "server/observer.hpp"
#include "server/scheduler_server.hpp"

namespace weft::server {

using Clock = std::chrono::steady_clock;

// sched::TaskFailed carries an error as a string; a worker's structured error travels in it
// encoded, behind this marker, so that errors made by the state machine itself (plain text)
// stay distinguishable.
std::string encode_error(const net::RemoteError& e);

class Server {
 public:
  explicit Server(const Options& o)
      : options_(o),
        socket_(net::make_socket(zmq::socket_type::router)),
        monitor_(net::make_socket(zmq::socket_type::pair)),
        sched_(sched::Config{.pipeline_seconds = 0.002, .report_forgotten = true}) {}

  int run(const std::atomic<bool>* stop);

 private:
  struct Peer {
    net::Role role = net::Role::kObserver;
    std::uint32_t id = 0;
    Clock::time_point last_seen;
    net::WorkerInfo info;  // workers
    int fd = -1;           // its connection, as the monitor names it
    // Clients: the tasks and objects they registered and have not released, released for
    // them when they leave (goodbye or a closed connection), so nothing is orphaned.
    std::unordered_set<std::uint64_t> held;
  };
  // A task's call until it is forgotten, and its function's name number (observer_).
  struct Task {
    net::Call call;
    diag::NameId name = 0;
  };
  struct Batches {
    net::Run run;
    net::Ids cancel, free, steal, cancelled;
    net::Done done;
    net::Erred erred;
  };

  void on_message(const std::string& from, int fd, std::vector<Buffer>& parts);
  void on_hello(const std::string& from, int fd, const net::Hello& h);
  void on_disconnected(int fd);
  void on_refused(const char* why);
  void on_submit(Peer& client, net::Submit& s);
  void remove_worker(const std::string& route);
  void remove_client(const std::string& route);
  void drop_peer(const std::string& route, const std::string& why);
  void handle(const sched::Event& e);
  void apply_actions();
  net::RemoteError error_of(const sched::TaskErred& e) const;
  void flush();
  net::Status status() const;
  // The name number of a task's function, for the observer.
  auto name_of() const {
    return [this](std::uint64_t id) {
      auto it = calls_.find(id);
      return it == calls_.end() ? diag::NameId{0} : it->second.name;
    };
  }
  template <class T>
  void send_to(const std::string& route, net::Kind kind, const T& value) {
    net::send(socket_, route, kind, value);
  }

  Options options_;
  zmq::socket_t socket_;
  // Reports the ROUTER's closed connections: a worker killed outright (its kernel closes
  // the connection) is lost at once instead of after the heartbeat timeout.
  zmq::socket_t monitor_;
  std::unordered_map<int, std::string> peer_fds_;  // connection -> routing id
  std::uint64_t refused_ = 0;
  Clock::time_point next_refusal_log_;
  std::string address_;
  sched::Scheduler sched_;
  std::vector<sched::Action> actions_;
  bool stopping_ = false;

  std::unordered_map<std::string, Peer> peers_;             // by routing id
  std::map<std::uint32_t, std::string> workers_, clients_;  // id -> routing id
  std::uint32_t next_worker_ = 1;
  std::uint32_t next_client_ = 1;
  std::unordered_map<std::uint64_t, Task> calls_;  // until the task is forgotten
  std::unique_ptr<Observer> observer_;             // when recording
  std::map<std::string, Batches> out_;             // by routing id
  std::unordered_map<std::string, net::NamedActor> actor_names_;
  // Every worker that ever joined, for errors that name workers which have since died.
  std::unordered_map<std::uint32_t, std::string> worker_names_;
  std::unordered_set<std::string> lost_workers_;  // routes of workers timed out
  diag::TaskErrorLog task_errors_;
};

}  // namespace weft::server
