// Tasks for chaos_test.sh: a wide map of leaves and a tree reduction over them, run while
// workers are killed. They live in a shared library that `weft worker --load` loads and
// chaos_client links.
#pragma once

#include <cstdint>

namespace chaos {

// A value that depends on i only, after about `spin` rounds of mixing: long enough that
// many tasks are running or queued on the worker a kill hits.
std::uint64_t leaf(std::uint64_t i, std::uint32_t spin);

// Not commutative, so a result that comes back in the wrong place changes the total.
std::uint64_t combine(std::uint64_t left, std::uint64_t right);

// Kills the worker that runs it (SIGKILL), every time: the task a scheduler must give up
// on, with KilledWorkerError, instead of killing every worker in turn.
int die();

}  // namespace chaos
