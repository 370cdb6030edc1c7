// Progress bars: the text they draw, and that the calls that draw them still return the
// right results with a bar on (what reaches the terminal is checked by
// tests/integration/progress_test.sh, under a pseudo-terminal and through a pipe).
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "diag/progress_format.hpp"
#include "weft/weft.hpp"

namespace {

using weft::diag::EnvProgress;
using weft::diag::format_clock;
using weft::diag::format_plain_line;
using weft::diag::format_rate;
using weft::diag::format_tty_line;
using weft::diag::ProgressSnapshot;

TEST(ProgressFormat, RateHasThreeDigitsAndAPrefix) {
  EXPECT_EQ(format_rate(0.5), "0.5/s");
  EXPECT_EQ(format_rate(950), "950/s");
  EXPECT_EQ(format_rate(5234), "5.23k/s");
  EXPECT_EQ(format_rate(12'345'678), "12.3M/s");
  // 999.7 would round to "1e+03" in its own unit.
  EXPECT_EQ(format_rate(999.7), "1k/s");
  EXPECT_EQ(format_rate(-1), "?/s");
  EXPECT_EQ(format_rate(NAN), "?/s");
}

TEST(ProgressFormat, ClockIsMinutesSecondsThenHours) {
  EXPECT_EQ(format_clock(0), "0:00");
  EXPECT_EQ(format_clock(7.9), "0:07");
  EXPECT_EQ(format_clock(137), "2:17");
  EXPECT_EQ(format_clock(3723), "1:02:03");
  EXPECT_EQ(format_clock(-1), "?");
  EXPECT_EQ(format_clock(INFINITY), "?");
}

TEST(ProgressFormat, TtyLineShowsCountsRateElapsedAndEta) {
  const ProgressSnapshot s{"weft get", 2500, 10000, 2.0};
  EXPECT_EQ(format_tty_line(s, 120),
            "weft get [#######.......................] 2500/10000 25% 1.25k/s elapsed 0:02 eta "
            "0:06");
}

TEST(ProgressFormat, TtyBarKeepsItsWidthAsTheTextChanges) {
  const std::string start = format_tty_line({"x", 0, 1000, 0.1}, 100);
  const std::string end = format_tty_line({"x", 1000, 1000, 83.0}, 100);
  EXPECT_EQ(start.find(']'), end.find(']')) << start << "\n" << end;
  EXPECT_NE(end.find("[####"), std::string::npos) << end;
}

TEST(ProgressFormat, TtyLineFitsNarrowTerminals) {
  const ProgressSnapshot s{"weft compute", 500, 1000, 1.0};
  for (int width : {80, 60, 40, 20, 5}) {
    const std::string line = format_tty_line(s, width);
    EXPECT_LT(line.size(), static_cast<std::size_t>(width)) << width;
    EXPECT_EQ(line.find('\n'), std::string::npos);
  }
  // Too narrow for a bar: the counts come right after the label.
  EXPECT_EQ(format_tty_line(s, 50).substr(0, 22), "weft compute 500/1000 ");
}

TEST(ProgressFormat, EtaIsUnknownBeforeTheFirstCompletion) {
  const std::string line = format_tty_line({"x", 0, 10, 1.0}, 200);
  EXPECT_NE(line.find("0/10 0% 0/s elapsed 0:01 eta ?"), std::string::npos) << line;
}

TEST(ProgressFormat, PlainLines) {
  EXPECT_EQ(format_plain_line({"weft get", 5000, 10000, 1.2}, false),
            "weft get: 5000/10000 (50%) 4.17k/s eta 0:01");
  EXPECT_EQ(format_plain_line({"weft get", 10000, 10000, 2.4}, true),
            "weft get: 10000/10000 (100%) in 2.4 s, 4.17k/s");
  // An empty job is complete.
  EXPECT_EQ(format_plain_line({"weft get", 0, 0, 0}, true), "weft get: 0/0 (100%) in 0.0 s, 0/s");
}

TEST(ProgressFormat, PlainLinesEveryTenPercentAtMostOnceASecond) {
  using weft::diag::plain_line_due;
  EXPECT_FALSE(plain_line_due(0, 0, 50, 5.0, 1000));     // 5%
  EXPECT_TRUE(plain_line_due(0, 0, 100, 5.0, 1000));     // 10%
  EXPECT_FALSE(plain_line_due(0, 0, 900, 0.5, 1000));    // too soon
  EXPECT_TRUE(plain_line_due(100, 1, 101, 11.0, 1000));  // 10 s without a line
}

TEST(ProgressFormat, EnvironmentValues) {
  using weft::diag::parse_progress_env;
  EXPECT_EQ(parse_progress_env(std::nullopt), EnvProgress::kUnset);
  EXPECT_EQ(parse_progress_env("1"), EnvProgress::kOn);
  EXPECT_EQ(parse_progress_env("on"), EnvProgress::kOn);
  EXPECT_EQ(parse_progress_env("auto"), EnvProgress::kAuto);
  EXPECT_EQ(parse_progress_env("0"), EnvProgress::kNever);
  EXPECT_EQ(parse_progress_env("false"), EnvProgress::kNever);
  EXPECT_EQ(parse_progress_env("maybe"), EnvProgress::kUnset);
}

// The test runs without WEFT_PROGRESS (ctest sets none): kDefault is off, kOff is off.
TEST(Progress, OffUnlessAskedFor) {
  EXPECT_FALSE(weft::progress_enabled(weft::Progress::kDefault));
  EXPECT_FALSE(weft::progress_enabled(weft::Progress::kOff));
  EXPECT_TRUE(weft::progress_enabled(weft::Progress::kOn));
  EXPECT_FALSE(weft::ProgressBar(10, "x", weft::Progress::kOff).enabled());
}

TEST(Progress, GetOfManyWithABarReturnsEveryValueInOrder) {
  std::vector<weft::Ref<int>> refs;
  for (int i = 0; i < 500; ++i) refs.push_back(weft::remote([i] { return i * 2; }));
  const std::vector<int> values = weft::get(refs, {.progress = weft::Progress::kOn});
  ASSERT_EQ(values.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(values[static_cast<std::size_t>(i)], i * 2);
}

TEST(Progress, GetWithABarThrowsTheFirstErrorInInputOrder) {
  std::vector<weft::Ref<int>> refs;
  refs.push_back(weft::remote([] { return 1; }));
  refs.push_back(weft::remote([]() -> int { throw std::runtime_error("second"); }));
  refs.push_back(weft::remote([]() -> int {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    throw std::runtime_error("third");
  }));
  try {
    weft::get(refs, {.progress = weft::Progress::kOn});
    FAIL() << "no error";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.message(), "second");
  }
}

TEST(Progress, ComputeWithABar) {
  auto inc = weft::delayed([](int x) { return x + 1; }, "inc");
  auto add = weft::delayed([](int a, int b) { return a + b; }, "add");
  std::vector<weft::Delayed<int>> layer;
  for (int i = 0; i < 64; ++i) layer.push_back(inc(i));
  auto total = weft::delayed([](const std::vector<int>& v) {
    int s = 0;
    for (int x : v) s += x;
    return s;
  })(layer);
  EXPECT_EQ(add(total, 1).compute({.progress = weft::Progress::kOn}), 64 * 65 / 2 + 1);
}

TEST(Progress, ParallelMapAndForWithABar) {
  std::vector<int> in(10'000);
  for (int i = 0; i < 10'000; ++i) in[static_cast<std::size_t>(i)] = i;
  const std::vector<int> out =
      weft::parallel_map([](int x) { return x + 1; }, in, {.progress = weft::Progress::kOn});
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) EXPECT_EQ(out[i], in[i] + 1);
  std::atomic<long> sum{0};
  weft::parallel_for(0, 1000, [&](std::int64_t i) { sum += i; }, {.progress = weft::Progress::kOn});
  EXPECT_EQ(sum.load(), 999 * 1000 / 2);
}

TEST(Progress, ParallelMapWithABarReportsTheFailingItem) {
  std::vector<int> in(1000, 1);
  in[700] = -1;
  try {
    weft::parallel_map(
        [](int x) {
          if (x < 0) throw std::invalid_argument("negative");
          return x;
        },
        in, {.progress = weft::Progress::kOn});
    FAIL() << "no error";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.task_name(), "parallel_map[700]");
  }
}

TEST(Progress, BarDrivenFromManyThreads) {
  weft::ProgressBar bar(4000, "manual");
  ASSERT_TRUE(bar.enabled());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) bar.add();
    });
  }
  for (auto& t : threads) t.join();
  bar.finish();
  bar.add();  // after finish: draws nothing, and is safe
}

}  // namespace
