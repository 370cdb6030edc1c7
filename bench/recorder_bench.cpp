// What recording costs the scheduler per task: submitted, running and finished, each in
// batches of 64 as the scheduler reports them, with a reader taking snapshots or not.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "diag/recorder.hpp"

namespace {

using weft::diag::NameId;
using weft::diag::Recorder;
using weft::diag::TaskRecord;

constexpr std::size_t kBatch = 64;

void BM_RecordTasks(benchmark::State& state) {
  Recorder recorder("bench");
  const NameId names_pool[4] = {recorder.intern("inc"), recorder.intern("add"),
                                recorder.intern("sum"), recorder.intern("load")};
  const NameId worker = recorder.intern("worker-1");
  std::vector<std::uint64_t> ids(kBatch);
  std::vector<NameId> names(kBatch);
  std::vector<std::vector<std::uint64_t>> deps(kBatch);
  std::vector<TaskRecord> records(kBatch);
  std::uint64_t next = 1;
  double t = 1.7e9;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      ids[i] = next++;
      names[i] = names_pool[i % 4];
      records[i] = TaskRecord{ids[i], names[i], worker, static_cast<std::uint32_t>(i % 2),
                              t,      t + 1e-6, true};
      t += 1e-6;
    }
    recorder.submitted(ids, names, deps);
    recorder.running(ids);
    recorder.finished(records);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
  state.counters["ns_per_task"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kBatch),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RecordTasks)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
