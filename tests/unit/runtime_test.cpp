// Choosing a runtime: specs, the environment variable, the command-line flag.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "weft/weft.hpp"

namespace {

TEST(ConfigTest, ParsesSpecs) {
  EXPECT_EQ(weft::Config::parse("threads").kind, weft::RuntimeKind::kThreads);
  EXPECT_EQ(weft::Config::parse("threads").workers, 0);
  EXPECT_EQ(weft::Config::parse("threads:16").workers, 16);
  EXPECT_EQ(weft::Config::parse("inline").kind, weft::RuntimeKind::kInline);
  EXPECT_EQ(weft::Config::parse("threads:3").to_string(), "threads:3");
}

TEST(ConfigTest, RejectsBadSpecsWithAClearError) {
  for (const char* bad : {"thread", "threads:", "threads:0", "threads:-2", "threads:4x", "gpu"}) {
    try {
      weft::Config::parse(bad);
      FAIL() << "accepted " << bad;
    } catch (const weft::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("threads:N"), std::string::npos) << e.what();
    }
  }
}

TEST(RuntimeTest, EnvironmentVariableChoosesRuntime) {
  ::setenv("WEFT_RUNTIME", "threads:3", 1);
  {
    auto rt = weft::init();
    EXPECT_EQ(rt.describe(), "threads:3");
    EXPECT_EQ(rt.concurrency(), 3);
  }
  ::setenv("WEFT_RUNTIME", "inline", 1);
  {
    auto rt = weft::init();
    EXPECT_EQ(rt.concurrency(), 1);
  }
  ::unsetenv("WEFT_RUNTIME");
}

TEST(RuntimeTest, CommandLineFlagOverridesEnvironment) {
  ::setenv("WEFT_RUNTIME", "inline", 1);
  char prog[] = "prog";
  char flag[] = "--weft-runtime=threads:5";
  char* argv[] = {prog, flag, nullptr};
  auto rt = weft::init(2, argv);
  EXPECT_EQ(rt.describe(), "threads:5");
  ::unsetenv("WEFT_RUNTIME");
}

TEST(RuntimeTest, SecondInitIsAnError) {
  auto rt = weft::init("threads:2");
  EXPECT_THROW(weft::init("threads:2"), weft::ConfigError);
  rt.shutdown();
  auto again = weft::init("threads:2");
  EXPECT_EQ(again.concurrency(), 2);
}

TEST(RuntimeTest, DefaultRuntimeStartsOnFirstUse) {
  EXPECT_EQ(weft::get(weft::remote([] { return 5; })), 5);
  // An explicit init replaces the implicit default.
  auto rt = weft::init("threads:2");
  EXPECT_EQ(rt.concurrency(), 2);
}

}  // namespace
