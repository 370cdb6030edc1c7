// A dashboard without a cluster, for the browser check: 2 workers of 2 threads each run a
// synthetic graph (load -> transform -> a tree of sums) again and again, with a failure
// now and then, fed to a Recorder as a runtime would feed it.
// usage: fake_dashboard [--seconds S] [--port P]   prints the URL, serves S seconds (60)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "diag/dashboard.hpp"
#include "diag/recorder.hpp"

namespace {

using weft::diag::NameId;
using weft::diag::Recorder;

struct FakeTask {
  std::uint64_t id;
  NameId name;
  const char* label;
  std::vector<std::size_t> deps;  // indices into the graph
  int state = 0;                  // 0 waiting, 1 running, 2 ended
};

struct Slot {
  const char* label;
  NameId worker;
  std::uint32_t thread;
  std::size_t task = 0;
  double start = 0, end = 0;
  bool busy = false;
};

std::vector<FakeTask> make_graph(Recorder& rec, std::uint64_t& next_id) {
  std::vector<FakeTask> graph;
  const NameId load = rec.intern("load"), transform = rec.intern("transform"),
               sum = rec.intern("sum");
  for (std::size_t i = 0; i < 24; ++i) graph.push_back({next_id++, load, "load", {}});
  for (std::size_t i = 0; i < 24; ++i) graph.push_back({next_id++, transform, "transform", {i}});
  std::size_t level = 24, width = 24;
  while (width > 1) {
    for (std::size_t i = 0; i < width / 2; ++i) {
      graph.push_back({next_id++, sum, "sum", {level + 2 * i, level + 2 * i + 1}});
    }
    level += width;
    width /= 2;
  }
  std::vector<std::uint64_t> ids;
  std::vector<NameId> names;
  std::vector<std::vector<std::uint64_t>> deps;
  for (const FakeTask& t : graph) {
    ids.push_back(t.id);
    names.push_back(t.name);
    deps.emplace_back();
    for (std::size_t d : t.deps) deps.back().push_back(graph[d].id);
  }
  rec.submitted(ids, names, deps);
  return graph;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 60;
  int port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--port") == 0) port = std::atoi(argv[i + 1]);
  }
  Recorder rec("fake:2x2");
  weft::diag::DashboardServer server(rec, "127.0.0.1", port);
  std::printf("%s\n", server.url().c_str());
  std::fflush(stdout);

  std::mt19937 rng(42);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<Slot> slots;
  for (const char* w : {"worker-1", "worker-2"}) {
    for (std::uint32_t t = 0; t < 2; ++t) slots.push_back({w, rec.intern(w), t});
  }
  std::uint64_t next_id = 1;
  auto graph = make_graph(rec, next_id);
  std::uint64_t transferred = 0;
  const double stop = weft::diag::wall_time() + seconds;
  for (int tick = 0;; ++tick) {
    const double now = weft::diag::wall_time();
    if (now > stop) break;
    for (Slot& s : slots) {
      if (s.busy && s.end <= now) {
        FakeTask& t = graph[s.task];
        const bool ok = unit(rng) > 0.03;
        const weft::diag::TaskRecord record{.id = t.id,
                                            .name = t.name,
                                            .worker = s.worker,
                                            .thread = s.thread,
                                            .start = s.start,
                                            .end = s.end,
                                            .ok = ok};
        rec.finished({&record, 1});
        if (!ok) {
          rec.failed(t.id, {.task = t.label,
                            .type = "std::runtime_error",
                            .message = "synthetic failure",
                            .worker = s.label,
                            .time = s.end});
        }
        t.state = 2;
        s.busy = false;
        transferred += 1 << 16;
      }
      if (s.busy) continue;
      for (std::size_t i = 0; i < graph.size(); ++i) {
        FakeTask& t = graph[i];
        bool ready = t.state == 0;
        for (std::size_t d : t.deps) ready = ready && graph[d].state == 2;
        if (!ready) continue;
        t.state = 1;
        rec.running({&t.id, 1});
        s = {s.label, s.worker, s.thread, i, now, now + 0.05 + 0.35 * unit(rng), true};
        break;
      }
    }
    if (graph.back().state == 2) graph = make_graph(rec, next_id);
    if (tick % 10 == 0) {
      std::vector<weft::diag::WorkerSample> table;
      for (int w = 0; w < 2; ++w) {
        const std::uint32_t running = slots[2 * w].busy + slots[2 * w + 1].busy;
        table.push_back({.name = w == 0 ? "worker-1" : "worker-2",
                         .host = "localhost",
                         .threads = 2,
                         .cpu = 95.0 * running + 5 * unit(rng),
                         .memory = (300u + 40u * w + (tick % 200)) << 20,
                         .memory_limit = 2ull << 30,
                         .objects = 20u + running,
                         .object_bytes = (20u + running) << 16,
                         .spilled_bytes = 0,
                         .running = running,
                         .transferred_bytes = transferred / 2});
      }
      rec.workers(std::move(table));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}
