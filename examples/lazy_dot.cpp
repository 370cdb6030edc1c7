// A lazy graph with weft::delayed: build it, draw it, run it.
//
//   ./lazy_dot [graph.dot] [--weft-runtime=threads:4]
//   dot -Tsvg graph.dot -o graph.svg        # to look at it (Graphviz)
//
// Three data sets each go through load -> clean -> analyze, and a summary combines the
// three. Nothing runs while the graph is built. compute() then fuses each
// load -> clean -> analyze chain into one task and runs the three chains in parallel. On a
// cluster (--weft-runtime=processes:2) each node runs on a worker instead, and the readings
// move from worker to worker, never through this process.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <weft/weft.hpp>

// Reads a data set. Here: a million readings made up from the name, some of them invalid.
std::vector<double> load(const std::string& name) {
  std::vector<double> readings(1'000'000);
  unsigned state = 2166136261u;
  for (char c : name) state = (state ^ static_cast<unsigned char>(c)) * 16777619u;
  for (double& r : readings) {
    state = state * 1664525u + 1013904223u;
    r = static_cast<double>(state % 2000) / 10.0 - 20.0;  // -20.0 .. 179.9
  }
  return readings;
}
WEFT_REMOTE(load);

// Drops readings outside the sensor's valid range.
std::vector<double> clean(const std::vector<double>& readings) {
  std::vector<double> valid;
  for (double r : readings) {
    if (r >= 0.0 && r <= 150.0) valid.push_back(r);
  }
  return valid;
}
WEFT_REMOTE(clean);

struct Stats {
  std::size_t count = 0;
  double mean = 0;
  double stddev = 0;
  WEFT_SERIALIZE(count, mean, stddev);  // results travel between processes on clusters
};

Stats analyze(const std::vector<double>& values) {
  Stats s;
  s.count = values.size();
  for (double v : values) s.mean += v;
  s.mean /= static_cast<double>(s.count);
  for (double v : values) s.stddev += (v - s.mean) * (v - s.mean);
  s.stddev = std::sqrt(s.stddev / static_cast<double>(s.count));
  return s;
}
WEFT_REMOTE(analyze);

std::string summarize(const std::vector<Stats>& parts) {
  std::string out;
  for (const Stats& s : parts) {
    char line[96];
    std::snprintf(line, sizeof line, "  n=%zu mean=%.2f stddev=%.2f\n", s.count, s.mean, s.stddev);
    out += line;
  }
  return out;
}
WEFT_REMOTE(summarize);

int main(int argc, char** argv) {
  weft::Runtime rt = weft::init(argc, argv);  // honours --weft-runtime=SPEC
  const bool has_path = argc > 1 && std::string_view(argv[1]).substr(0, 2) != "--";
  const std::string path = has_path ? argv[1] : "graph.dot";

  std::vector<weft::Delayed<Stats>> stats;
  for (const char* site : {"north", "south", "east"}) {
    auto readings = weft::delayed(load)(std::string(site));
    stats.push_back(weft::delayed(analyze)(weft::delayed(clean)(readings)));
  }
  auto summary = weft::delayed(summarize)(stats);

  summary.write_dot(path);
  const weft::Graph graph = weft::Graph::of(summary);
  std::printf("graph written to %s: %zu nodes, %zu after optimisation\n", path.c_str(),
              graph.size(), graph.cull(summary).fuse().size());

  const auto start = std::chrono::steady_clock::now();
  const std::string result = summary.compute();
  const std::chrono::duration<double, std::milli> elapsed =
      std::chrono::steady_clock::now() - start;
  std::printf("%s", result.c_str());
  std::printf("computed in %.1f ms on %s\n", elapsed.count(), rt.describe().c_str());
}
