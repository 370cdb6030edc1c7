#include "weft/detail/task_state.hpp"

#include <bit>

#include "weft/detail/backend.hpp"
#include "weft/detail/remote_submit.hpp"
#include "weft/error.hpp"
#include "weft/ref.hpp"

namespace weft::detail {
namespace {
// Marks a waiter list as closed: the state completed and fired its waiters.
Waiter* closed_list() noexcept { return std::bit_cast<Waiter*>(std::uintptr_t{1}); }
std::atomic<std::uint64_t> g_next_id{1};
}  // namespace

std::uint64_t TaskState::next_id() noexcept {
  return g_next_id.fetch_add(1, std::memory_order_relaxed);
}

bool TaskState::add_waiter(Waiter* w) noexcept {
  Waiter* head = waiters_.load(std::memory_order_acquire);
  do {
    if (head == closed_list()) return false;
    w->next = head;
  } while (!waiters_.compare_exchange_weak(head, w, std::memory_order_release,
                                           std::memory_order_acquire));
  return true;
}

void TaskState::finish(Status s) noexcept {
  // No retain here: every caller holds a reference across the call (the executor's while it
  // runs the task, the Ref's in cancel and put), so waiters cannot free this state.
  status_.store(s, std::memory_order_release);
  Waiter* w = waiters_.exchange(closed_list(), std::memory_order_acq_rel);
  while (w != nullptr) {
    Waiter* next = w->next;  // read first: w may be gone once on_complete returns
    w->on_complete(*this);
    w = next;
  }
}

void TaskState::wait() noexcept {
  if (!done()) backend().wait(*this);
}

bool cancel(TaskState& s) {
  if (!s.try_claim()) return false;
  s.complete_cancelled(std::make_exception_ptr(CancelledError(s.name())));
  if (RemoteObject* r = s.remote_object(); r != nullptr && r->cluster_id() != 0) {
    cancel_remote(*r);
  }
  return true;
}

void await(TaskState& s) {
  s.wait();
  if (s.status() != Status::kDone) std::rethrow_exception(s.error());
}

}  // namespace weft::detail
