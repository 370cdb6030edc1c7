// Printing of the scheduler's events and actions.
#include "sched/types.hpp"

#include <ostream>
#include <sstream>

namespace weft::sched {
namespace {

template <class T>
void print_list(std::ostream& os, const T& items) {
  os << '{';
  for (std::size_t i = 0; i < items.size(); ++i) os << (i ? "," : "") << items[i];
  os << '}';
}

void print(std::ostream& os, const Resources& r) {
  os << "cpus=" << r.cpus;
  if (r.memory != 0) os << " memory=" << r.memory;
  for (const auto& [name, qty] : r.custom) os << ' ' << name << '=' << qty;
}

struct EventPrinter {
  std::ostream& os;
  void operator()(const ClientSubmit& e) const {
    os << "ClientSubmit{task=" << e.task << " deps=";
    print_list(os, e.deps);
    os << " prefix=" << e.prefix << ' ';
    print(os, e.resources);
    if (e.duration_hint > 0) os << " hint=" << e.duration_hint;
    if (e.retries != 0) os << " retries=" << e.retries;
    if (e.priority != 0) os << " priority=" << e.priority;
    if (!e.wanted) os << " unwanted";
    os << '}';
  }
  void operator()(const ClientRelease& e) const { os << "ClientRelease{task=" << e.task << '}'; }
  void operator()(const ClientCancel& e) const { os << "ClientCancel{task=" << e.task << '}'; }
  void operator()(const WorkerJoined& e) const {
    os << "WorkerJoined{worker=" << e.worker << " nthreads=" << e.nthreads << ' ';
    print(os, e.resources);
    os << " memory_limit=" << e.memory_limit << '}';
  }
  void operator()(const WorkerLeft& e) const { os << "WorkerLeft{worker=" << e.worker << '}'; }
  void operator()(const TaskFinished& e) const {
    os << "TaskFinished{task=" << e.task << " worker=" << e.worker << " nbytes=" << e.nbytes
       << " duration=" << e.duration << '}';
  }
  void operator()(const TaskFailed& e) const {
    os << "TaskFailed{task=" << e.task << " worker=" << e.worker << " error=" << e.error << '}';
  }
  void operator()(const ObjectReplicated& e) const {
    os << "ObjectReplicated{object=" << e.object << " worker=" << e.worker << '}';
  }
  void operator()(const ObjectDropped& e) const {
    os << "ObjectDropped{object=" << e.object << " worker=" << e.worker << '}';
  }
  void operator()(const StealConfirmed& e) const {
    os << "StealConfirmed{task=" << e.task << " victim=" << e.victim << '}';
  }
  void operator()(const StealRejected& e) const {
    os << "StealRejected{task=" << e.task << " victim=" << e.victim << '}';
  }
  void operator()(const ClientPut& e) const {
    os << "ClientPut{object=" << e.object << " worker=" << e.worker << " nbytes=" << e.nbytes
       << '}';
  }
  void operator()(const Tick& e) const { os << "Tick{now=" << e.now << '}'; }
};

}  // namespace

const char* to_string(TaskState state) {
  switch (state) {
    case TaskState::kWaiting:
      return "waiting";
    case TaskState::kQueued:
      return "queued";
    case TaskState::kProcessing:
      return "processing";
    case TaskState::kMemory:
      return "memory";
    case TaskState::kReleased:
      return "released";
    case TaskState::kErred:
      return "erred";
    case TaskState::kCancelled:
      return "cancelled";
    case TaskState::kForgotten:
      return "forgotten";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, const RunTask& a) {
  os << "RunTask{task=" << a.task << " worker=" << a.worker << " deps=[";
  for (std::size_t i = 0; i < a.deps.size(); ++i) {
    const DepLocation& d = a.deps[i];
    os << (i ? " " : "") << d.object << ':' << d.nbytes << '@';
    print_list(os, d.holders);
  }
  return os << "]}";
}
std::ostream& operator<<(std::ostream& os, const CancelOnWorker& a) {
  return os << "CancelOnWorker{task=" << a.task << " worker=" << a.worker << '}';
}
std::ostream& operator<<(std::ostream& os, const FreeObject& a) {
  return os << "FreeObject{object=" << a.object << " worker=" << a.worker << '}';
}
std::ostream& operator<<(std::ostream& os, const StealRequest& a) {
  return os << "StealRequest{task=" << a.task << " victim=" << a.victim << " thief=" << a.thief
            << '}';
}
std::ostream& operator<<(std::ostream& os, const TaskDone& a) {
  return os << "TaskDone{task=" << a.task << " worker=" << a.worker << " nbytes=" << a.nbytes
            << '}';
}
std::ostream& operator<<(std::ostream& os, const TaskErred& a) {
  os << "TaskErred{task=" << a.task << " origin=" << a.origin << " error=" << a.error;
  for (WorkerId w : a.died_on) os << " died_on=" << w;
  return os << '}';
}
std::ostream& operator<<(std::ostream& os, const TaskCancelled& a) {
  return os << "TaskCancelled{task=" << a.task << '}';
}
std::ostream& operator<<(std::ostream& os, const TaskForgotten& a) {
  return os << "TaskForgotten{task=" << a.task << '}';
}
std::ostream& operator<<(std::ostream& os, const Action& a) {
  std::visit([&](const auto& x) { os << x; }, a);
  return os;
}

std::string to_string(const Action& action) {
  std::ostringstream os;
  os << action;
  return os.str();
}

std::string to_string(const Event& event) {
  std::ostringstream os;
  std::visit(EventPrinter{os}, event);
  return os.str();
}

}  // namespace weft::sched
