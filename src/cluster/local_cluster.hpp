// LocalCluster: the processes runtime's scheduler and workers, started from this program's
// own binary (/proc/self/exe, same arguments) with WEFT_ROLE set, so every worker has the
// program's registered functions. weft::init() in the child sees WEFT_ROLE and serves the
// role instead of returning (serve_role_if_requested).
//
// No process outlives the program: each child is started with PR_SET_PDEATHSIG(SIGKILL),
// so the kernel kills it when the program dies (even by SIGKILL), and the destructor asks
// them to exit, then kills what is left.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace weft::cluster {

// What a local cluster's scheduler records and serves (weft/observe.hpp).
struct Observe {
  bool record = false;
  int dashboard_port = -1;  // 0: a free port; -1: no dashboard
};

class LocalCluster {
 public:
  // Starts a scheduler on a free loopback port and `workers` workers of `threads` threads
  // each. Returns once the scheduler listens (workers join in the background). Throws
  // Error when a process cannot be started or the scheduler does not come up in `timeout`.
  LocalCluster(int workers, int threads, double timeout = 10, Observe observe = {});
  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  const std::string& address() const { return address_; }
  // The scheduler's dashboard, "" without one.
  const std::string& dashboard_url() const { return dashboard_url_; }

 private:
  pid_t spawn(const std::vector<std::string>& extra_env, int keep_fd);

  std::vector<std::string> argv_;
  std::vector<pid_t> pids_;
  std::string address_;
  std::string dashboard_url_;
};

// When WEFT_ROLE names a role (scheduler or worker; set by LocalCluster, or by hand to
// start a worker from a program's binary: WEFT_ROLE=worker WEFT_SCHEDULER=tcp://... ./app),
// serves it and exits the process. Returns at once otherwise.
void serve_role_if_requested();

}  // namespace weft::cluster
