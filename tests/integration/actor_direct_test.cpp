// Actor calls on the direct same-node link (net/direct.hpp), through the public API on a
// local cluster: order per caller (several threads, and tasks calling over ZeroMQ at the
// same time), errors, kills, a worker killed mid-call, and the fallback to ZeroMQ when the
// link is switched off (WEFT_DIRECT_ACTORS=0).
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

#include "net/direct.hpp"

namespace {

using namespace std::chrono_literals;

// Checks that each caller's calls arrive in the order it made them.
struct Ledger {
  std::map<int, int> last;
  bool note(int caller, int seq) {
    const bool in_order = seq == last[caller] + 1;
    last[caller] = seq;
    return in_order;
  }
  int calls() const {
    int n = 0;
    for (const auto& [caller, seq] : last) n += seq;
    return n;
  }
  int pid() const { return static_cast<int>(getpid()); }
  int fail(int code) { throw std::runtime_error("code " + std::to_string(code)); }
  int nap(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ms;
  }
};
WEFT_ACTOR(Ledger, note, calls, pid, fail, nap);

// Makes `n` calls as `caller` from a task; over ZeroMQ when `zeromq` (this worker process's
// client is made by its first actor call, and reads the switch then). Returns how many
// arrived in order.
int note_from_task(weft::Actor<Ledger> ledger, int caller, int n, bool zeromq) {
  if (zeromq) ::setenv("WEFT_DIRECT_ACTORS", "0", 1);
  std::vector<weft::Ref<bool>> refs;
  for (int i = 1; i <= n; ++i) refs.push_back(ledger.call(&Ledger::note, caller, i));
  int ok = 0;
  for (bool b : weft::get(refs)) ok += b ? 1 : 0;
  return ok;
}
WEFT_REMOTE(note_from_task);

// The direct-link sockets process `pid` holds, from /proc/net/unix (a line per socket:
// ... state inode path; a worker's listener and the links it accepted carry its name):
// state 01 is its listener, 03 an accepted link. Only this cluster's workers are looked at:
// ctest runs other clusters beside this one.
struct DirectSockets {
  std::string listener;  // the worker's data address
  int links = 0;
};
DirectSockets direct_sockets(int pid) {
  std::set<std::string> inodes;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& fd : std::filesystem::directory_iterator(dir)) {
    std::error_code ignored;
    const std::string target = std::filesystem::read_symlink(fd.path(), ignored).string();
    if (target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  DirectSockets out;
  std::ifstream in("/proc/net/unix");
  std::string line;
  const std::string name = "@weft-actors ";
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string num, refs, protocol, flags, type, state, inode;
    fields >> num >> refs >> protocol >> flags >> type >> state >> inode;
    const std::size_t at = line.find(name);
    if (at == std::string::npos || inodes.count(inode) == 0) continue;
    if (state == "01") out.listener = line.substr(at + name.size());
    if (state == "03") ++out.links;
  }
  return out;
}

// Calls from several program threads and from tasks (on the workers' own clients, half of
// them over ZeroMQ) at once: every caller's calls run in its order.
void expect_order_per_caller() {
  auto ledger = weft::actor<Ledger>();
  constexpr int kThreads = 4;
  constexpr int kCalls = 300;
  std::vector<weft::Ref<int>> from_tasks;
  for (int t = 0; t < 4; ++t) {
    from_tasks.push_back(weft::remote(note_from_task, ledger, 100 + t, kCalls, t % 2 == 0));
  }
  std::vector<std::thread> threads;
  std::vector<int> in_order(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<weft::Ref<bool>> refs;
      for (int i = 1; i <= kCalls; ++i) refs.push_back(ledger.call(&Ledger::note, t, i));
      for (bool b : weft::get(refs)) in_order[t] += b ? 1 : 0;
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(in_order[t], kCalls) << "thread " << t;
  for (int n : weft::get(from_tasks)) EXPECT_EQ(n, kCalls);
  EXPECT_EQ(weft::get(ledger.call(&Ledger::calls)), 8 * kCalls);
}

TEST(ActorDirect, CallsKeepEachCallersOrder) {
  auto rt = weft::init("processes:2");
  auto ledger = weft::actor<Ledger>();
  const int worker = weft::get(ledger.call(&Ledger::pid));
  EXPECT_GT(direct_sockets(worker).links, 0) << "the calls did not take the direct link";
  expect_order_per_caller();
}

TEST(ActorDirect, SwitchedOffCallsTakeZeroMQ) {
  ::setenv("WEFT_DIRECT_ACTORS", "0", 1);
  {
    auto rt = weft::init("processes:2");
    auto ledger = weft::actor<Ledger>();
    const int worker = weft::get(ledger.call(&Ledger::pid));
    EXPECT_FALSE(direct_sockets(worker).listener.empty());
    EXPECT_EQ(direct_sockets(worker).links, 0);
    expect_order_per_caller();
  }
  ::unsetenv("WEFT_DIRECT_ACTORS");
}

TEST(ActorDirect, ErrorsNameTheMethodAndTheWorker) {
  auto rt = weft::init("processes:2");
  auto ledger = weft::actor<Ledger>();
  EXPECT_TRUE(weft::get(ledger.call(&Ledger::note, 1, 1)));
  try {
    weft::get(ledger.call(&Ledger::fail, 7));
    FAIL() << "expected a TaskError";
  } catch (const weft::TaskError& e) {
    EXPECT_EQ(e.type_name(), "std::runtime_error");
    EXPECT_EQ(e.message(), "code 7");
    EXPECT_EQ(e.task_name(), "Ledger::fail");
    EXPECT_NE(e.worker().find("worker-"), std::string::npos) << e.worker();
  }
  EXPECT_TRUE(weft::get(ledger.call(&Ledger::note, 1, 2)));
  EXPECT_GT(direct_sockets(weft::get(ledger.call(&Ledger::pid))).links, 0);
}

// Calls still queued on the worker when a kill arrives are refused, as over ZeroMQ; those
// answered before it stand, and every call after it fails.
TEST(ActorDirect, CallsAfterAKillFail) {
  auto rt = weft::init("processes:2");
  auto ledger = weft::actor<Ledger>();
  std::vector<weft::Ref<bool>> before;
  for (int i = 1; i <= 50; ++i) before.push_back(ledger.call(&Ledger::note, 1, i));
  for (bool b : weft::get(before)) EXPECT_TRUE(b);
  ledger.kill();
  for (int i = 51; i <= 53; ++i)
    EXPECT_THROW(weft::get(ledger.call(&Ledger::note, 1, i)), weft::Error);
}

TEST(ActorDirect, AWorkerKilledMidCallFailsTheCall) {
  auto rt = weft::init("processes:2");
  auto ledger = weft::actor<Ledger>();
  const int worker = weft::get(ledger.call(&Ledger::pid));
  weft::Ref<int> in_flight = ledger.call(&Ledger::nap, 5000);
  std::this_thread::sleep_for(200ms);
  ASSERT_EQ(::kill(worker, SIGKILL), 0);
  const auto start = std::chrono::steady_clock::now();
  try {
    weft::get(in_flight);
    FAIL() << "the call on the killed worker returned";
  } catch (const weft::ActorDiedError& e) {
    EXPECT_FALSE(e.restarted()) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_THROW(weft::get(ledger.call(&Ledger::calls)), weft::Error);
}

// Garbage on a direct link (after a valid handshake: this process holds the cluster's key)
// costs the worker that link and a log line, nothing more: its actor goes on answering.
TEST(ActorDirect, BadInputOnALinkDropsOnlyThatLink) {
  auto rt = weft::init("processes:2");
  auto ledger = weft::actor<Ledger>();
  const int pid = weft::get(ledger.call(&Ledger::pid));
  const std::string worker = direct_sockets(pid).listener;
  ASSERT_FALSE(worker.empty());
  const std::vector<weft::Buffer> bad_header{weft::Buffer::copy("garbage!", 8),
                                             weft::Buffer::copy("x", 1)};
  const std::uint8_t no_parts[4] = {0, 0, 0, 0};
  const std::uint8_t truncated[14] = {1, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 'a', 'b'};
  {
    auto link = weft::net::connect_direct(worker, 2000ms);
    link->send(weft::net::Kind::kActorCall, weft::net::Ids{{1, 2}});  // a body of another type:
    ASSERT_TRUE(link->flush());  // that message is dropped, the link stays
    ASSERT_EQ(::write(link->fd(), no_parts, sizeof no_parts), 4);  // a bad frame: link dropped
    auto other = weft::net::connect_direct(worker, 2000ms);
    other->send_parts(bad_header);  // not a weft message: link dropped
    ASSERT_TRUE(other->flush());
    auto cut = weft::net::connect_direct(worker, 2000ms);
    ASSERT_EQ(::write(cut->fd(), truncated, sizeof truncated), 14);
    cut.reset();  // closed mid-message: link dropped
  }
  std::vector<weft::Ref<bool>> after;
  for (int i = 1; i <= 20; ++i) after.push_back(ledger.call(&Ledger::note, 1, i));
  for (bool b : weft::get(after)) EXPECT_TRUE(b);
  EXPECT_EQ(weft::get(ledger.call(&Ledger::pid)), pid);
}

}  // namespace

int main(int argc, char** argv) {
  if (std::getenv("WEFT_ROLE") != nullptr) weft::init(argc, argv);  // a worker: never returns
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
