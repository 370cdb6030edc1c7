// sched_sim_bench: the distributed scheduler's state machine driven by the simulator at
// cluster scale (10,000 virtual workers, 10 million tasks by default), in three graph shapes:
//   fanout  groups of one root -> `width` tasks -> one sink that reads them all
//   chains  independent linear chains of `chain` tasks
//   tree    binary tree reductions of `leaves` leaves each
// Graphs are submitted whole, in depth-first order, then run to the end; the client wants
// only the sinks, chain ends and tree roots, and releases each as soon as it is done.
//
// Printed per shape:
//   placements/s  scheduling decisions (RunTask actions) per second, of wall time, of CPU
//                 time (the machine may be shared) and of user CPU time (see cpu_seconds);
//                 scheduler and simulator together
//   actions/s     every action emitted (RunTask, FreeObject, TaskDone, steals...) per second
//   in the scheduler alone  the same rates over the time inside Scheduler::handle, read
//                 from the TSC around each event (two reads an event, ~4-6% of the whole
//                 process: --no-timing leaves them out, for the whole-process rates)
//   memory/task   peak RSS growth (VmHWM) over the run; heap in use once every task is
//                 submitted (mallinfo2); the scheduler's own estimate of its containers
// Each shape runs in its own child process, so the memory figures do not mix.
//
// Usage: sched_sim_bench [--tasks N] [--workers N] [--threads N] [--shape all|fanout|chains|tree]
//                        [--width N] [--chain N] [--leaves N] [--no-fork] [--no-timing]
// CI runs a tiny version, e.g. --tasks 20000 --workers 100.
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "sched/scheduler.hpp"
#include "sched/sim.hpp"

namespace {

using namespace weft::sched;
using Clock = std::chrono::steady_clock;

struct Options {
  std::uint64_t tasks = 10'000'000;
  std::uint32_t workers = 10'000;
  std::uint32_t threads = 4;
  std::string shape = "all";
  std::uint64_t width = 10'000;
  std::uint64_t chain = 100;
  std::uint64_t leaves = 1024;
  bool fork = true;
  bool time_scheduler = true;
};

// VmHWM (peak resident set) in bytes.
std::uint64_t peak_rss() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  }
  return 0;
}

// Resets VmHWM to the current RSS (Linux >= 4.0).
void reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}

// CPU seconds of this process, in user and kernel mode: the machine may be shared, so
// rates are also given per CPU second, which other processes barely disturb. The kernel's
// share is almost all the zeroing of fresh pages for the records, whose cost on this VM
// swings with the host (first touches of guest memory fault on the host too), so user
// seconds are the steadier figure for comparing two builds.
struct Cpu {
  double user = 0;
  double sys = 0;
};
Cpu cpu_seconds() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return Cpu{seconds(r.ru_utime), seconds(r.ru_stime)};
}

std::uint64_t heap_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}

// Durations of 1 to 10 ms, fixed per task. Outputs of 10 to 110 kB, except in fanout,
// where the root is a 1 MB input every task reads and the wide layer's outputs are 1 kB
// partial results (else the sink would spend its time fetching 10,000 large inputs).
SimTask model(TaskId t, bool small_outputs) {
  const std::uint64_t h = mix(t);
  const std::uint64_t nbytes = small_outputs ? 1'000 : 10'000 + (h >> 20) % 100'000;
  return SimTask{0.001 + static_cast<double>(h % 9000) / 1e6, nbytes};
}

// Submits the graph of `shape` with about `n` tasks; returns how many results are wanted.
std::uint64_t submit_graph(const Options& o, Simulator& sim, std::uint64_t& submitted) {
  ClientSubmit e;
  TaskId next = 0;
  std::uint64_t wanted = 0;
  auto submit = [&](const char* prefix, bool want) {
    e.task = next++;
    e.prefix = prefix;
    e.wanted = want;
    wanted += want ? 1 : 0;
    sim.submit(e);
    e.deps.clear();
    return e.task;
  };
  if (o.shape == "fanout") {
    const std::uint64_t groups = std::max<std::uint64_t>(1, o.tasks / (o.width + 2));
    std::vector<TaskId> mids;
    for (std::uint64_t g = 0; g < groups; ++g) {
      const TaskId root = submit("load", false);
      mids.clear();
      for (std::uint64_t i = 0; i < o.width; ++i) {
        e.deps.push_back(root);
        mids.push_back(submit("map", false));
      }
      e.deps = mids;
      submit("combine", true);
    }
  } else if (o.shape == "chains") {
    const std::uint64_t chains = std::max<std::uint64_t>(1, o.tasks / o.chain);
    for (std::uint64_t c = 0; c < chains; ++c) {
      TaskId prev = submit("step", o.chain == 1);
      for (std::uint64_t i = 1; i < o.chain; ++i) {
        e.deps.push_back(prev);
        prev = submit("step", i + 1 == o.chain);
      }
    }
  } else {  // tree
    const std::uint64_t trees = std::max<std::uint64_t>(1, o.tasks / (2 * o.leaves - 1));
    std::function<TaskId(std::uint64_t, bool)> build = [&](std::uint64_t leaves, bool root) {
      if (leaves == 1) return submit("leaf", root);
      const TaskId left = build(leaves / 2, false);
      const TaskId right = build(leaves - leaves / 2, false);
      e.deps = {left, right};
      return submit("sum", root);
    };
    for (std::uint64_t t = 0; t < trees; ++t) build(o.leaves, true);
  }
  submitted = next;
  return wanted;
}

