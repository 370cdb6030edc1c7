// For cli_test.sh: a worker loads this library, whose `scale` has other parameters than the
// `scale` its client was built with (mismatch_client.cpp): the call must be refused.
#include <weft/weft.hpp>

namespace mismatch {

int scale(int x, int factor) { return x * factor; }
WEFT_REMOTE(scale);

}  // namespace mismatch
