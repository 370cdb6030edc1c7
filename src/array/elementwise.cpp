// Building elementwise expressions: NumPy broadcasting, NEP 50 promotion, and merging the
// operands' programs into one.
#include <algorithm>
#include <functional>
#include <optional>
#include <string>

#include "node.hpp"

namespace weft::array::detail {
namespace {

// The promoted dtype of the array operands, then the weak scalars (see array.hpp).
DType promote(const std::vector<Term>& terms) {
  std::optional<DType> t;
  for (const Term& x : terms) {
    if (x.array) t = t ? result_type(*t, x.array->dtype) : x.array->dtype;
  }
  DType r = *t;
  for (const Term& x : terms) {
    if (x.array) continue;
    if (x.scalar.kind() == Scalar::Kind::kInt && r == DType::kBool) r = DType::kInt64;
    if (x.scalar.kind() == Scalar::Kind::kFloat && !is_float(r)) r = DType::kFloat64;
  }
  return r;
}

std::string shapes_of(const std::vector<Term>& terms) {
  std::string s;
  for (const Term& x : terms) {
    if (!x.array) continue;
    if (!s.empty()) s += " and ";
    s += shape_string(x.array->shape);
  }
  return s;
}

// The operands merged into one program: the output shape and chunks, and each operand's
// register (a constant for a scalar, of its entry in `dtypes`).
struct Merged {
  Shape shape;
  ChunkLists chunks;
  Expr expr;
  std::vector<std::int32_t> regs;
};

Merged merge(const char* what, const std::vector<Term>& terms, const std::vector<DType>& dtypes) {
  Merged m;
  std::size_t nd = 0;
  for (const Term& x : terms) {
    if (x.array) nd = std::max(nd, x.array->shape.size());
  }
  m.shape.assign(nd, 1);
  for (const Term& x : terms) {
    if (!x.array) continue;
    const Shape& s = x.array->shape;
    for (std::size_t j = 0; j < s.size(); ++j) {
      std::int64_t& out = m.shape[j + nd - s.size()];
      if (s[j] == out || s[j] == 1) continue;
      if (out != 1) {
        throw ShapeError(std::string(what) +
                         ": operands could not be broadcast together with shapes " +
                         shapes_of(terms));
      }
      out = s[j];
    }
  }
  m.chunks.assign(nd, {});
  for (std::size_t k = 0; k < nd; ++k) {
    for (const Term& x : terms) {
      if (!x.array || k + x.array->shape.size() < nd) continue;
      const std::size_t j = k + x.array->shape.size() - nd;
      if (x.array->shape[j] != m.shape[k]) continue;
      const std::vector<std::int64_t>& c = x.array->chunks[j];
      if (m.chunks[k].empty()) {
        m.chunks[k] = c;
      } else if (m.chunks[k] != c && m.shape[k] != 1) {
        throw ChunkError(std::string(what) + ": operands of shapes " + shapes_of(terms) +
                         " have different chunks along axis " + std::to_string(k) +
                         "; rechunk one of them to match the other");
      }
    }
  }
  Program& p = m.expr.program;
  for (std::size_t n = 0; n < terms.size(); ++n) {
    const Term& x = terms[n];
    if (!x.array) {
      m.regs.push_back(emit(p, Instr{.op = Op::kConst,
                                     .dtype = dtypes[n],
                                     .f = x.scalar.as_double(),
                                     .i = x.scalar.kind() == Scalar::Kind::kFloat
                                              ? static_cast<std::int64_t>(x.scalar.as_double())
                                              : x.scalar.as_int()}));
      continue;
    }
    const Expr e = as_expr(x.array);
    const std::size_t m_nd = x.array->shape.size();
    std::vector<std::int32_t> input_of(e.leaves.size());
    for (std::size_t i = 0; i < e.leaves.size(); ++i) {
      std::vector<std::int32_t> view(nd, -1);
      for (std::size_t k = nd - m_nd; k < nd; ++k) {
        const std::size_t j = k - (nd - m_nd);
        if (x.array->shape[j] == m.shape[k]) view[k] = e.program.views[i][j];
      }
      std::size_t found = 0;
      while (found < m.expr.leaves.size() &&
             (m.expr.leaves[found] != e.leaves[i] || p.views[found] != view)) {
        ++found;
      }
      if (found == m.expr.leaves.size()) {
        m.expr.leaves.push_back(e.leaves[i]);
        p.views.push_back(std::move(view));
      }
      input_of[i] = static_cast<std::int32_t>(found);
    }
    const auto base = static_cast<std::int32_t>(p.code.size());
    for (Instr in : e.program.code) {
      if (in.op == Op::kInput) {
        in.a = input_of[static_cast<std::size_t>(in.a)];
      } else {
        for (std::int32_t* r : {&in.a, &in.b, &in.c}) {
          if (*r >= 0) *r += base;
        }
      }
      p.code.push_back(in);
    }
    m.regs.push_back(static_cast<std::int32_t>(p.code.size() - 1));
  }
  return m;
}

// Builds op(terms...) whose operands are first cast to their entries of `dtypes`; `body`
// emits the final instruction(s) from the operands' registers.
Array build(const char* what, const std::vector<Term>& terms, const std::vector<DType>& dtypes,
            const std::function<void(Program&, std::vector<std::int32_t>&)>& body) {
  bool any_array = false;
  for (const Term& x : terms) any_array = any_array || x.array != nullptr;
  if (!any_array) throw ShapeError(std::string(what) + ": needs at least one array operand");
  Merged m = merge(what, terms, dtypes);
  for (std::size_t n = 0; n < m.regs.size(); ++n) {
    m.regs[n] = cast_to(m.expr.program, m.regs[n], dtypes[n]);
  }
  body(m.expr.program, m.regs);
  return Array(expr_node(std::move(m.shape), std::move(m.chunks), std::move(m.expr)));
}

const char* name_of(Binary op) {
  static const char* const names[] = {"add",           "subtract",    "multiply",   "divide",
                                      "power",         "minimum",     "maximum",    "equal",
                                      "not_equal",     "less",        "less_equal", "greater",
                                      "greater_equal", "logical_and", "logical_or"};
  return names[static_cast<int>(op)];
}

Op op_of(Binary op) { return static_cast<Op>(static_cast<int>(Op::kAdd) + static_cast<int>(op)); }

Array unary(const char* what, Op op, const Array& x, DType operand, DType result) {
  return build(what, {x}, {operand}, [&](Program& p, std::vector<std::int32_t>& r) {
    emit(p, Instr{.op = op, .dtype = result, .a = r[0]});
  });
}

DType float_result(DType t) {
  if (t == DType::kFloat32 || t == DType::kBool) return DType::kFloat32;
  return DType::kFloat64;
}

}  // namespace

Array binary(Binary op, const Term& a, const Term& b) {
  DType t = promote({a, b});
  const bool compare = op >= Binary::kEq;
  if (op == Binary::kSub && t == DType::kBool) {
    throw DTypeError("subtract: boolean subtract is not supported (as in NumPy); use != for xor");
  }
  if (op == Binary::kDiv && !is_float(t)) t = DType::kFloat64;
  if (op == Binary::kPow && t == DType::kBool) t = DType::kInt64;
  const DType result = compare ? DType::kBool : t;
  return build(name_of(op), {a, b}, {t, t}, [&](Program& p, std::vector<std::int32_t>& r) {
    emit(p, Instr{.op = op_of(op), .dtype = result, .a = r[0], .b = r[1]});
  });
}

}  // namespace weft::array::detail

