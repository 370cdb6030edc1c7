// A program on the processes runtime that runs one task and then waits to be killed: the
// driver for kill_driver_test.sh.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include <weft/weft.hpp>

int triple(int x) { return 3 * x; }
WEFT_REMOTE(triple);

int main(int argc, char** argv) {
  auto rt = weft::init(argc, argv);
  std::printf("ready %d result %d\n", static_cast<int>(getpid()),
              weft::get(weft::remote(triple, 14)));
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(60));
}
