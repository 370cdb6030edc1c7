// Lazy task graphs: delayed, compute, deterministic keys, cull, fuse, DOT, errors, and
// graphs too large to walk recursively.
#include <gtest/gtest.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <numeric>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "per_runtime.hpp"
#include "weft/weft.hpp"

namespace {

int inc(int x) { return x + 1; }
WEFT_REMOTE(inc);
int twice(int x) { return 2 * x; }
WEFT_REMOTE(twice);
int add(int a, int b) { return a + b; }
WEFT_REMOTE(add);
long sum(const std::vector<int>& v) { return std::accumulate(v.begin(), v.end(), 0L); }
WEFT_REMOTE(sum);

std::atomic<int> g_calls{0};
int counted(int x) {
  g_calls.fetch_add(1);
  return x;
}
WEFT_REMOTE(counted);

// Argument types for each tokenize rule.
struct Point {  // weft_token(): by value
  int x, y;
  std::string weft_token() const { return std::to_string(x) + "," + std::to_string(y); }
};
struct Celsius {  // std::hash: by hash
  double degrees;
};
struct Opaque {  // nothing: a unique token per argument
  int v;
};

}  // namespace

template <>
struct std::hash<Celsius> {
  std::size_t operator()(const Celsius& c) const noexcept { return std::hash<double>{}(c.degrees); }
};