namespace weft::array {

using detail::Op;

Array operator-(const Array& a) {
  if (a.dtype() == DType::kBool) {
    throw DTypeError("negative: the - operator is not supported for bool arrays (as in NumPy)");
  }
  return detail::unary("negative", Op::kNeg, a, a.dtype(), a.dtype());
}
Array abs(const Array& x) { return detail::unary("abs", Op::kAbs, x, x.dtype(), x.dtype()); }
Array sqrt(const Array& x) {
  const DType t = detail::float_result(x.dtype());
  return detail::unary("sqrt", Op::kSqrt, x, t, t);
}
Array exp(const Array& x) {
  const DType t = detail::float_result(x.dtype());
  return detail::unary("exp", Op::kExp, x, t, t);
}
Array log(const Array& x) {
  const DType t = detail::float_result(x.dtype());
  return detail::unary("log", Op::kLog, x, t, t);
}
Array sin(const Array& x) {
  const DType t = detail::float_result(x.dtype());
  return detail::unary("sin", Op::kSin, x, t, t);
}
Array cos(const Array& x) {
  const DType t = detail::float_result(x.dtype());
  return detail::unary("cos", Op::kCos, x, t, t);
}

Array pow(const detail::Term& base, const detail::Term& exponent) {
  return detail::binary(detail::Binary::kPow, base, exponent);
}

Array clip(const detail::Term& x, const detail::Term& lo, const detail::Term& hi) {
  const DType t = detail::promote({x, lo, hi});
  return detail::build(
      "clip", {x, lo, hi}, {t, t, t}, [&](detail::Program& p, std::vector<std::int32_t>& r) {
        const std::int32_t m = detail::emit(p, {.op = Op::kMax, .dtype = t, .a = r[0], .b = r[1]});
        detail::emit(p, {.op = Op::kMin, .dtype = t, .a = m, .b = r[2]});
      });
}

Array where(const detail::Term& cond, const detail::Term& a, const detail::Term& b) {
  const DType t = detail::promote({a, b});
  return detail::build("where", {cond, a, b}, {DType::kBool, t, t},
                       [&](detail::Program& p, std::vector<std::int32_t>& r) {
                         detail::emit(
                             p, {.op = Op::kWhere, .dtype = t, .a = r[0], .b = r[1], .c = r[2]});
                       });
}

}  // namespace weft::array
