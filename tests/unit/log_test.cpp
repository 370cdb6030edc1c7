// The log facade (src/diag/log.*): configuration, levels, files, JSON lines.
#include "diag/log.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using weft::diag::LogConfig;
using weft::diag::LogFormat;
using weft::diag::LogLevel;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "weft-log-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const fs::path& p) {
  std::vector<std::string> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

fs::path file_of(const fs::path& dir, const std::string& process) {
  return dir / (process + "-" + std::to_string(::getpid()) + ".log");
}

// Each test configures the process's logging afresh, and leaves stderr-only behind it.
class Log : public ::testing::Test {
 protected:
  void TearDown() override { weft::diag::configure_logging(LogConfig{}); }
};

TEST(LogConfigTest, DefaultsWhenUnset) {
  const LogConfig c = weft::diag::parse_log_config(nullptr, nullptr, nullptr);
  EXPECT_EQ(c.level, LogLevel::kInfo);
  EXPECT_EQ(c.dir, "");
  EXPECT_EQ(c.format, LogFormat::kText);
  EXPECT_TRUE(c.problems.empty());
}

TEST(LogConfigTest, ReadsEachSetting) {
  const LogConfig c = weft::diag::parse_log_config("WARN", "/tmp/logs", "json");
  EXPECT_EQ(c.level, LogLevel::kWarn);
  EXPECT_EQ(c.dir, "/tmp/logs");
  EXPECT_EQ(c.format, LogFormat::kJson);
  EXPECT_TRUE(c.problems.empty());
  EXPECT_EQ(weft::diag::parse_log_config("debug", nullptr, "text").level, LogLevel::kDebug);
  EXPECT_EQ(weft::diag::parse_log_config("off", nullptr, nullptr).level, LogLevel::kOff);
  EXPECT_EQ(weft::diag::parse_log_level("warning"), LogLevel::kWarn);
  EXPECT_EQ(weft::diag::parse_log_level("Error"), LogLevel::kError);
}

TEST(LogConfigTest, BadValuesFallBackAndAreReported) {
  const LogConfig c = weft::diag::parse_log_config("loud", nullptr, "xml");
  EXPECT_EQ(c.level, LogLevel::kInfo);
  EXPECT_EQ(c.format, LogFormat::kText);
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_NE(c.problems[0].find("WEFT_LOG_LEVEL='loud'"), std::string::npos);
  EXPECT_NE(c.problems[1].find("WEFT_LOG_FORMAT='xml'"), std::string::npos);
  EXPECT_FALSE(weft::diag::parse_log_level("verbose").has_value());
}

TEST_F(Log, LevelsFilter) {
  TempDir tmp;
  weft::diag::configure_logging(LogConfig{.level = LogLevel::kWarn, .dir = tmp.path().string()});
  weft::diag::set_log_process("levels");
  EXPECT_FALSE(weft::diag::log_enabled(LogLevel::kInfo));
  EXPECT_TRUE(weft::diag::log_enabled(LogLevel::kWarn));
  weft::diag::log_debug("a debug line");
  weft::diag::log_info("an info line");
  weft::diag::log_warn("worker %u (%s) disconnected: lost", 2u, "w@h");
  weft::diag::log(LogLevel::kError, "an error line %d", 7);
  weft::diag::flush_logs();
  const std::vector<std::string> lines = lines_of(file_of(tmp.path(), "levels"));
  ASSERT_EQ(lines.size(), 2u) << read(file_of(tmp.path(), "levels"));
  const std::regex warn(
      R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[levels\] \[warning\] worker 2 \(w@h\) disconnected: lost)");
  EXPECT_TRUE(std::regex_match(lines[0], warn)) << lines[0];
  EXPECT_NE(lines[1].find("[levels] [error] an error line 7"), std::string::npos) << lines[1];

  weft::diag::set_log_level(LogLevel::kOff);
  weft::diag::log_error("not written");
  weft::diag::flush_logs();
  EXPECT_EQ(lines_of(file_of(tmp.path(), "levels")).size(), 2u);
}

