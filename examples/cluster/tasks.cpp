// WEFT_REMOTE registers each function by name when the library is loaded (static
// initialisation), into the registry of the executable that loads it: this library does
// not link weft itself (see weft_add_task_library and docs/design-notes.md).
#include "tasks.hpp"

#include <unistd.h>

#include <chrono>
#include <thread>

#include <weft/weft.hpp>

namespace tasks {

double square(double x) { return x * x; }
WEFT_REMOTE(square);

double add(double a, double b) { return a + b; }
WEFT_REMOTE(add);

std::string where(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::to_string(::getpid()) + "@" + host;
}
WEFT_REMOTE(where);

}  // namespace tasks
