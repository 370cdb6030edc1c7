// libFuzzer's entry point for one target, chosen at compile time (WEFT_FUZZ_TARGET, e.g.
// wire_target), so that the targets themselves also link into the replay test.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weft::fuzz::WEFT_FUZZ_TARGET({data, size});
  return 0;
}
