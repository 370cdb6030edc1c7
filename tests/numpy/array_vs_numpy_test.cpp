// Every weft::array operation against NumPy (Debian's python3-numpy): each case's inputs
// and weft's result are written as .npy (the result by weft's to_npy or as Zarr by to_zarr
// for the storage cases), expressions.py evaluates the same expression in NumPy and
// compares dtype, shape and values (tolerances: see Tolerance in cases.hpp), printing one
// line per case.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "array/io/npy.hpp"
#include "cases.hpp"
#include "weft/runtime.hpp"

namespace wa = weft::array;
namespace fs = std::filesystem;
using wa::numpy_test::Case;
using wa::numpy_test::Input;
using wa::numpy_test::Output;
using wa::numpy_test::Tolerance;

namespace {

weft::array_io::DType io_dtype(wa::DType t) {
  switch (t) {
    case wa::DType::kBool:
      return weft::array_io::DType::kBool;
    case wa::DType::kInt32:
      return weft::array_io::DType::kInt32;
    case wa::DType::kInt64:
      return weft::array_io::DType::kInt64;
    case wa::DType::kFloat32:
      return weft::array_io::DType::kFloat32;
    case wa::DType::kFloat64:
      break;
  }
  return weft::array_io::DType::kFloat64;
}

// Deterministic values: floats with two decimals in [-5, 5) and distinct within 1000
// elements (so argmin/argmax have no ties), integers in [-9, 9], bools a third true.
wa::Dense make_values(const Input& in) {
  std::int64_t n = 1;
  for (std::int64_t d : in.shape) n *= d;
  return wa::visit_dtype(in.dtype, [&](auto tag) {
    using T = decltype(tag);
    // Bools as bytes: std::vector<bool> is packed.
    using Stored = std::conditional_t<std::is_same_v<T, bool>, std::uint8_t, T>;
    std::vector<Stored> v(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<T, bool>) {
        v[static_cast<std::size_t>(i)] = (i * 5 + in.seed) % 3 == 0 ? 1 : 0;
      } else if constexpr (std::is_floating_point_v<T>) {
        v[static_cast<std::size_t>(i)] =
            static_cast<T>(static_cast<double>((i * 7919 + in.seed * 104729) % 1000) / 100.0 - 5);
      } else {
        v[static_cast<std::size_t>(i)] = static_cast<T>((i * 37 + in.seed * 11) % 19 - 9);
      }
    }
    return wa::Dense(in.dtype, in.shape, weft::Buffer::copy(v.data(), v.size() * sizeof(Stored)));
  });
}

void write(const fs::path& path, const wa::Dense& d) {
  const auto* p = d.buffer().data();
  weft::array_io::write_npy(path, io_dtype(d.dtype()), d.shape(),
                            {p, static_cast<std::size_t>(d.size()) * wa::itemsize(d.dtype())});
}

std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe) != nullptr) out += buf.data();
  ::pclose(pipe);
  return out;
}

TEST(ArrayVsNumpy, EveryCaseMatches) {
  auto rt = weft::init("threads:2");
  const fs::path dir =
      fs::temp_directory_path() / ("weft_array_vs_numpy_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::vector<Case> cases = wa::numpy_test::all_cases();
  std::ofstream manifest(dir / "manifest.tsv");
  std::size_t built = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    std::vector<wa::Array> arrays;
    for (std::size_t k = 0; k < c.inputs.size(); ++k) {
      const Input& in = c.inputs[k];
      const wa::Dense values = make_values(in);
      const fs::path file = dir / (std::to_string(i) + "_in" + std::to_string(k) + ".npy");
      write(file, values);
      std::vector<std::vector<std::int64_t>> chunks;
      for (std::int64_t d : in.shape)
        chunks.push_back(wa::numpy_test::irregular_chunks(d, in.chunk_rule));
      arrays.push_back(in.from_npy ? wa::from_npy(file, chunks) : wa::from_dense(values, chunks));
    }
    const bool zarr = c.output == Output::kToZarr || c.output == Output::kToZarrZstd;
    const std::string out = std::to_string(i) + (zarr ? "_out.zarr" : "_out.npy");
    try {
      const wa::Array result = c.weft(arrays);
      switch (c.output) {
        case Output::kCompute:
          write(dir / out, result.compute());
          break;
        case Output::kToNpy:
          wa::to_npy(result, dir / out);
          break;
        case Output::kToZarr:
          wa::to_zarr(result, dir / out);
          break;
        case Output::kToZarrZstd:
          wa::to_zarr(result, dir / out, {.zstd_level = 3});
          break;
      }
      ++built;
    } catch (const std::exception& e) {
      ADD_FAILURE() << c.name << ": weft threw: " << e.what();
      continue;
    }
    const char* tolerance = c.tolerance == Tolerance::kBlas ? "blas" : "tight";
    manifest << i << '\t' << c.name << '\t' << c.inputs.size() << '\t' << out << '\t' << tolerance
             << '\t' << c.numpy << '\n';
  }
  manifest.close();
  const std::string out = run_command(std::string(WEFT_TEST_PYTHON) + " " + WEFT_TEST_NUMPY_SCRIPT +
                                      " " + dir.string() + " 2>&1");
  std::istringstream lines(out);
  std::size_t passed = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("PASS ")) {
      ++passed;
    } else {
      ADD_FAILURE() << line;
    }
  }
  std::printf("%zu of %zu NumPy comparisons passed\n", passed, cases.size());
  EXPECT_EQ(cases.size(), 1073u);  // the table's size: a case lost from it fails here
  EXPECT_EQ(built, cases.size());
  EXPECT_EQ(passed, cases.size());
  if (!HasFailure()) fs::remove_all(dir);
}

}  // namespace