int run_shape(const Options& o) {
  reset_peak_rss();
  const std::uint64_t rss0 = peak_rss();
  const std::uint64_t heap0 = heap_in_use();
  Scheduler s;
  const bool fanout = o.shape == "fanout";
  const std::uint64_t group = o.width + 2;
  Simulator sim(
      s,
      [&](TaskId t) {
        SimTask task = model(t, fanout);
        if (fanout && t % group == 0) task.nbytes = 1'000'000;
        return task;
      },
      SimConfig{.release_on_done = true, .time_scheduler = o.time_scheduler});
  for (WorkerId w = 0; w < o.workers; ++w) sim.add_worker(w, o.threads);

  const Cpu cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  std::uint64_t tasks = 0;
  const std::uint64_t wanted = submit_graph(o, sim, tasks);
  const auto t1 = Clock::now();
  const std::uint64_t heap1 = heap_in_use();
  const std::size_t sched_bytes = s.memory_bytes();
  sim.run();
  const auto t2 = Clock::now();
  const Cpu cpu1 = cpu_seconds();
  const double user = cpu1.user - cpu0.user;
  const double sys = cpu1.sys - cpu0.sys;
  const double cpu = user + sys;
  const std::uint64_t rss1 = peak_rss();

  const double in_scheduler = sim.scheduler_seconds();
  const Stats& st = s.stats();
  const double submit_s = std::chrono::duration<double>(t1 - t0).count();
  const double run_s = std::chrono::duration<double>(t2 - t1).count();
  const double wall = submit_s + run_s;
  const double n = static_cast<double>(tasks);
  const bool ok = sim.done().size() == wanted && st.tasks == 0 && st.placements >= tasks;
  char alone[128] = "not timed (--no-timing)";
  if (o.time_scheduler) {
    std::snprintf(alone, sizeof alone, "%.2f s, placements/s %.0f, actions/s %.0f", in_scheduler,
                  static_cast<double>(st.placements) / in_scheduler,
                  static_cast<double>(st.actions) / in_scheduler);
  }
  std::printf(
      "%s: %llu tasks, %llu placements, %llu actions, %llu events\n"
      "  wall %.2f s (submit %.2f, run %.2f), cpu %.2f s (user %.2f, sys %.2f)\n"
      "  placements/s %.0f wall, %.0f cpu, %.0f user cpu; actions/s %.0f wall, %.0f cpu\n"
      "  in the scheduler alone: %s\n"
      "  memory per task: %.0f B peak RSS growth, %.0f B heap after submission, %.0f B "
      "scheduler records and maps\n"
      "  simulated %.3f s, peak %llu objects in memory, %llu steals; results %s\n",
      o.shape.c_str(), static_cast<unsigned long long>(tasks),
      static_cast<unsigned long long>(st.placements), static_cast<unsigned long long>(st.actions),
      static_cast<unsigned long long>(st.events), wall, submit_s, run_s, cpu, user, sys,
      static_cast<double>(st.placements) / wall, static_cast<double>(st.placements) / cpu,
      static_cast<double>(st.placements) / user, static_cast<double>(st.actions) / wall,
      static_cast<double>(st.actions) / cpu, alone, static_cast<double>(rss1 - rss0) / n,
      static_cast<double>(heap1 - heap0) / n, static_cast<double>(sched_bytes) / n, sim.now(),
      static_cast<unsigned long long>(st.peak_objects),
      static_cast<unsigned long long>(st.steals_confirmed), ok ? "complete" : "INCOMPLETE");
  std::fflush(stdout);
  return ok ? 0 : 1;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::uint64_t& out) {
      if (i + 1 >= argc) return false;
      out = std::strtoull(argv[++i], nullptr, 10);
      return out > 0;
    };
    std::uint64_t v = 0;
    if (arg == "--tasks") {
      if (!value(o.tasks)) return false;
    } else if (arg == "--workers") {
      if (!value(v)) return false;
      o.workers = static_cast<std::uint32_t>(v);
    } else if (arg == "--threads") {
      if (!value(v)) return false;
      o.threads = static_cast<std::uint32_t>(v);
    } else if (arg == "--width") {
      if (!value(o.width)) return false;
    } else if (arg == "--chain") {
      if (!value(o.chain)) return false;
    } else if (arg == "--leaves") {
      if (!value(o.leaves)) return false;
    } else if (arg == "--shape" && i + 1 < argc) {
      o.shape = argv[++i];
      if (o.shape != "all" && o.shape != "fanout" && o.shape != "chains" && o.shape != "tree") {
        return false;
      }
    } else if (arg == "--no-fork") {
      o.fork = false;
    } else if (arg == "--no-timing") {
      o.time_scheduler = false;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: %s [--tasks N] [--workers N] [--threads N] "
                 "[--shape all|fanout|chains|tree] [--width N] [--chain N] [--leaves N] "
                 "[--no-fork] [--no-timing]\n",
                 argv[0]);
    return 2;
  }
  std::printf(
      "%llu tasks, %u workers x %u threads; fanout width %llu, chains of %llu, trees of "
      "%llu leaves\n",
      static_cast<unsigned long long>(o.tasks), o.workers, o.threads,
      static_cast<unsigned long long>(o.width), static_cast<unsigned long long>(o.chain),
      static_cast<unsigned long long>(o.leaves));
  std::fflush(stdout);
  int status = 0;
  for (const char* shape : {"fanout", "chains", "tree"}) {
    if (o.shape != "all" && o.shape != shape) continue;
    Options one = o;
    one.shape = shape;
    if (!o.fork) {
      status |= run_shape(one);
      continue;
    }
    const pid_t pid = fork();
    if (pid == 0) _exit(run_shape(one));
    int child = 0;
    if (pid < 0 || waitpid(pid, &child, 0) != pid || !WIFEXITED(child) || WEXITSTATUS(child) != 0) {
      std::fprintf(stderr, "%s: failed\n", shape);
      status = 1;
    }
  }
  return status;
}
