// Drives the scheduler state machine one event at a time in tests.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "sched/scheduler.hpp"

namespace weft::sched::testing {

using Actions = std::vector<Action>;

// Feeds one event, checks the scheduler's invariants after it, returns the actions.
struct Harness {
  Scheduler s;
  explicit Harness(Config config = {}) : s(config) {}
  Actions operator()(const Event& e) {
    Actions out;
    s.handle(e, out);
    EXPECT_EQ(s.check_invariants(), "") << "after " << to_string(e);
    return out;
  }
};

}  // namespace weft::sched::testing
