// The processes runtime on one machine: a scheduler process and 2 worker processes of 1 thread
// each (`processes:2`), started from this binary. Prints one JSON line per measurement, in the
// format of bench/peers/peers.py ("workload", "peer", "seconds", "tasks", "workers", plus
// extras), so that bench/peers/cluster_table.py compares it with bench/peers/cluster_peers.py
// (the same measurements with Dask distributed). Progress goes to stderr.
//
//   noop_tasks   N no-op tasks (`int noop(int)`): remote() each, then get(vector); best of R.
//   startup      init("processes:2") until it returns with every worker joined, K times
//                (shut down in between); "seconds" is the median, "min_seconds" the best.
//   round_trip   sequential get(remote(noop, i)), after a warm-up; median (and min) seconds.
//   actor        actor_call: sequential get(counter.call(add, 1)) on an actor on a worker,
//                median (and min); actor_pipelined: calls made back to back, then gathered.
//                With it, peer "zeromq" row "actor_call": the same round trip over raw
//                ZeroMQ (a DEALER here, a ROUTER echoing 64 bytes in a child process, CURVE
//                on as weft's links are by default, both blocking in recv): the transport's
//                floor on this machine, measured before the cluster starts.
//   put_SIZE     put(std::move(vector<double>)) of SIZE bytes, which returns once a worker has
//                stored it; then a task sums it on a worker ("read_seconds": submit to result).
//   get_SIZE     a task makes a vector<double> of SIZE bytes on a worker; once a small task
//                depending on it has finished (so the array exists), the client's get() is
//                timed: fetch plus decode into a std::vector. Results up to 1 MiB are fetched
//                as soon as their task finishes, so they may be here already: "already_local"
//                counts those runs.
//   get_view_SIZE  the same with an ArrayView<double> result, which aliases the received
//                frame: the transfer without the decode copy.
// SIZE is 1KiB, 1MiB, 64MiB and 1GiB (--max-bytes, or --quick for 64 MiB). Bandwidth rows
// report the best of several runs ("median_seconds" too) and carry "bytes". Results are
// checked; a wrong one exits 1.
//
// Usage: cluster_bench [--quick] [--workloads noop_tasks,startup,round_trip,bandwidth]
//                      [--noop-n N] [--repeat R] [--startup-repeat K] [--round-trips M]
//                      [--max-bytes B[K|M|G]]
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>
#include <zmq.hpp>

#include "weft/weft.hpp"

