// The data that array block tasks run: elementwise programs and the specs of the kernels.
// Every struct here is serializable, so that a block task is a registered kernel function
// plus plain data and runs on any runtime (see kernels.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "weft/array.hpp"
#include "weft/serde.hpp"

namespace weft::array::detail {

// A hash of the value's encoding: the token that delayed() keys a node's argument by, so
// that the same block task built twice is one node.
template <class T>
std::uint64_t token_of(const T& value) {
  serde::Message m = serde::encode(value);
  weft::detail::Tokenizer t;
  t.add(m.body.data(), m.body.size());
  for (const Buffer& f : m.frames) t.add(f.data(), f.size());
  return t.digest();
}

enum class Op : std::uint8_t {
  kInput,  // input block `a`, read through views[a]
  kConst,  // the scalar f (floating dtype) or i (others)
  kCast,   // register a converted to dtype
  kNeg,
  kAbs,
  kSqrt,
  kExp,
  kLog,
  kSin,
  kCos,
  kAdd,  // binary ops: registers a and b, both of the operands' dtype
  kSub,
  kMul,
  kDiv,
  kPow,
  kMin,
  kMax,
  kEq,  // comparisons: dtype is bool, the operands' dtype is that of register a
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
  kWhere,  // a (bool) ? b : c
};

struct Instr {
  Op op = Op::kInput;
  DType dtype = DType::kFloat64;  // of the result
  std::int32_t a = -1, b = -1, c = -1;
  double f = 0;
  std::int64_t i = 0;
  WEFT_SERIALIZE(op, dtype, a, b, c, f, i);
};

// An elementwise expression over input blocks, in SSA form: instruction k yields register
// k, operands refer to earlier registers, and the result is the last instruction's.
// views[n] maps each output axis to the axis of input block n that it walks, or -1 where
// the input does not vary (a broadcast axis). An input axis no output axis walks has
// length 1. So x.T is input 0 with views {{1, 0}}.
struct Program {
  std::vector<Instr> code;
  std::vector<std::vector<std::int32_t>> views;
  WEFT_SERIALIZE(code, views);

  DType dtype() const noexcept { return code.back().dtype; }
  std::uint64_t weft_token() const { return token_of(*this); }
};

// A program that reads one input as it is.
Program identity_program(DType dtype, std::size_t ndim);

// Block creation (kernel `generate`).
enum class GenKind : std::uint8_t { kFull, kArange, kLinspace, kNormal, kUniform };
struct GenSpec {
  GenKind kind = GenKind::kFull;
  DType dtype = DType::kFloat64;
  Shape shape;          // the block's
  Shape offset;         // its first element's position in the array
  double a = 0, b = 0;  // full: value; arange, linspace: start, step; random: loc/low, scale/span
  std::int64_t last = -1;  // linspace with endpoint: the index that is exactly `stop`
  double stop = 0;
  std::uint64_t seed = 0;
  std::uint64_t stream = 0;  // the block's linear index: its random stream
  WEFT_SERIALIZE(kind, dtype, shape, offset, a, b, last, stop, seed, stream);
  std::uint64_t weft_token() const { return token_of(*this); }
};

// An elementwise program's output block (kernel `evaluate`).
struct EvalSpec {
  Program program;
  Shape shape;
  WEFT_SERIALIZE(program, shape);
  std::uint64_t weft_token() const { return token_of(*this); }
};

enum class ReduceKind : std::uint8_t {
  kSum,
  kProd,
  kMin,
  kMax,
  kAny,
  kAll,
  kMean,
  kVar,
  kStd,
  kArgmin,
  kArgmax
};

// A block's partial reduction (kernel `reduce_partial`): the program's output block of
// `shape`, reduced over the axes marked in `reduced` to a partial of `fields` x (shape with
// reduced axes of length 1); see partial.hpp for the partials' layout.
struct ReduceSpec {
  Program program;
  Shape shape;
  ReduceKind kind = ReduceKind::kSum;
  std::vector<std::uint8_t> reduced;
  Shape offset;       // argmin/argmax: the block's position in the array
  Shape array_shape;  // argmin/argmax over all axes: flat indices in this shape
  WEFT_SERIALIZE(program, shape, kind, reduced, offset, array_shape);
  std::uint64_t weft_token() const { return token_of(*this); }
};

// Merging partials (kernel `combine_partials`) and turning one into the result block
// (kernel `finalize`).
struct FinalizeSpec {
  ReduceKind kind = ReduceKind::kSum;
  DType input = DType::kFloat64;  // the reduced array's dtype
  Shape shape;                    // the result block's shape
  std::int64_t ddof = 0;
  WEFT_SERIALIZE(kind, input, shape, ddof);
  std::uint64_t weft_token() const { return token_of(*this); }
};

// Copying blocks into one array (kernel `assemble`), or one block out of a whole array
// (kernel `extract`: `chunks` then holds the block's offset and shape as two lists).
struct AssembleSpec {
  DType dtype = DType::kFloat64;
  Shape shape;
  std::vector<std::vector<std::int64_t>> chunks;
  WEFT_SERIALIZE(dtype, shape, chunks);
  std::uint64_t weft_token() const { return token_of(*this); }
};

}  // namespace weft::array::detail
