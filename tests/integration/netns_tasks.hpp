// Tasks for netns_test.sh: a large object made on one host and consumed on another. They
// live in a shared library that `weft worker --load` loads and netns_client links.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <weft/serde.hpp>

namespace netns {

// Where a task ran: its process and its network namespace (a "host" in the test).
struct Place {
  std::int64_t pid = 0;
  std::string netns;  // readlink /proc/self/ns/net, e.g. "net:[4026532281]"
  WEFT_SERIALIZE(pid, netns);
};

struct Block {
  std::vector<double> values;  // large: travels as an out-of-band frame
  Place made_at;
  WEFT_SERIALIZE(values, made_at);
};

struct Report {
  std::uint64_t count = 0;
  double sum = 0;
  Place made_at, read_at;
  WEFT_SERIALIZE(count, sum, made_at, read_at);
};

Block produce(std::int64_t n, double value);
Report consume(const Block& block);

}  // namespace netns