namespace {

// --- the tasks ---

int noop(int i) { return i; }
WEFT_REMOTE(noop);

double sum_array(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }
WEFT_REMOTE(sum_array);

std::vector<double> make_array(std::int64_t n) {
  return std::vector<double>(static_cast<std::size_t>(n), 1.0);
}
WEFT_REMOTE(make_array);

std::int64_t array_size(const std::vector<double>& v) {
  return static_cast<std::int64_t>(v.size());
}
WEFT_REMOTE(array_size);

weft::ArrayView<double> make_view(std::int64_t n) {
  return weft::ArrayView<double>(std::vector<double>(static_cast<std::size_t>(n), 1.0));
}
WEFT_REMOTE(make_view);

std::int64_t view_size(const weft::ArrayView<double>& v) {
  return static_cast<std::int64_t>(v.size());
}
WEFT_REMOTE(view_size);

struct Counter {
  long total = 0;
  long add(long n) { return total += n; }
};
WEFT_ACTOR(Counter, add);

// --- command line, timing and output ---

constexpr const char* kPeer = "weft-processes";
constexpr const char* kSpec = "processes:2";
constexpr int kWorkers = 2;
const std::vector<std::string> kWorkloads = {"noop_tasks", "startup", "round_trip", "actor",
                                             "bandwidth"};

struct Options {
  std::vector<std::string> workloads = kWorkloads;
  long noop_n = 100'000;
  int repeat = 3;
  int startup_repeat = 7;
  int round_trips = 2000;
  std::int64_t max_bytes = std::int64_t{1} << 30;
};

std::int64_t parse_bytes(const std::string& text) {
  std::size_t end = 0;
  std::int64_t n = std::stoll(text, &end);
  const std::string unit = text.substr(end);
  if (unit == "K" || unit == "KiB") {
    n <<= 10;
  } else if (unit == "M" || unit == "MiB") {
    n <<= 20;
  } else if (unit == "G" || unit == "GiB") {
    n <<= 30;
  } else if (!unit.empty()) {
    throw std::invalid_argument("bad size: " + text);
  }
  return n;
}

// Flags as --flag=value or --flag value, as weft_peers takes them.
Options parse_args(int argc, char** argv) {
  Options o;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    if (const auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    } else if (arg != "--quick" && i + 1 < argc) {
      value = argv[++i];
    }
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--workloads") {
      o.workloads.clear();
      for (std::size_t start = 0; start <= value.size();) {
        std::size_t comma = value.find(',', start);
        if (comma == std::string::npos) comma = value.size();
        const std::string w = value.substr(start, comma - start);
        start = comma + 1;
        if (w.empty()) continue;
        if (std::find(kWorkloads.begin(), kWorkloads.end(), w) == kWorkloads.end()) {
          throw std::invalid_argument("unknown workload: " + w);
        }
        o.workloads.push_back(w);
      }
    } else if (arg == "--noop-n") {
      o.noop_n = std::stol(value);
    } else if (arg == "--repeat") {
      o.repeat = std::max(1, std::stoi(value));
    } else if (arg == "--startup-repeat") {
      o.startup_repeat = std::max(1, std::stoi(value));
    } else if (arg == "--round-trips") {
      o.round_trips = std::max(1, std::stoi(value));
    } else if (arg == "--max-bytes") {
      o.max_bytes = parse_bytes(value);
    } else {
      throw std::invalid_argument("unknown argument: " + arg);
    }
  }
  if (quick) {  // a smoke test: fewer tasks, arrays up to 64 MiB
    o.noop_n = std::min(o.noop_n, 10'000L);
    o.max_bytes = std::min(o.max_bytes, std::int64_t{64} << 20);
    o.startup_repeat = std::min(o.startup_repeat, 3);
    o.round_trips = std::min(o.round_trips, 500);
  }
  return o;
}

bool wanted(const Options& o, const std::string& w) {
  return std::find(o.workloads.begin(), o.workloads.end(), w) != o.workloads.end();
}

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const std::size_t n = xs.size();
  return n % 2 == 1 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

double best(const std::vector<double>& xs) { return *std::min_element(xs.begin(), xs.end()); }

// One JSON line on stdout; `extra` is pre-formatted members, e.g. ", \"bytes\": 1024".
void emit(const std::string& workload, double seconds, long tasks, const std::string& extra,
          const char* peer = kPeer) {
  std::printf(
      "{\"workload\": \"%s\", \"peer\": \"%s\", \"seconds\": %.9f, \"tasks\": %ld, "
      "\"workers\": %d%s}\n",
      workload.c_str(), peer, seconds, tasks, kWorkers, extra.c_str());
  std::fflush(stdout);
}

std::string member(const char* name, double value) {
  char buf[96];
  std::snprintf(buf, sizeof buf, ", \"%s\": %.9f", name, value);
  return buf;
}

void check(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "cluster_bench: wrong result: %s\n", what.c_str());
  std::exit(1);
}

std::string size_label(std::int64_t bytes) {
  if (bytes >= (std::int64_t{1} << 30)) return std::to_string(bytes >> 30) + "GiB";
  if (bytes >= (std::int64_t{1} << 20)) return std::to_string(bytes >> 20) + "MiB";
  return std::to_string(bytes >> 10) + "KiB";
}

// --- the measurements ---

// processes:2 with 1 thread per worker whatever the number of cores, as the Dask side.
weft::Config cluster_config() {
  weft::Config c = weft::Config::parse(kSpec);
  c.threads_per_worker = 1;
  return c;
}

