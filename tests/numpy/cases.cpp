// The case table: creation, elementwise, reductions, transpose and structure operations on
// odd shapes (size-0 and size-1 axes) with irregular chunks, over all five dtypes; then the
// linear algebra and storage cases of their own files.
#include "cases.hpp"

#include <string>
#include <utility>

namespace weft::array::numpy_test {
namespace {

using A = const std::vector<Array>&;
constexpr DType kAll[] = {DType::kBool, DType::kInt32, DType::kInt64, DType::kFloat32,
                          DType::kFloat64};
constexpr DType kNumeric[] = {DType::kInt32, DType::kInt64, DType::kFloat32, DType::kFloat64};
constexpr DType kFloats[] = {DType::kFloat32, DType::kFloat64};

std::string name(DType t) { return std::string(dtype_name(t)); }
std::string np_dtype(DType t) { return "np.dtype('" + name(t) + "')"; }

class Table {
 public:
  void add(std::string n, std::vector<Input> in, std::function<Array(A)> f, std::string np) {
    cases_.push_back(Case{std::move(n), std::move(in), std::move(f), std::move(np)});
  }
  std::vector<Case> take() { return std::move(cases_); }

 private:
  std::vector<Case> cases_;
};

void creation(Table& t) {
  for (DType d : kAll) {
    const std::string n = name(d), nd = np_dtype(d);
    t.add(
        "zeros_" + n, {},
        [d](A) {
          return zeros({2, 0, 3}, {1, 1, 2}, d);
        },
        "np.zeros((2, 0, 3), " + nd + ")");
    t.add(
        "ones_" + n, {},
        [d](A) {
          return ones({3, 4}, {2, 3}, d);
        },
        "np.ones((3, 4), " + nd + ")");
    t.add(
        "full_" + n, {},
        [d](A) {
          return full({5, 1}, 7, {{2, 3}, {1}}, d);
        },
        "np.full((5, 1), 7, " + nd + ")");
  }
  t.add(
      "full_float32_frac", {}, [](A) { return full({7}, 2.5, {3}, DType::kFloat32); },
      "np.full((7,), 2.5, np.float32)");
  t.add(
      "arange_int", {}, [](A) { return arange(0, 10, 1, {3}, DType::kInt64); },
      "np.arange(0, 10, 1, dtype=np.int64)");
  t.add(
      "arange_neg_step", {},
      [](A) {
        return arange(2.5, -3, -0.7, {{2, 1, 3, 2}});
      },
      "np.arange(2.5, -3, -0.7)");
  t.add(
      "arange_tenths", {}, [](A) { return arange(0, 1, 0.1, {4}); }, "np.arange(0, 1, 0.1)");
  t.add(
      "arange_float32", {}, [](A) { return arange(0, 10, 3, {1}, DType::kFloat32); },
      "np.arange(0, 10, 3, dtype=np.float32)");
  t.add(
      "arange_empty", {}, [](A) { return arange(5, 5); }, "np.arange(5.0, 5.0)");
  t.add(
      "linspace_7", {},
      [](A) {
        return linspace(0, 1, 7, {{2, 1, 4}});
      },
      "np.linspace(0, 1, 7)");
  t.add(
      "linspace_1", {}, [](A) { return linspace(2, -3, 1); }, "np.linspace(2, -3, 1)");
  t.add(
      "linspace_0", {}, [](A) { return linspace(0, 1, 0); }, "np.linspace(0, 1, 0)");
  t.add(
      "linspace_open", {}, [](A) { return linspace(-1, 1, 5, {2}, false); },
      "np.linspace(-1, 1, 5, endpoint=False)");
}

void elementwise(Table& t) {
  using Op = std::pair<const char*, Array (*)(const Array&, const Array&)>;
  const Op all_pairs[] = {
      {"+", [](const Array& x, const Array& y) { return x + y; }},
      {"*", [](const Array& x, const Array& y) { return x * y; }},
      {"<", [](const Array& x, const Array& y) { return x < y; }},
      {"==", [](const Array& x, const Array& y) { return x == y; }},
      {"/", [](const Array& x, const Array& y) { return x / y; }},
      {"-", [](const Array& x, const Array& y) { return x - y; }},
  };
  for (DType p : kAll) {
    for (DType q : kAll) {
      for (const auto& [sym, f] : all_pairs) {
        if (std::string(sym) == "-" && p == DType::kBool && q == DType::kBool) continue;
        t.add(
            "binary_" + name(p) + sym + name(q), {{p, {3, 4}, 1}, {q, {4}, 2}},
            [f](A v) { return f(v[0], v[1]); }, std::string("a ") + sym + " b");
      }
    }
  }
  const Op same[] = {
      {"!=", [](const Array& x, const Array& y) { return x != y; }},
      {"<=", [](const Array& x, const Array& y) { return x <= y; }},
      {">", [](const Array& x, const Array& y) { return x > y; }},
      {">=", [](const Array& x, const Array& y) { return x >= y; }},
  };
  for (DType p : kAll) {
    for (const auto& [sym, f] : same) {
      t.add(
          "compare_" + name(p) + sym, {{p, {5, 1}, 1}, {p, {7}, 2}},
          [f](A v) { return f(v[0], v[1]); }, std::string("a ") + sym + " b");
    }
    const std::string n = name(p);
    const Input x{p, {4, 5, 6}, 3};
    t.add(
        "scalar_add_" + n, {x}, [](A v) { return v[0] + 2; }, "a + 2");
    t.add(
        "scalar_mul_" + n, {x}, [](A v) { return v[0] * 1.5; }, "a * 1.5");
    t.add(
        "scalar_rsub_" + n, {x}, [](A v) { return 3 - v[0]; }, "3 - a");
    t.add(
        "scalar_div_" + n, {x}, [](A v) { return v[0] / 2; }, "a / 2");
    t.add(
        "scalar_gt_" + n, {x}, [](A v) { return v[0] > 1; }, "a > 1");
    t.add(
        "abs_" + n, {x}, [](A v) { return abs(v[0]); }, "np.abs(a)");
    t.add(
        "where_" + n, {x, {p, {4, 5, 6}, 4}}, [](A v) { return where(v[0] > 0, v[0], v[1]); },
        "np.where(a > 0, a, b)");
    t.add(
        "where_mixed_" + n, {{DType::kBool, {5, 6}, 5}, x, {DType::kFloat32, {6}, 6}},
        [](A v) { return where(v[0], v[1], v[2]); }, "np.where(a, b, c)");
    if (p == DType::kBool) continue;
    t.add(
        "neg_" + n, {x}, [](A v) { return -v[0]; }, "-a");
    t.add(
        "clip_" + n, {x}, [](A v) { return clip(v[0], -1, 2); }, "np.clip(a, -1, 2)");
    using Fn = Array (*)(const Array&);
    const std::pair<const char*, Fn> math[] = {
        {"sqrt", sqrt}, {"exp", exp}, {"log", log}, {"sin", sin}, {"cos", cos}};
    for (const auto& [fname, fn] : math) {
      t.add(
          std::string(fname) + "_" + n, {x}, [fn](A v) { return fn(v[0]); },
          std::string("np.") + fname + "(a)");
    }
  }
  for (DType p : kFloats) {
    t.add(
        "pow_" + name(p), {{p, {4, 5, 6}, 3}, {p, {5, 6}, 4}},
        [](A v) { return pow(abs(v[0]) + 0.5, v[1]); }, "np.power(np.abs(a) + 0.5, b)");
  }
  for (DType p : {DType::kInt32, DType::kInt64}) {
    t.add(
        "pow_" + name(p), {{p, {3, 4}, 3}, {p, {3, 4}, 4}},
        [](A v) { return pow(v[0], clip(v[1], 0, 3)); }, "np.power(a, np.clip(b, 0, 3))");
  }
  t.add(
      "fused_chain", {{DType::kFloat64, {3, 4}, 1}, {DType::kFloat32, {4, 3}, 2}},
      [](A v) { return sqrt(abs(v[0] * 2 + v[1].T()) + 1); }, "np.sqrt(np.abs(a * 2 + b.T) + 1)");
}

void reductions(Table& t) {
  using Red = Array (Array::*)(const ReduceOptions&) const;
  const std::pair<const char*, Red> ops[] = {{"sum", &Array::sum},       {"mean", &Array::mean},
                                             {"min", &Array::min},       {"max", &Array::max},
                                             {"var", &Array::var},       {"std", &Array::std},
                                             {"argmin", &Array::argmin}, {"argmax", &Array::argmax},
                                             {"any", &Array::any},       {"all", &Array::all}};
  struct Axes {
    std::vector<int> axis;
    std::string py;
  };
  const Axes axes[] = {{{}, "None"}, {{0}, "0"}, {{1}, "1"}, {{-1}, "-1"}, {{0, 2}, "(0, 2)"}};
  for (DType d : {DType::kBool, DType::kInt32, DType::kFloat32, DType::kFloat64}) {
    for (const auto& [op, fn] : ops) {
      const bool arg = std::string(op).starts_with("arg");
      for (const Axes& ax : axes) {
        if (arg && ax.axis.size() > 1) continue;
        for (bool keep : {false, true}) {
          const std::string py =
              std::string("np.") + op + "(a, axis=" + ax.py + (keep ? ", keepdims=True)" : ")");
          t.add(
              std::string(op) + "_" + name(d) + "_axis" + ax.py + (keep ? "_keep" : ""),
              {{d, {4, 5, 6}, 7}},
              [fn, ax, keep](A v) { return (v[0].*fn)({.axis = ax.axis, .keepdims = keep}); }, py);
        }
      }
    }
    // prod of values near 1, so that float32 neither overflows nor underflows.
    for (const Axes& ax : axes) {
      t.add(
          "prod_" + name(d) + "_axis" + ax.py, {{d, {4, 5, 6}, 8}},
          [ax](A v) { return (v[0] * 0.25 + 1).prod({.axis = ax.axis}); },
          "np.prod(a * 0.25 + 1, axis=" + ax.py + ")");
    }
    t.add(
        "prod_int_" + name(d), {{d, {4, 5, 6}, 8}}, [](A v) { return v[0].prod({.axis = {1}}); },
        "np.prod(a, axis=1)");
  }
  for (DType d : kNumeric) {
    for (const char* op : {"var", "std"}) {
      const bool is_var = std::string(op) == "var";
      t.add(
          std::string(op) + "_ddof1_" + name(d), {{d, {4, 5, 6}, 9}},
          [is_var](A v) {
            const ReduceOptions o{.axis = {0}, .ddof = 1};
            return is_var ? v[0].var(o) : v[0].std(o);
          },
          std::string("np.") + op + "(a, axis=0, ddof=1)");
    }
  }
  t.add(
      "sum_split_every", {{DType::kFloat64, {40, 3}, 1}},
      [](A v) { return v[0].sum({.axis = {0}, .split_every = 2}); }, "np.sum(a, axis=0)");
  // Odd shapes: size-0 and size-1 axes.
  const std::vector<std::pair<Input, std::string>> odd = {
      {{DType::kFloat64, {0}, 1}, "empty"},
      {{DType::kInt64, {1}, 2}, "one"},
      {{DType::kFloat64, {5, 1}, 3}, "col"},
      {{DType::kInt32, {2, 0, 3}, 4}, "zero_mid"}};
  for (const auto& [in, label] : odd) {
    t.add(
        "sum_" + label, {in}, [](A v) { return v[0].sum(); }, "np.sum(a)");
    t.add(
        "sum0_" + label, {in}, [](A v) { return v[0].sum({.axis = {0}}); }, "np.sum(a, axis=0)");
    t.add(
        "prod_" + label, {in}, [](A v) { return v[0].prod({.axis = {-1}}); },
        "np.prod(a, axis=-1)");
    t.add(
        "any_" + label, {in}, [](A v) { return v[0].any(); }, "np.any(a)");
    t.add(
        "all_" + label, {in}, [](A v) { return v[0].all({.axis = {0}, .keepdims = true}); },
        "np.all(a, axis=0, keepdims=True)");
    t.add(
        "mean_last_" + label, {in}, [](A v) { return v[0].mean({.axis = {-1}}); },
        "np.mean(a, axis=-1)");
    if (in.shape != Shape{0} && in.shape != Shape{2, 0, 3}) {
      t.add(
          "max_" + label, {in}, [](A v) { return v[0].max(); }, "np.max(a)");
      t.add(
          "argmin_" + label, {in}, [](A v) { return v[0].argmin({.axis = {0}}); },
          "np.argmin(a, axis=0)");
      t.add(
          "var_" + label, {in}, [](A v) { return v[0].var(); }, "np.var(a)");
    }
  }
  t.add(
      "min_zero_mid_axis0", {{DType::kFloat64, {2, 0, 3}, 4}},
      [](A v) { return v[0].min({.axis = {0}}); }, "np.min(a, axis=0)");
}

void transposes(Table& t) {
  for (DType d : kAll) {
    t.add(
        "T_" + name(d), {{d, {4, 5, 6}, 1}}, [](A v) { return v[0].T(); }, "a.T");
    t.add(
        "transpose102_" + name(d), {{d, {4, 5, 6}, 1}},
        [](A v) {
          return v[0].transpose({1, 0, 2});
        },
        "np.transpose(a, (1, 0, 2))");
  }
  t.add(
      "plus_T", {{DType::kFloat64, {3, 4}, 1}, {DType::kInt32, {4, 3}, 2}},
      [](A v) { return v[0] + v[1].T(); }, "a + b.T");
  t.add(
      "T_sum0", {{DType::kFloat32, {2, 0, 3}, 1}}, [](A v) { return v[0].T().sum({.axis = {0}}); },
      "np.sum(a.T, axis=0)");
  t.add(
      "T_col", {{DType::kInt64, {5, 1}, 1}}, [](A v) { return v[0].T() * 2; }, "a.T * 2");
}

void structure(Table& t) {
  struct Sl {
    Shape shape;
    std::vector<Slice> s;
    std::string py;
  };
  const Sl slices[] = {
      {{7}, {{.step = 2}}, "a[::2]"},
      {{7}, {{.step = -1}}, "a[::-1]"},
      {{7}, {{.start = -3}}, "a[-3:]"},
      {{7}, {{.start = 5, .stop = 1, .step = -2}}, "a[5:1:-2]"},
      {{7}, {{.start = 1, .stop = 100}}, "a[1:100]"},
      {{7}, {{.start = 10}}, "a[10:]"},
      {{7}, {{.start = -100, .stop = -2, .step = 3}}, "a[-100:-2:3]"},
      {{7}, {{.stop = -8, .step = -1}}, "a[:-8:-1]"},
      {{7}, {{.start = 2, .stop = 2}}, "a[2:2]"},
      {{1}, {{.step = -1}}, "a[::-1]"},
      {{1}, {{.start = 1}}, "a[1:]"},
      {{0}, {{.step = -2}}, "a[::-2]"},
      {{5, 1}, {{.step = -2}, {.step = -1}}, "a[::-2, ::-1]"},
      {{3, 4}, {{.start = 1}, {.start = -1, .stop = 0, .step = -1}}, "a[1:, -1:0:-1]"},
      {{4, 5, 6},
       {{.start = 1, .stop = 3}, {.step = -2}, {.start = 4, .stop = 0, .step = -3}},
       "a[1:3, ::-2, 4:0:-3]"},
      {{4, 5, 6}, {{.step = -1}, {.start = 1, .stop = 2}}, "a[::-1, 1:2]"},
      {{4, 5, 6}, {{}, {}, {.step = 4}}, "a[:, :, ::4]"},
      {{2, 0, 3}, {{.step = -1}, {}, {.start = 1}}, "a[::-1, :, 1:]"},
  };
  int k = 0;
  for (const Sl& s : slices) {
    for (DType d : {DType::kFloat64, DType::kBool, DType::kInt32}) {
      t.add(
          "slice" + std::to_string(k) + "_" + name(d), {{d, s.shape, 2}},
          [sl = s.s](A v) { return slice(v[0], sl); }, s.py);
    }
    ++k;
  }
  t.add(
      "slice_of_expr", {{DType::kFloat64, {3, 4}, 1}, {DType::kFloat32, {4, 3}, 2}},
      [](A v) {
        return slice(v[0] * 2 + v[1].T(), {{.step = -1}, {.start = 1, .step = 2}});
      },
      "(a * 2 + b.T)[::-1, 1::2]");
  t.add(
      "sum_of_slice", {{DType::kFloat64, {4, 5, 6}, 1}},
      [](A v) {
        return slice(v[0], {{}, {.step = -2}}).sum({.axis = {1}});
      },
      "np.sum(a[:, ::-2], axis=1)");

  t.add(
      "take_1d", {{DType::kInt64, {7}, 1}},
      [](A v) {
        return take(v[0], {6, -1, 0, 3, 3});
      },
      "np.take(a, [6, -1, 0, 3, 3])");
  t.add(
      "take_axis1", {{DType::kFloat32, {4, 5, 6}, 1}},
      [](A v) {
        return take(v[0], {4, 0, 2, 2, -5}, 1);
      },
      "np.take(a, [4, 0, 2, 2, -5], axis=1)");
  t.add(
      "take_empty", {{DType::kBool, {4, 5, 6}, 1}}, [](A v) { return take(v[0], {}, -1); },
      "np.take(a, np.array([], dtype=np.int64), axis=-1)");
  t.add(
      "take_sorted_long", {{DType::kInt32, {40}, 1}},
      [](A v) {
        return take(v[0], {0, 1, 2, 5, 9, 10, 11, 30, 39, 39, 20, 3});
      },
      "np.take(a, [0, 1, 2, 5, 9, 10, 11, 30, 39, 39, 20, 3])");
  t.add(
      "take_zero_axis", {{DType::kFloat64, {2, 0, 3}, 1}},
      [](A v) {
        return take(v[0], {1, 0, 1}, 0);
      },
      "np.take(a, [1, 0, 1], axis=0)");
  t.add(
      "compress_mask_array", {{DType::kFloat64, {7, 3}, 1}, {DType::kBool, {7}, 2}},
      [](A v) { return compress(v[0], v[1], 0); }, "a[b]");
  t.add(
      "compress_axis2", {{DType::kInt64, {4, 5, 6}, 1}},
      [](A v) {
        return compress(v[0], std::vector<bool>{true, false, false, true, true, false}, 2);
      },
      "a[:, :, np.array([True, False, False, True, True, False])]");
  t.add(
      "compress_none", {{DType::kFloat32, {5, 1}, 1}},
      [](A v) { return compress(v[0], std::vector<bool>(5, false), 0); },
      "a[np.zeros(5, dtype=bool)]");

  t.add(
      "concat_promote", {{DType::kInt32, {3, 4}, 1}, {DType::kFloat32, {2, 4}, 2, 1}},
      [](A v) {
        return concatenate({v[0], v[1]}, 0);
      },
      "np.concatenate([a, b], axis=0)");
  t.add(
      "concat_rechunked",
      {{DType::kFloat64, {4, 5, 6}, 1},
       {DType::kFloat64, {4, 2, 6}, 2, 1},
       {DType::kFloat64, {4, 0, 6}, 3}},
      [](A v) {
        return concatenate({v[0], v[1], v[2]}, 1);
      },
      "np.concatenate([a, b, c], axis=1)");
  t.add(
      "concat_1d", {{DType::kBool, {0}, 1}, {DType::kBool, {7}, 2}, {DType::kInt64, {1}, 3}},
      [](A v) {
        return concatenate({v[0], v[1], v[2]}, -1);
      },
      "np.concatenate([a, b, c])");
  t.add(
      "concat_all_empty", {{DType::kInt32, {2, 0, 3}, 1}, {DType::kInt32, {2, 0, 3}, 2}},
      [](A v) {
        return concatenate({v[0], v[1]}, 1);
      },
      "np.concatenate([a, b], axis=1)");
  for (int axis : {0, 1, -1}) {
    t.add(
        "stack_axis" + std::to_string(axis),
        {{DType::kFloat64, {3, 4}, 1}, {DType::kInt64, {3, 4}, 2}},
        [axis](A v) {
          return stack({v[0], v[1]}, axis);
        },
        "np.stack([a, b], axis=" + std::to_string(axis) + ")");
  }
  t.add(
      "stack_three_1d", {{DType::kInt32, {7}, 1}, {DType::kInt32, {7}, 2}, {DType::kInt32, {7}, 3}},
      [](A v) {
        return stack({v[0], v[1], v[2]}, 1);
      },
      "np.stack([a, b, c], axis=1)");
  t.add(
      "stack_empty", {{DType::kFloat32, {0}, 1}, {DType::kFloat32, {0}, 2}},
      [](A v) {
        return stack({v[0], v[1]}, 0);
      },
      "np.stack([a, b])");
  t.add(
      "expand_dims", {{DType::kFloat64, {3, 4}, 1}}, [](A v) { return expand_dims(v[0], 1) + 1; },
      "np.expand_dims(a, 1) + 1");

  t.add(
      "rechunk_mixed", {{DType::kFloat64, {4, 5, 6}, 1}},
      [](A v) {
        return rechunk(v[0], {{4}, {1, 1, 3}, {6}});
      },
      "a");
  t.add(
      "rechunk_sizes_then_add", {{DType::kInt32, {4, 5, 6}, 1}, {DType::kInt32, {4, 5, 6}, 2, 1}},
      [](A v) {
        return rechunk(v[0], {3, 2, 5}) + rechunk(v[1], {3, 2, 5});
      },
      "a + b");
  t.add(
      "rechunk_1d_one_block", {{DType::kBool, {7}, 1}}, [](A v) { return rechunk(v[0], {{7}}); },
      "a");
  t.add(
      "rechunk_zero", {{DType::kFloat32, {2, 0, 3}, 1}},
      [](A v) {
        return rechunk(v[0], {1, -1, 2});
      },
      "a");

  t.add(
      "reshape_merge", {{DType::kFloat64, {4, 5, 6}, 1}},
      [](A v) {
        return reshape(rechunk(v[0], {{1, 3}, {5}, {6}}), {4, 30});
      },
      "np.reshape(a, (4, 30))");
  t.add(
      "reshape_flat", {{DType::kInt64, {4, 5, 6}, 1}},
      [](A v) {
        return reshape(rechunk(v[0], {{1, 3}, {5}, {6}}), {-1});
      },
      "np.reshape(a, (-1,))");
  t.add(
      "reshape_split", {{DType::kFloat32, {4, 5, 6}, 1}},
      [](A v) {
        return reshape(rechunk(v[0], {2, -1, -1}), {2, 2, 5, 3, 2});
      },
      "np.reshape(a, (2, 2, 5, 3, 2))");
  t.add(
      "reshape_col_to_row", {{DType::kInt32, {5, 1}, 1}},
      [](A v) {
        return reshape(v[0], {1, 5});
      },
      "np.reshape(a, (1, 5))");
  t.add(
      "reshape_squeeze", {{DType::kBool, {5, 1}, 1}}, [](A v) { return reshape(v[0], {5}); },
      "np.reshape(a, (5,))");
  t.add(
      "reshape_one", {{DType::kFloat64, {1}, 1}},
      [](A v) {
        return reshape(v[0], {1, 1, 1});
      },
      "np.reshape(a, (1, 1, 1))");
  t.add(
      "reshape_zero", {{DType::kInt64, {2, 0, 3}, 1}},
      [](A v) {
        return reshape(v[0], {3, -1, 2});
      },
      "np.reshape(a, (3, -1, 2))");

  t.add(
      "map_blocks_affine", {{DType::kFloat64, {4, 5, 6}, 1}},
      [](A v) {
        return map_blocks(
            [](const Dense& b) {
              std::vector<double> x = b.to_vector<double>();
              for (double& e : x) e = 2 * e + 1;
              return Dense::from_values(b.shape(), x);
            },
            v[0]);
      },
      "2 * a + 1");
  t.add(
      "map_blocks_cast", {{DType::kInt32, {3, 4}, 1}, {DType::kInt32, {3, 4}, 2}},
      [](A v) {
        return map_blocks(
            [](const Dense& x, const Dense& y) {
              std::vector<double> r = x.to_vector<double>();
              const std::vector<double> s = y.to_vector<double>();
              for (std::size_t i = 0; i < r.size(); ++i) r[i] = r[i] * s[i] + 0.5;
              return Dense::from_values(x.shape(), r);
            },
            {.dtype = DType::kFloat64}, v[0], v[1]);
      },
      "a.astype(np.float64) * b + 0.5");
  t.add(
      "blockwise_row", {{DType::kFloat64, {5, 6}, 1}, {DType::kFloat64, {6}, 2}},
      [](A v) {
        return blockwise(
            [](const Dense& x, const Dense& row) {
              std::vector<double> r = x.to_vector<double>();
              const std::vector<double> s = row.to_vector<double>();
              for (std::size_t i = 0; i < r.size(); ++i) r[i] -= s[i % s.size()];
              return Dense::from_values(x.shape(), r);
            },
            "ij", {}, Indexed{v[0], "ij"}, Indexed{v[1], "j"});
      },
      "a - b");
  t.add(
      "blockwise_transposed", {{DType::kFloat64, {3, 4}, 1}, {DType::kFloat64, {4, 3}, 2}},
      [](A v) {
        // out(i, j) = x(i, j) + y(j, i): y's block (j, i), transposed inside the function.
        return blockwise(
            [](const Dense& x, const Dense& y) {
              std::vector<double> r = x.to_vector<double>();
              const std::int64_t rows = x.shape()[0], cols = x.shape()[1];
              for (std::int64_t i = 0; i < rows; ++i) {
                for (std::int64_t j = 0; j < cols; ++j) r[i * cols + j] += y.at<double>({j, i});
              }
              return Dense::from_values(x.shape(), r);
            },
            "ij", {}, Indexed{v[0], "ij"}, Indexed{v[1], "ji"});
      },
      "a + b.T");
}

}  // namespace

std::vector<std::int64_t> irregular_chunks(std::int64_t n, int rule) {
  if (n == 0) return {0};
  const std::vector<std::int64_t> cycle =
      rule == 0 ? std::vector<std::int64_t>{2, 1, 3} : std::vector<std::int64_t>{3, 2};
  std::vector<std::int64_t> c;
  for (std::int64_t left = n, i = 0; left > 0; ++i) {
    c.push_back(std::min(left, cycle[static_cast<std::size_t>(i) % cycle.size()]));
    left -= c.back();
  }
  return c;
}

std::vector<Case> all_cases() {
  Table t;
  creation(t);
  elementwise(t);
  reductions(t);
  transposes(t);
  structure(t);
  std::vector<Case> all = t.take();
  for (auto* more : {&linalg_cases, &storage_cases}) {
    for (Case& c : more()) all.push_back(std::move(c));
  }
  return all;
}

}  // namespace weft::array::numpy_test
