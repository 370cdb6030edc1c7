// What weft/observe.hpp's functions reach in the running runtime (runtime.cpp keeps it).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "diag/local_observer.hpp"

namespace weft::detail {

struct Observed {
  std::unique_ptr<diag::LocalObserver> local;  // the threads runtime's, when recording
  std::string scheduler;                       // a cluster's address, where it records
  std::string dashboard_url;
};

// Makes init() ignore WEFT_DASHBOARD and WEFT_RECORD from now on in this process: a worker
// process's own pool must neither record nor serve (its scheduler does), though it inherits
// the program's environment.
void ignore_observe_env() noexcept;

// Runs `f` on the current runtime's Observed under the runtime lock, after starting the
// default runtime if none runs. `f` must be quick: init() and shutdown() wait for it.
void with_observed(const std::function<void(Observed&)>& f);

}  // namespace weft::detail