// Starts `repeat` clusters one after the other; returns the last, still running.
weft::Runtime run_startup(const Options& o) {
  std::vector<double> ready, stop;
  std::optional<weft::Runtime> rt;
  const int repeat = wanted(o, "startup") ? o.startup_repeat : 1;
  for (int i = 0; i < repeat; ++i) {
    if (rt) {
      const auto start = Clock::now();
      rt->shutdown();
      stop.push_back(since(start));
      rt.reset();
    }
    const auto start = Clock::now();
    rt.emplace(weft::init(cluster_config()));
    ready.push_back(since(start));
  }
  check(weft::get(weft::remote(noop, 7)) == 7, "first task");
  if (wanted(o, "startup")) {
    std::string extra = member("min_seconds", best(ready)) +
                        member("max_seconds", *std::max_element(ready.begin(), ready.end())) +
                        ", \"samples\": " + std::to_string(ready.size());
    if (!stop.empty()) extra += member("shutdown_median_seconds", median(stop));
    emit("startup", median(ready), 0, extra);
    std::fprintf(stderr,
                 "  startup     median %8.2f ms  min %8.2f ms  (%zu runs; shutdown %.1f ms)\n",
                 median(ready) * 1e3, best(ready) * 1e3, ready.size(),
                 stop.empty() ? 0.0 : median(stop) * 1e3);
  }
  return std::move(*rt);
}

std::vector<int> noop_batch(int n) {
  std::vector<weft::Ref<int>> refs;
  refs.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) refs.push_back(weft::remote(noop, i));
  return weft::get(refs);
}

void run_noop(const Options& o) {
  const int n = static_cast<int>(o.noop_n);
  std::vector<int> expected(static_cast<std::size_t>(n));
  std::iota(expected.begin(), expected.end(), 0);
  noop_batch(std::min(n, 1000));  // warm-up: connections to the workers, allocations
  std::vector<double> times;
  for (int r = 0; r < o.repeat; ++r) {
    const auto start = Clock::now();
    const std::vector<int> got = noop_batch(n);
    times.push_back(since(start));
    check(got == expected, "noop results");
  }
  emit("noop_tasks", best(times), n, member("median_seconds", median(times)));
  std::fprintf(stderr, "  noop_tasks  %ld tasks: best %.3f s = %.0f tasks/s (median %.0f)\n",
               o.noop_n, best(times), n / best(times), n / median(times));
}

void run_round_trip(const Options& o) {
  for (int i = 0; i < 100; ++i) weft::get(weft::remote(noop, i));  // warm-up
  std::vector<double> times;
  times.reserve(static_cast<std::size_t>(o.round_trips));
  for (int i = 0; i < o.round_trips; ++i) {
    const auto start = Clock::now();
    const int got = weft::get(weft::remote(noop, i));
    times.push_back(since(start));
    check(got == i, "round trip");
  }
  emit("round_trip", median(times), o.round_trips, member("min_seconds", best(times)));
  std::fprintf(stderr, "  round_trip  median %.1f us  min %.1f us  (%d)\n", median(times) * 1e6,
               best(times) * 1e6, o.round_trips);
}

// An actor on a worker: the round trip of one call at a time, and the rate of calls made
// back to back (pipelined: all sent, then all gathered), in call order.
void run_actor(const Options& o) {
  auto counter = weft::actor<Counter>();
  for (int i = 0; i < 100; ++i) weft::get(counter.call(&Counter::add, 1L));  // warm-up
  std::vector<double> times;
  for (int i = 0; i < o.round_trips; ++i) {
    const auto start = Clock::now();
    weft::get(counter.call(&Counter::add, 1L));
    times.push_back(since(start));
  }
  emit("actor_call", median(times), o.round_trips, member("min_seconds", best(times)));
  std::fprintf(stderr, "  actor_call  median %.1f us  min %.1f us  (%d)\n", median(times) * 1e6,
               best(times) * 1e6, o.round_trips);
  std::vector<double> rates;
  const long n = o.noop_n / 5;
  for (int r = 0; r < o.repeat; ++r) {
    std::vector<weft::Ref<long>> refs;
    refs.reserve(static_cast<std::size_t>(n));
    const auto start = Clock::now();
    for (long i = 0; i < n; ++i) refs.push_back(counter.call(&Counter::add, 1L));
    const std::vector<long> totals = weft::get(refs);
    rates.push_back(since(start));
    check(totals.back() - totals.front() == n - 1, "actor calls in order");
  }
  emit("actor_pipelined", best(rates), n, member("median_seconds", median(rates)));
  std::fprintf(stderr, "  actor_pipelined  %ld calls: best %.3f s = %.0f calls/s\n", n, best(rates),
               static_cast<double>(n) / best(rates));
}

