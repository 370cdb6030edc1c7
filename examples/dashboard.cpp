// Watch a run live: a local cluster of two worker processes serves its dashboard while a
// pipeline of loads, transforms and reductions runs in waves. Open the printed URL.
//
//   ./dashboard                      # port 8787, 30 seconds of work
//   ./dashboard 0 10                 # any free port, 10 seconds
//   ./dashboard 8787 10 threads:4    # the same page for the threads runtime
// At the end it writes the run's trace (open in ui.perfetto.dev) and report.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

std::vector<double> load(int part) {
  std::this_thread::sleep_for(std::chrono::milliseconds(2 + part % 5));
  return std::vector<double>(1000, part);
}
WEFT_REMOTE(load);

double transform(const std::vector<double>& v) {
  if (v[0] == 777) throw std::runtime_error("part 777 is corrupt");  // shows under errors
  return std::accumulate(v.begin(), v.end(), 0.0) / 1000;
}
WEFT_REMOTE(transform);

double combine(double a, double b) { return a + b; }
WEFT_REMOTE(combine);

int main(int argc, char** argv) {
  weft::Config config = weft::Config::parse(argc > 3 ? argv[3] : "processes:2");
  config.dashboard_port = argc > 1 ? std::atoi(argv[1]) : 8787;
  const double seconds = argc > 2 ? std::atof(argv[2]) : 30;
  auto rt = weft::init(config);
  std::printf("dashboard at %s\n", weft::dashboard_url().c_str());
  std::fflush(stdout);  // a script waits for that line

  const auto start = std::chrono::steady_clock::now();
  int tasks = 0, part = 0, waves = 0;
  do {
    std::vector<weft::Ref<double>> level;
    for (int i = 0; i < 100; ++i, ++part) {
      level.push_back(weft::remote(transform, weft::remote(load, part)));
    }
    tasks += 200;
    while (level.size() > 1) {  // a tree of sums
      std::vector<weft::Ref<double>> next;
      for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
        next.push_back(weft::remote(combine, level[i], level[i + 1]));
      }
      if (level.size() % 2 == 1) next.push_back(level.back());
      tasks += static_cast<int>(level.size() / 2);
      level = std::move(next);
    }
    try {
      std::printf("wave %d: sum %.0f\n", ++waves, weft::get(level[0]));
    } catch (const weft::TaskError& e) {
      // TaskError names the task that failed (not the sum waited for), what it raised and the
      // worker it ran on: the dashboard's errors panel lists the same.
      std::printf("wave %d failed: %s raised %s on %s: %s\n", ++waves, e.task_name().c_str(),
                  e.type_name().c_str(), e.worker().c_str(), e.message().c_str());
    }
    std::fflush(stdout);
  } while (std::chrono::steady_clock::now() - start < std::chrono::duration<double>(seconds));

  std::printf("tasks: %d in %d waves\n", tasks, waves);
  weft::save_trace("dashboard-trace.json");
  weft::save_report("dashboard-report.html");
  std::printf("wrote dashboard-trace.json and dashboard-report.html\n");
}
