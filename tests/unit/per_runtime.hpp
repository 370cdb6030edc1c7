// A fixture for tests that must hold on every runtime: each test gets a fresh runtime
// started from the spec it is instantiated with, e.g.
//   class TaskTest : public weft::testing::PerRuntime {};
//   INSTANTIATE_TEST_SUITE_P(Runtimes, TaskTest, ::testing::Values("threads:2", "inline"),
//                            weft::testing::runtime_name);
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "weft/runtime.hpp"

namespace weft::testing {

class PerRuntime : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { runtime_.emplace(weft::init(GetParam())); }
  void TearDown() override { runtime_.reset(); }

 private:
  std::optional<weft::Runtime> runtime_;
};

// "threads:2" -> "threads_2": test names allow only letters, digits and underscores.
inline std::string runtime_name(const ::testing::TestParamInfo<const char*>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (c == ':') c = '_';
  }
  return name;
}

}  // namespace weft::testing
