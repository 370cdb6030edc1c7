// The client of chaos_test.sh: 100,000 tasks (50,000 leaves, a binary tree of 49,999
// combines over them, and a final combine with a seed) on a cluster whose workers are being
// killed, checked against the same computation done here serially.
//   chaos_client --weft-runtime=connect:tcp://127.0.0.1:PORT [SPIN]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <weft/weft.hpp>

#include "chaos_tasks.hpp"

namespace {

constexpr std::uint64_t kLeaves = 50'000;
constexpr std::uint64_t kSeed = 12345;

// Pairs neighbours level by level; an odd one out moves up unchanged. `Combine` maps two
// values (or Refs) to one, so the serial and the distributed runs share the tree's shape.
template <class T, class Combine>
T tree(std::vector<T> level, Combine combine, std::uint64_t& combines) {
  while (level.size() > 1) {
    std::vector<T> next;
    next.reserve(level.size() / 2 + 1);
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
      next.push_back(combine(level[i], level[i + 1]));
      ++combines;
    }
    if (level.size() % 2 == 1) next.push_back(level.back());
    level = std::move(next);
  }
  return level.front();
}

// The job is started and then given up on, by cancelling it (`how` == "cancel", then a
// normal exit) or by dying without a word ("abandon"): the scheduler must be left with no
// task and no object of it either way (the test checks with `weft status`).
int run_give_up(std::string_view how, std::uint32_t spin) {
  std::uint64_t combines = 0;
  std::vector<weft::Ref<std::uint64_t>> leaves;
  for (std::uint64_t i = 0; i < kLeaves; ++i) leaves.push_back(weft::remote(chaos::leaf, i, spin));
  weft::get(leaves.front());  // running by now
  auto pair = [](const weft::Ref<std::uint64_t>& a, const weft::Ref<std::uint64_t>& b) {
    return weft::remote(chaos::combine, a, b);
  };
  weft::Ref<std::uint64_t> top = tree(leaves, pair, combines);
  std::printf("%s after %llu tasks\n", std::string(how).c_str(),
              static_cast<unsigned long long>(kLeaves + combines));
  std::fflush(stdout);
  if (how == "abandon") std::_Exit(0);
  top.cancel();
  return 0;
}

// A task that kills every worker it runs on must fail, naming the workers.
int run_die() {
  try {
    weft::get(weft::remote(chaos::die));
  } catch (const weft::KilledWorkerError& e) {
    std::printf("killed-worker: %s\n", e.what());
    std::printf("died on: %s\n", e.worker().c_str());
    return 0;
  }
  std::printf("die: no KilledWorkerError\n");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  weft::Runtime rt = weft::init(argc, argv);
  std::uint32_t spin = 20000;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "die") return run_die();
    if (arg == "cancel" || arg == "abandon") return run_give_up(arg, spin);
    if (argv[i][0] != '-') spin = static_cast<std::uint32_t>(std::atoi(argv[i]));
  }

  std::uint64_t combines = 0;
  std::vector<weft::Ref<std::uint64_t>> leaves;
  for (std::uint64_t i = 0; i < kLeaves; ++i) leaves.push_back(weft::remote(chaos::leaf, i, spin));
  auto pair = [](const weft::Ref<std::uint64_t>& a, const weft::Ref<std::uint64_t>& b) {
    return weft::remote(chaos::combine, a, b);
  };
  weft::Ref<std::uint64_t> top = tree(std::move(leaves), pair, combines);
  const std::uint64_t result = weft::get(weft::remote(chaos::combine, kSeed, top));
  std::printf("tasks: %llu\n", static_cast<unsigned long long>(kLeaves + combines + 1));
  std::printf("result: %016llx\n", static_cast<unsigned long long>(result));
  std::fflush(stdout);  // the test stops killing workers here

  std::uint64_t unused = 0;
  std::vector<std::uint64_t> values;
  for (std::uint64_t i = 0; i < kLeaves; ++i) values.push_back(chaos::leaf(i, spin));
  const std::uint64_t serial =
      chaos::combine(kSeed, tree(std::move(values), chaos::combine, unused));
  std::printf("serial: %016llx\n", static_cast<unsigned long long>(serial));
  std::printf("chaos: %s\n", result == serial ? "ok" : "WRONG");
  return result == serial ? 0 : 1;
}
