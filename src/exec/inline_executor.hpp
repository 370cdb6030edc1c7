// InlineExecutor: the inline runtime. Every task runs at once, in the submitting thread.
//
// For debugging: a debugger or a sanitizer sees a plain call stack, and results come in
// program order. Since a task runs when submitted, its dependencies (submitted earlier)
// are always complete, so waits never block and cancellation finds nothing to cancel.
#pragma once

#include <string>

#include "weft/detail/backend.hpp"

namespace weft::exec {

class InlineExecutor final : public detail::Backend {
 public:
  void schedule(detail::TaskState* task) noexcept override {
    task->run();
    task->release();
  }
  void wait(detail::TaskState&) noexcept override {}
  bool help_one() noexcept override { return false; }
  int concurrency() const noexcept override { return 1; }
  std::string worker_name() const override { return "inline"; }
};

}  // namespace weft::exec