TEST_F(Log, FileIsCreatedWithTheProcessNameAndKeepsIt) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "not" / "yet";
  weft::diag::configure_logging(LogConfig{.dir = dir.string()});
  weft::diag::set_log_process("worker-7@host");
  // The file exists as the role starts, before it has anything to say.
  EXPECT_TRUE(fs::exists(file_of(dir, "worker-7@host")));
  weft::diag::set_log_process("worker-8@host");
  weft::diag::log_info("renamed");
  weft::diag::flush_logs();
  EXPECT_FALSE(fs::exists(file_of(dir, "worker-8@host")));
  EXPECT_NE(read(file_of(dir, "worker-7@host")).find("[worker-8@host] [info] renamed"),
            std::string::npos);
}

TEST_F(Log, LongMessagesAreWhole) {
  TempDir tmp;
  weft::diag::configure_logging(LogConfig{.dir = tmp.path().string()});
  weft::diag::set_log_process("long");
  const std::string text(5000, 'x');
  weft::diag::log_warn("%s|end", text.c_str());
  EXPECT_NE(read(file_of(tmp.path(), "long")).find(text + "|end\n"), std::string::npos);
}

TEST_F(Log, JsonLinesParse) {
  TempDir tmp;
  weft::diag::configure_logging(
      LogConfig{.level = LogLevel::kDebug, .dir = tmp.path().string(), .format = LogFormat::kJson});
  weft::diag::set_log_process("json \"proc\"");
  weft::diag::log_warn("task 'inc' failed: std::runtime_error: say \"hi\"\nnext\tline \\ %s",
                       "caf\xc3\xa9 \x01 bad\xff");
  weft::diag::log_debug("plain");
  weft::diag::flush_logs();
  const fs::path file = file_of(tmp.path(), "json__proc_");
  const std::vector<std::string> lines = lines_of(file);
  ASSERT_EQ(lines.size(), 2u) << read(file);
  const nlohmann::json j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["process"], "json \"proc\"");
  EXPECT_EQ(j["pid"], ::getpid());
  EXPECT_EQ(j["message"],
            "task 'inc' failed: std::runtime_error: say \"hi\"\nnext\tline \\ caf\xc3\xa9 \x01 "
            "bad\xef\xbf\xbd");
  EXPECT_TRUE(std::regex_match(j["time"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << j["time"];
  EXPECT_EQ(nlohmann::json::parse(lines[1])["level"], "debug");
}

TEST(LogJsonTest, FormatsTimeInUtcWithMilliseconds) {
  const std::string line =
      weft::diag::format_json_line(86'400'123, LogLevel::kError, "client", 42, "a\"b");
  EXPECT_EQ(line, R"({"time":"1970-01-02T00:00:00.123Z","level":"error","process":"client",)"
                  R"("pid":42,"message":"a\"b"})");
}

// The environment is read once per process: a child started with WEFT_LOG_* shows it.
TEST(LogEnvTest, ChildReadsTheEnvironment) {
  if (std::getenv("WEFT_LOG_TEST_CHILD") != nullptr) {
    weft::diag::set_log_process("child");
    weft::diag::log_info("hidden by WEFT_LOG_LEVEL=warn");
    weft::diag::log_warn("from the child");
    return;  // flushed at exit
  }
  TempDir tmp;
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setenv("WEFT_LOG_TEST_CHILD", "1", 1);
    ::setenv("WEFT_LOG_LEVEL", "warn", 1);
    ::setenv("WEFT_LOG_DIR", tmp.path().c_str(), 1);
    ::setenv("WEFT_LOG_FORMAT", "json", 1);
    ::execl("/proc/self/exe", "log_test", "--gtest_filter=LogEnvTest.ChildReadsTheEnvironment",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  const std::vector<std::string> lines =
      lines_of(tmp.path() / ("child-" + std::to_string(pid) + ".log"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["message"], "from the child");
}

}  // namespace