namespace {

int px(const Point& p) { return p.x; }
double deg(const Celsius& c) { return c.degrees; }
int opaque(const Opaque& o) { return o.v; }

auto make_adder(int n) {
  return [n](int x) { return x + n; };
}

// The promises of the API that a compiler can check.
static_assert(std::is_same_v<decltype(weft::delayed(inc)(1)), weft::Delayed<int>>);
static_assert(
    std::is_same_v<decltype(weft::delayed(add)(weft::delayed(inc)(1), 2)), weft::Delayed<int>>);
static_assert(std::is_same_v<decltype(weft::delayed(sum)(std::vector<weft::Delayed<int>>{})),
                             weft::Delayed<long>>);
static_assert(!std::is_invocable_v<weft::DelayedFunction<int (*)(int)>, std::string>,
              "arguments that f cannot take are rejected when the node is built");
static_assert(std::is_same_v<decltype(weft::compute(std::declval<weft::Delayed<int>>(),
                                                    std::declval<weft::Delayed<void>>())),
                             std::tuple<int, std::monostate>>);

const std::regex kKey("[a-z]+-[0-9a-f]{16}");

// ---- Keys: no runtime involved, nothing runs ----

TEST(DelayedKeyTest, SameExpressionSameKeyDifferentArgsDifferentKey) {
  auto a = weft::delayed(add)(weft::delayed(inc)(1), 2);
  auto b = weft::delayed(add)(weft::delayed(inc)(1), 2);
  auto c = weft::delayed(add)(weft::delayed(inc)(2), 2);
  EXPECT_EQ(a.key(), b.key());
  EXPECT_NE(a.key(), c.key());
  EXPECT_TRUE(std::regex_match(a.key(), kKey)) << a.key();
  EXPECT_EQ(a.name(), "add");
  EXPECT_EQ(a.key().substr(0, 4), "add-");
  EXPECT_NE(weft::delayed(inc)(1).key(), weft::delayed(twice)(1).key());
}

TEST(DelayedKeyTest, NameSetsPrefixAndDisplayName) {
  auto d = weft::delayed(inc, "load")(1);
  EXPECT_EQ(d.name(), "load");
  EXPECT_EQ(d.key().substr(0, 5), "load-");
  EXPECT_NE(d.key().substr(5), weft::delayed(inc)(1).key().substr(4));
}

// One function for every argument type, so that keys differ only by their arguments.
struct AnyArg {
  template <class T>
  int operator()(const T&) const {
    return 0;
  }
};

TEST(DelayedKeyTest, ValuesStringsAndSequencesByContents) {
  auto key = [](auto arg) { return weft::delayed(AnyArg{})(arg).key(); };
  EXPECT_EQ(key(std::string("a")), key(std::string("a")));
  EXPECT_NE(key(std::string("a")), key(std::string("b")));
  EXPECT_EQ(key("lit"), key("lit"));
  EXPECT_NE(key("lit"), key("lot"));
  EXPECT_NE(key(1), key(1.0));  // the type is part of the token
  EXPECT_EQ(key(std::vector<int>{1, 2, 3}), key(std::vector<int>{1, 2, 3}));
  EXPECT_NE(key(std::vector<int>{1, 2, 3}), key(std::vector<int>{1, 2, 4}));
  EXPECT_EQ(key(std::array<double, 2>{1, 2}), key(std::array<double, 2>{1, 2}));
  EXPECT_NE(key(std::vector<std::string>{"ab", "c"}), key(std::vector<std::string>{"a", "bc"}));
}

TEST(DelayedKeyTest, WeftTokenHashAndUniqueFallback) {
  EXPECT_EQ(weft::delayed(px)(Point{1, 2}).key(), weft::delayed(px)(Point{1, 2}).key());
  EXPECT_NE(weft::delayed(px)(Point{1, 2}).key(), weft::delayed(px)(Point{1, 3}).key());
  EXPECT_EQ(weft::delayed(deg)(Celsius{20}).key(), weft::delayed(deg)(Celsius{20}).key());
  EXPECT_NE(weft::delayed(deg)(Celsius{20}).key(), weft::delayed(deg)(Celsius{21}).key());
  // Equal, but weft cannot know that: never shared.
  EXPECT_NE(weft::delayed(opaque)(Opaque{1}).key(), weft::delayed(opaque)(Opaque{1}).key());
}

TEST(DelayedKeyTest, LambdasDifferByCaptures) {
  EXPECT_EQ(weft::delayed(make_adder(1))(5).key(), weft::delayed(make_adder(1))(5).key());
  EXPECT_NE(weft::delayed(make_adder(1))(5).key(), weft::delayed(make_adder(2))(5).key());
  // Captures weft cannot hash: one token per delayed() call, shared by its nodes.
  auto with_string = [s = std::string("x")](int x) { return x + static_cast<int>(s.size()); };
  EXPECT_NE(weft::delayed(with_string)(1).key(), weft::delayed(with_string)(1).key());
  auto f = weft::delayed(with_string);
  EXPECT_EQ(f(1).key(), f(1).key());
}

// ---- Graph structure ----

weft::Delayed<int> chain(int length, int start) {
  auto d = weft::delayed(inc, "load")(start);
  for (int i = 2; i < length; ++i) d = weft::delayed(inc)(d);
  return weft::delayed(add)(d, d);  // one dependency, used twice: still a chain link
}

TEST(GraphTest, OfDeduplicatesByKey) {
  auto x1 = weft::delayed(inc)(1);
  auto x2 = weft::delayed(inc)(1);  // built again: same key
  auto y = weft::delayed(add)(x1, x2);
  weft::Graph g = weft::Graph::of(y, x1);
  EXPECT_EQ(g.size(), 2u);
  EXPECT_EQ(g.keys(), (std::vector<std::string>{x1.key(), y.key()}));
  EXPECT_EQ(g.outputs(), (std::vector<std::string>{y.key(), x1.key()}));
  EXPECT_EQ(weft::Graph::of(x1, x2, y).outputs(), (std::vector<std::string>{x1.key(), y.key()}));
}

TEST(GraphTest, CullKeepsWhatOutputsNeed) {
  auto a = weft::delayed(inc)(1);
  auto b = weft::delayed(twice)(a);
  auto c = weft::delayed(inc)(5);
  weft::Graph g = weft::Graph::of(b, c);
  EXPECT_EQ(g.size(), 3u);
  weft::Graph culled = g.cull(b);
  EXPECT_EQ(culled.size(), 2u);
  EXPECT_EQ(culled.keys(), (std::vector<std::string>{a.key(), b.key()}));
  EXPECT_EQ(culled.outputs(), std::vector<std::string>{b.key()});
  EXPECT_THROW(g.cull({"missing-0000000000000000"}), weft::ConfigError);
}

TEST(GraphTest, FuseMergesChainOfTenIntoOne) {
  auto d = chain(10, 0);
  weft::Graph g = weft::Graph::of(d);
  EXPECT_EQ(g.size(), 10u);
  weft::Graph fused = g.fuse();
  ASSERT_EQ(fused.size(), 1u);
  const std::string key = fused.keys()[0];
  EXPECT_TRUE(std::regex_match(key, std::regex("load-inc-add-[0-9a-f]{16}"))) << key;
  EXPECT_EQ(key.substr(key.size() - 16), d.key().substr(d.key().size() - 16));
  EXPECT_EQ(fused.cull(d).size(), 1u);  // still answers to the last node's key
  EXPECT_EQ(fused.fuse().size(), 1u);
}

TEST(GraphTest, FuseLeavesDiamondAndFusesItsTail) {
  auto a = weft::delayed(inc)(1);
  auto b = weft::delayed(twice)(a);
  auto c = weft::delayed(inc)(a);
  auto d = weft::delayed(add)(b, c);
  EXPECT_EQ(weft::Graph::of(d).fuse().size(), 4u);
  auto f = weft::delayed(twice)(weft::delayed(inc)(d));
  weft::Graph fused = weft::Graph::of(f).fuse();
  EXPECT_EQ(fused.size(), 4u);  // a, b, c, then d-inc-twice
  EXPECT_TRUE(std::regex_match(fused.keys()[3], std::regex("add-inc-twice-[0-9a-f]{16}")))
      << fused.keys()[3];
}

TEST(GraphTest, FuseKeepsOutputsVisible) {
  auto load = weft::delayed(inc, "load")(0);
  auto mid = weft::delayed(inc)(load);
  auto end = weft::delayed(inc)(weft::delayed(twice)(mid));
  weft::Graph fused = weft::Graph::of(mid, end).fuse();
  EXPECT_EQ(fused.size(), 2u);  // load-inc, twice-inc: mid is not hidden inside a chain
  EXPECT_EQ(fused.cull(mid).size(), 1u);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(GraphTest, WriteDotHasNodesAndEdges) {
  auto a = weft::delayed(inc)(1);
  auto b = weft::delayed(twice)(a);
  auto c = weft::delayed(add)(a, b);
  const std::string path = ::testing::TempDir() + "weft_graph_test.dot";
  c.write_dot(path);
  const std::string dot = read_file(path);
  EXPECT_EQ(dot.rfind("digraph weft {", 0), 0u);
  EXPECT_NE(dot.find('"' + a.key() + "\" [label=\"inc\""), std::string::npos) << dot;
  EXPECT_NE(dot.find('"' + c.key() + "\" [label=\"add\""), std::string::npos) << dot;
  const std::pair<std::string, std::string> edges[] = {
      {a.key(), b.key()}, {a.key(), c.key()}, {b.key(), c.key()}};
  for (const auto& [from, to] : edges) {
    EXPECT_NE(dot.find('"' + from + "\" -> \"" + to + '"'), std::string::npos) << dot;
  }
  std::size_t arrows = 0;
  for (auto at = dot.find("->"); at != std::string::npos; at = dot.find("->", at + 1)) ++arrows;
  EXPECT_EQ(arrows, 3u);
  EXPECT_EQ(dot.back(), '\n');

  weft::Graph::of(chain(10, 0)).fuse().write_dot(path);
  EXPECT_NE(read_file(path).find("label=\"load-inc-add (10 nodes)\""), std::string::npos);

  if (std::system("command -v dot > /dev/null 2>&1") == 0) {  // Graphviz, when installed
    c.write_dot(path);
    EXPECT_EQ(std::system(("dot -Tsvg '" + path + "' -o /dev/null").c_str()), 0);
  }
  EXPECT_THROW(c.write_dot("/nonexistent-dir/graph.dot"), weft::Error);
}

// ---- Computing, on each runtime ----

class ComputeTest : public weft::testing::PerRuntime {
 protected:
  void SetUp() override {
    PerRuntime::SetUp();
    g_calls.store(0);
  }
};

TEST_P(ComputeTest, ComputesOneAndSeveralOutputs) {
  auto one = weft::delayed(inc)(1);
  auto sum = weft::delayed(add)(one, 10);
  EXPECT_EQ(sum.compute(), 12);
  auto [a, b, s] = weft::compute(one, weft::delayed(twice)(sum),
                                 weft::delayed([] { return std::string("ok"); })());
  EXPECT_EQ(a, 2);
  EXPECT_EQ(b, 24);
  EXPECT_EQ(s, "ok");
  EXPECT_EQ(weft::compute(sum, sum), std::make_tuple(12, 12));  // one node, two outputs
}

TEST_P(ComputeTest, CommonSubgraphRunsOnce) {
  auto shared = weft::delayed(counted)(7);
  auto a = weft::delayed(inc)(shared);
  auto b = weft::delayed(twice)(shared);
  EXPECT_EQ(weft::compute(a, b), std::make_tuple(8, 14));
  EXPECT_EQ(g_calls.load(), 1);
  EXPECT_EQ(weft::compute(weft::ComputeOptions{.optimize = false}, a, b), std::make_tuple(8, 14));
  EXPECT_EQ(g_calls.load(), 2);
}

TEST_P(ComputeTest, SameExpressionBuiltTwiceRunsOnce) {
  auto x1 = weft::delayed(counted)(3);
  auto x2 = weft::delayed(counted)(3);
  ASSERT_EQ(x1.key(), x2.key());
  EXPECT_EQ(weft::delayed(add)(x1, x2).compute(), 6);
  EXPECT_EQ(g_calls.load(), 1);
  std::atomic<int> lambda_calls{0};
  auto count = [&lambda_calls](int x) { return x + lambda_calls.fetch_add(1) * 0; };
  EXPECT_EQ(weft::compute(weft::delayed(count)(1), weft::delayed(count)(1)), std::make_tuple(1, 1));
  EXPECT_EQ(lambda_calls.load(), 1);
}

TEST_P(ComputeTest, DifferentArgsAndUnhashableArgsRunSeparately) {
  auto x = weft::delayed(counted)(3);
  auto y = weft::delayed(counted)(4);
  EXPECT_EQ(weft::delayed(add)(x, y).compute(), 7);
  EXPECT_EQ(g_calls.load(), 2);
  auto o1 = weft::delayed(opaque)(Opaque{5});
  auto o2 = weft::delayed(opaque)(Opaque{5});
  std::atomic<int> runs{0};
  auto plus = [&runs](int a, int b) { return a + b + runs.fetch_add(1) * 0; };
  auto total = weft::delayed(plus)(weft::delayed(plus)(o1, 0), weft::delayed(plus)(o2, 0));
  EXPECT_EQ(total.compute(), 10);
  EXPECT_EQ(runs.load(), 3);
}

TEST_P(ComputeTest, OptimizedGraphIsSmallerAndAgrees) {
  auto d = chain(10, 5);
  ASSERT_EQ(weft::Graph::of(d).size(), 10u);
  ASSERT_EQ(weft::Graph::of(d).cull(d).fuse().size(), 1u);
  EXPECT_EQ(d.compute(), 28);  // (5 + 9) * 2
  EXPECT_EQ(d.compute({.optimize = false}), 28);

  auto a = weft::delayed(inc)(1);
  auto b = weft::delayed(twice)(a);
  auto unused = weft::delayed(counted)(9);
  weft::Graph g = weft::Graph::of(b, unused);
  weft::Graph culled = g.cull(b);
  EXPECT_LT(culled.size(), g.size());
  EXPECT_EQ(culled.compute(b), std::make_tuple(4));
  EXPECT_EQ(g_calls.load(), 0);
  EXPECT_EQ(g.compute(b), std::make_tuple(4));
  EXPECT_EQ(g_calls.load(), 1);
  EXPECT_THROW(culled.compute(unused), weft::ConfigError);
}

TEST_P(ComputeTest, FusedChainWithRepeatedArgumentAndVisibleOutput) {
  auto x = weft::delayed(inc)(1);
  auto y = weft::delayed(add)(x, x);
  EXPECT_EQ(weft::Graph::of(y).fuse().size(), 1u);
  EXPECT_EQ(y.compute(), 4);
  auto mid = weft::delayed(inc)(weft::delayed(inc, "load")(0));
  auto end = weft::delayed(inc)(weft::delayed(twice)(mid));
  EXPECT_EQ(weft::compute(mid, end), std::make_tuple(2, 5));
}

TEST_P(ComputeTest, ErrorNamesTheNodeAndStopsDependents) {
  auto parse = weft::delayed([](int) -> int { throw std::out_of_range("index 9 of 3"); }, "parse");
  auto after = weft::delayed(counted)(weft::delayed(inc)(parse(weft::delayed(inc, "load")(1))));
  for (bool optimize : {true, false}) {
    try {
      after.compute({.optimize = optimize});
      FAIL() << "expected TaskError";
    } catch (const weft::TaskError& e) {
      EXPECT_EQ(e.task_name(), "parse");  // not the fused chain's name
      EXPECT_EQ(e.type_name(), "std::out_of_range");
      EXPECT_EQ(e.message(), "index 9 of 3");
      EXPECT_FALSE(e.worker().empty());
    }
  }
  EXPECT_EQ(g_calls.load(), 0);
  auto fine = weft::delayed(inc)(1);
  EXPECT_THROW(weft::compute(fine, after), weft::TaskError);
}

TEST_P(ComputeTest, VoidNodes) {
  std::atomic<int> seen{0};
  auto store = weft::delayed([&seen](int v) { seen.store(v); }, "store");
  auto saved = store(weft::delayed(twice)(21));
  saved.compute();
  EXPECT_EQ(seen.load(), 42);
  auto [nothing, value] = weft::compute(store(weft::delayed(inc)(6)), weft::delayed(inc)(1));
  EXPECT_EQ(nothing, std::monostate{});
  EXPECT_EQ(value, 2);
  EXPECT_EQ(seen.load(), 7);
}

TEST_P(ComputeTest, WideFanInOfTenThousand) {
  std::vector<weft::Delayed<int>> parts;
  for (int i = 0; i < 10000; ++i) parts.push_back(weft::delayed(inc)(i));
  auto total = weft::delayed(sum)(parts);
  EXPECT_EQ(weft::Graph::of(total).size(), 10001u);
  EXPECT_EQ(total.compute(), 50005000L);
  EXPECT_EQ(total.compute({.optimize = false}), 50005000L);
}

// Runs f on a thread with a 256 KiB stack, where recursing once per node of a 10,000-node
// chain (to collect, optimise, run or free it) would overflow.
void run_on_small_stack(const std::function<void()>& f) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, 256 * 1024), 0);
  pthread_t thread;
  auto body = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, body, const_cast<std::function<void()>*>(&f)), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

TEST_P(ComputeTest, LongChainOfTenThousand) {
  std::size_t nodes = 0, fused = 0;
  int optimized = 0, plain = 0;
  run_on_small_stack([&] {
    auto d = weft::delayed(inc)(0);
    for (int i = 1; i < 10000; ++i) d = weft::delayed(inc)(d);
    nodes = weft::Graph::of(d).size();
    fused = weft::Graph::of(d).fuse().size();
    optimized = d.compute();
    plain = d.compute({.optimize = false});
  });  // and the chain is freed there too
  EXPECT_EQ(nodes, 10000u);
  EXPECT_EQ(fused, 1u);
  EXPECT_EQ(optimized, 10000);
  EXPECT_EQ(plain, 10000);
}

TEST_P(ComputeTest, ComputeInsideATask) {
  auto d = weft::delayed(add)(weft::delayed(inc)(1), weft::delayed(twice)(3));
  EXPECT_EQ(weft::get(weft::remote([d] { return d.compute({.optimize = false}); })), 8);
}

INSTANTIATE_TEST_SUITE_P(Runtimes, ComputeTest, ::testing::Values("threads:2", "inline"),
                         weft::testing::runtime_name);

}  // namespace
