#include "exec/ticks.hpp"

#include <fstream>
#include <string>

namespace weft::exec {
namespace {

bool kernel_uses_tsc() {
#if defined(__x86_64__) || defined(__i386__)
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  return (in >> source) && source == "tsc";
#else
  return false;
#endif
}

}  // namespace

const bool kTicksAreTsc = kernel_uses_tsc();

}  // namespace weft::exec