// The raw ZeroMQ round trip (see the header). The child binds and reports its endpoint on a
// pipe; it echoes exactly the messages the parent sends, then exits.
void run_zmq_floor(const Options& o) {
  const int rounds = 100 + o.round_trips;  // a warm-up, as for the actor
  std::array<char, 41> pub{}, sec{};
  check(zmq_curve_keypair(pub.data(), sec.data()) == 0, "zmq_curve_keypair");
  int pipe_fds[2];
  check(::pipe(pipe_fds) == 0, "pipe");
  const pid_t child = ::fork();
  check(child >= 0, "fork");
  if (child == 0) {
    bool ok = true;
    {
      zmq::context_t ctx;  // destroyed before _exit: that sends the last answer
      zmq::socket_t router(ctx, zmq::socket_type::router);
      router.set(zmq::sockopt::curve_server, true);
      router.set(zmq::sockopt::curve_secretkey, std::string(sec.data()));
      router.set(zmq::sockopt::rcvtimeo, 30'000);
      router.bind("tcp://127.0.0.1:*");
      const std::string endpoint = router.get(zmq::sockopt::last_endpoint);
      ok = ::write(pipe_fds[1], endpoint.c_str(), endpoint.size() + 1) > 0;
      for (int i = 0; ok && i < rounds; ++i) {
        zmq::message_t from, body;
        ok = router.recv(from) && router.recv(body);
        if (ok) {
          router.send(from, zmq::send_flags::sndmore);
          router.send(body, zmq::send_flags::none);
        }
      }
    }
    ::_exit(ok ? 0 : 1);
  }
  ::close(pipe_fds[1]);
  std::array<char, 256> endpoint{};
  const ssize_t got = ::read(pipe_fds[0], endpoint.data(), endpoint.size() - 1);
  ::close(pipe_fds[0]);
  check(got > 0, "the echo process's endpoint");
  std::vector<double> times;
  {
    zmq::context_t ctx;
    zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::curve_serverkey, std::string(pub.data()));
    dealer.set(zmq::sockopt::curve_publickey, std::string(pub.data()));
    dealer.set(zmq::sockopt::curve_secretkey, std::string(sec.data()));
    dealer.set(zmq::sockopt::rcvtimeo, 30'000);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.connect(endpoint.data());
    const std::array<char, 64> body{};
    for (int i = 0; i < rounds; ++i) {
      const auto start = Clock::now();
      dealer.send(zmq::buffer(body), zmq::send_flags::none);
      zmq::message_t answer;
      check(dealer.recv(answer).has_value() && answer.size() == body.size(), "zmq echo");
      if (i >= 100) times.push_back(since(start));
    }
  }
  int status = 0;
  check(::waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "the echo process exits cleanly");
  emit("actor_call", median(times), o.round_trips, member("min_seconds", best(times)), "zeromq");
  std::fprintf(stderr, "  zeromq round trip  median %.1f us  min %.1f us  (%d)\n",
               median(times) * 1e6, best(times) * 1e6, o.round_trips);
}

int bandwidth_repeat(std::int64_t bytes) {
  if (bytes <= (std::int64_t{1} << 20)) return 10;
  if (bytes <= (std::int64_t{64} << 20)) return 5;
  return 3;
}

void bandwidth_row(const std::string& workload, std::int64_t bytes, const std::vector<double>& t,
                   const std::string& extra = "") {
  emit(workload, best(t), 0,
       ", \"bytes\": " + std::to_string(bytes) + ", \"samples\": " + std::to_string(t.size()) +
           member("median_seconds", median(t)) + extra);
  std::fprintf(stderr, "  %-16s best %10.3f ms  %8.3f GB/s  (median %.3f ms)\n", workload.c_str(),
               best(t) * 1e3, static_cast<double>(bytes) / best(t) / 1e9, median(t) * 1e3);
}

void run_put(std::int64_t bytes) {
  const std::int64_t n = bytes / 8;
  std::vector<double> put_times, read_times;
  for (int r = 0; r < bandwidth_repeat(bytes); ++r) {
    std::vector<double> data(static_cast<std::size_t>(n), 1.0);  // not timed
    auto start = Clock::now();
    weft::Ref<std::vector<double>> ref = weft::put(std::move(data));
    put_times.push_back(since(start));
    start = Clock::now();
    const double sum = weft::get(weft::remote(sum_array, ref));
    read_times.push_back(since(start));
    check(sum == static_cast<double>(n), "sum of the put array");
  }
  bandwidth_row("put_" + size_label(bytes), bytes, put_times,
                member("read_seconds", best(read_times)));
}

template <class T, class Make, class Size>
void run_get(const std::string& workload, std::int64_t bytes, Make make, Size size) {
  const std::int64_t n = bytes / 8;
  std::vector<double> times;
  int prefetched = 0;  // runs where the value was here before get(): fetched as the task ended
  for (int r = 0; r < bandwidth_repeat(bytes); ++r) {
    weft::Ref<T> big = weft::remote(make, n);
    // The dependent task finishing means the array exists on a worker. (weft::wait on `big`
    // would not do: it completes only once the value is here, and never fetches one over
    // 1 MiB; see docs/benchmarks.md.)
    check(weft::get(weft::remote(size, big)) == n, workload + " size on the worker");
    prefetched += big.done() ? 1 : 0;
    const auto start = Clock::now();
    const T& local = weft::get(big);
    times.push_back(since(start));
    check(static_cast<std::int64_t>(local.size()) == n && local[local.size() / 2] == 1.0,
          workload + " array");
  }
  bandwidth_row(workload, bytes, times, ", \"already_local\": " + std::to_string(prefetched));
}

void run_bandwidth(const Options& o) {
  for (const std::int64_t bytes : {std::int64_t{1} << 10, std::int64_t{1} << 20,
                                   std::int64_t{64} << 20, std::int64_t{1} << 30}) {
    if (bytes > o.max_bytes) break;
    run_put(bytes);
    run_get<std::vector<double>>("get_" + size_label(bytes), bytes, make_array, array_size);
    run_get<weft::ArrayView<double>>("get_view_" + size_label(bytes), bytes, make_view, view_size);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // The scheduler and workers run this binary again; init() is where they turn into them (and
  // never return). The client times its own init() calls below.
  if (std::getenv("WEFT_ROLE") != nullptr) weft::init(argc, argv);
  Options o;
  try {
    o = parse_args(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cluster_bench: %s\n", e.what());
    return 2;
  }
  std::fprintf(stderr, "cluster_bench: %s, %d workers of 1 thread\n", kSpec, kWorkers);
  if (wanted(o, "actor")) run_zmq_floor(o);  // before any thread exists: see its comment
  weft::Runtime rt = run_startup(o);
  if (wanted(o, "noop_tasks")) run_noop(o);
  if (wanted(o, "round_trip")) run_round_trip(o);
  if (wanted(o, "actor")) run_actor(o);
  if (wanted(o, "bandwidth")) run_bandwidth(o);
  const auto start = Clock::now();
  rt.shutdown();
  std::fprintf(stderr, "  shutdown    %.1f ms\n", since(start) * 1e3);
  return 0;
}
