// serde: what it costs to turn task arguments into a message and back.
//
//   small/*     a task-argument-like tuple (int, double, short string): ns per message,
//               against msgpack-cxx used directly (pack a tuple, unpack, convert)
//   large/*     a vector<double> of 1 MiB and 64 MiB: encode (a frame reference, no copy),
//               decode into Buffer or ArrayView (aliases the frame, no copy) and into
//               std::vector (one copy), against memcpy of the same bytes (the peer)
//
//   build-serde/bench/serde_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#define MSGPACK_NO_BOOST
#include <msgpack.hpp>

#include "weft/serde.hpp"

namespace {

namespace serde = weft::serde;
using Args = std::tuple<int, double, std::string>;

const Args kArgs{42, 3.25, "slow_square"};

void BM_SmallEncode(benchmark::State& state) {
  for (auto _ : state) {
    serde::Message m = serde::encode(kArgs);
    benchmark::DoNotOptimize(m.body.data());
  }
}
BENCHMARK(BM_SmallEncode)->Name("small/encode");

void BM_SmallDecode(benchmark::State& state) {
  const serde::Message m = serde::encode(kArgs);
  for (auto _ : state) {
    Args a = serde::decode<Args>(m);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_SmallDecode)->Name("small/decode");

void BM_SmallRoundTrip(benchmark::State& state) {
  for (auto _ : state) {
    serde::Message m = serde::encode(kArgs);
    Args a = serde::decode<Args>(m);
    benchmark::DoNotOptimize(a);
  }
  state.counters["body_bytes"] = static_cast<double>(serde::encode(kArgs).body.size());
}
BENCHMARK(BM_SmallRoundTrip)->Name("small/encode+decode");

// The peer: msgpack-cxx's own tuple adaptor, packing into an sbuffer and unpacking into an
// object tree (msgpack::unpack) before converting.
void BM_SmallRoundTripMsgpack(benchmark::State& state) {
  for (auto _ : state) {
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, kArgs);
    msgpack::object_handle handle = msgpack::unpack(buffer.data(), buffer.size());
    Args a = handle.get().as<Args>();
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_SmallRoundTripMsgpack)->Name("small/encode+decode msgpack-cxx direct");

void BM_SignatureLookup(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(serde::type_signature<Args>());
}
BENCHMARK(BM_SignatureLookup)->Name("small/type_signature");

// --- Large arrays ----------------------------------------------------------------------------

std::vector<double> make_doubles(std::int64_t bytes) {
  return std::vector<double>(static_cast<std::size_t>(bytes) / sizeof(double), 1.5);
}

void set_bytes(benchmark::State& state) {
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_LargeEncode(benchmark::State& state) {
  const std::vector<double> values = make_doubles(state.range(0));
  for (auto _ : state) {
    serde::Message m = serde::encode(values);
    benchmark::DoNotOptimize(m.frames.data());
  }
  set_bytes(state);
}

void BM_LargeDecodeBuffer(benchmark::State& state) {
  const std::vector<double> values = make_doubles(state.range(0));
  const serde::Message m = serde::encode(values);
  for (auto _ : state) {
    weft::Buffer b = serde::decode<weft::Buffer>(m);
    benchmark::DoNotOptimize(b.data());
  }
  set_bytes(state);
}

void BM_LargeDecodeArrayView(benchmark::State& state) {
  const std::vector<double> values = make_doubles(state.range(0));
  const serde::Message m = serde::encode(values);
  for (auto _ : state) {
    weft::ArrayView<double> v = serde::decode<weft::ArrayView<double>>(m);
    benchmark::DoNotOptimize(v.data());
  }
  set_bytes(state);
}

void BM_LargeDecodeVector(benchmark::State& state) {
  const std::vector<double> values = make_doubles(state.range(0));
  const serde::Message m = serde::encode(values);
  for (auto _ : state) {
    std::vector<double> v = serde::decode<std::vector<double>>(m);
    benchmark::DoNotOptimize(v.data());
  }
  set_bytes(state);
}

// Peers: memcpy into a destination allocated once (warm pages), and into a fresh vector
// each time (what any decode into a new std::vector must do).
void BM_Memcpy(benchmark::State& state) {
  const std::vector<double> values = make_doubles(state.range(0));
  std::vector<double> out(values.size());
  for (auto _ : state) {
    std::memcpy(out.data(), values.data(), values.size() * sizeof(double));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state);
}

void BM_CopyIntoNewVector(benchmark::State& state) {
  const std::vector<double> values = make_doubles(state.range(0));
  for (auto _ : state) {
    std::vector<double> out(values.begin(), values.end());
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state);
}

constexpr std::int64_t kMiB = 1 << 20;
#define WEFT_LARGE(fn, name) BENCHMARK(fn)->Name(name)->Arg(kMiB)->Arg(64 * kMiB)
WEFT_LARGE(BM_LargeEncode, "large/encode");
WEFT_LARGE(BM_LargeDecodeBuffer, "large/decode Buffer");
WEFT_LARGE(BM_LargeDecodeArrayView, "large/decode ArrayView");
WEFT_LARGE(BM_LargeDecodeVector, "large/decode vector");
WEFT_LARGE(BM_Memcpy, "large/peer memcpy (warm destination)");
WEFT_LARGE(BM_CopyIntoNewVector, "large/peer copy into new vector");

}  // namespace

BENCHMARK_MAIN();
