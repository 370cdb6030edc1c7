// weft::array storage: Arrays to and from .npy and Zarr v2 on irregular chunks and odd
// shapes, one task per block, and interop with NumPy and zarr-python (Debian's python3).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "per_runtime.hpp"
#include "weft/array.hpp"

namespace wa = weft::array;
namespace fs = std::filesystem;

namespace {

class ArrayStorage : public weft::testing::PerRuntime {
 protected:
  void SetUp() override {
    PerRuntime::SetUp();
    static int count = 0;
    dir_ = fs::temp_directory_path() /
           ("weft_array_storage_" + std::to_string(::getpid()) + "_" + std::to_string(count++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    PerRuntime::TearDown();
  }
  fs::path path(const std::string& name) const { return dir_ / name; }

  // Runs a Python snippet under the python3 that has NumPy and zarr; true if it exits 0.
  static bool python(const std::string& code) {
    const fs::path script =
        fs::temp_directory_path() / ("weft_storage_" + std::to_string(::getpid()) + ".py");
    std::ofstream(script) << "import sys\nimport numpy as np\n" << code << "\n";
    const int rc = std::system((std::string(WEFT_TEST_PYTHON) + " " + script.string()).c_str());
    fs::remove(script);
    return rc == 0;
  }

 private:
  fs::path dir_;
};
INSTANTIATE_TEST_SUITE_P(Runtimes, ArrayStorage, ::testing::Values("threads:2", "inline"),
                         weft::testing::runtime_name);

std::vector<double> ramp(std::size_t n, double scale) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<double>(i) * scale - 3;
  return v;
}

void expect_same(const wa::Dense& got, const wa::Dense& want) {
  ASSERT_EQ(got.dtype(), want.dtype());
  ASSERT_EQ(got.shape(), want.shape());
  ASSERT_EQ(got.buffer().size(), want.buffer().size());
  EXPECT_EQ(std::memcmp(got.buffer().data(), want.buffer().data(), got.buffer().size()), 0);
}

TEST_P(ArrayStorage, NpyRoundTripsIrregularBlocksInEveryDtype) {
  const wa::Array x = wa::random_normal({7, 5}, {{3, 3, 1}, {2, 3}}, {.seed = 3});
  const std::vector<wa::Array> cases = {
      x,
      x.astype(wa::DType::kFloat32),
      (x * 10).astype(wa::DType::kInt32),
      (x * 1e6).astype(wa::DType::kInt64),
      x > 0,
      x.T(),  // written through a transposed view
  };
  for (const wa::Array& a : cases) {
    wa::to_npy(a, path("a.npy"));
    // Read back in other blocks than were written, including a block of a single row.
    const wa::Array back =
        wa::from_npy(path("a.npy"), {{1, 4, a.shape()[0] - 5}, {2, a.shape()[1] - 2}});
    EXPECT_EQ(back.shape(), a.shape());
    EXPECT_EQ(back.numblocks(), (wa::Shape{3, 2}));
    expect_same(back.compute(), a.compute());
  }
}

TEST_P(ArrayStorage, NpyHandlesZeroDimAndEmptyAndThreeAxes) {
  const wa::Array scalar = wa::from_vector(std::vector<double>{2.5}, {});
  wa::to_npy(scalar, path("s.npy"));
  EXPECT_EQ(wa::from_npy(path("s.npy")).compute().item<double>(), 2.5);

  const wa::Array empty = wa::zeros({0, 3}, {1, 2}, wa::DType::kInt32);
  wa::to_npy(empty, path("e.npy"));
  const wa::Dense e = wa::from_npy(path("e.npy"), {1, 2}).compute();
  EXPECT_EQ(e.shape(), (wa::Shape{0, 3}));
  EXPECT_EQ(e.dtype(), wa::DType::kInt32);

  const wa::Array cube = wa::from_vector(ramp(60, 0.25), {3, 4, 5}, {2, 3, 2});
  wa::to_npy(cube, path("c.npy"));
  expect_same(wa::from_npy(path("c.npy"), {{3}, {1, 1, 2}, {4, 1}}).compute(), cube.compute());
}

TEST_P(ArrayStorage, FromNpyMakesOneReadTaskPerBlock) {
  wa::to_npy(wa::ones({10, 10}), path("o.npy"));
  const wa::Array a = wa::from_npy(path("o.npy"), {4, 3});
  ASSERT_EQ(a.numblocks(), (wa::Shape{3, 4}));
  // 12 read tasks and the node that assembles them.
  EXPECT_EQ(weft::Graph::of(a.to_delayed()).size(), 13u);
  EXPECT_EQ(a.sum().compute().item<double>(), 100);
}

TEST_P(ArrayStorage, ToNpyReplacesTheFileAndLeavesNoTemporaries) {
  wa::to_npy(wa::ones({4}, {2}), path("r.npy"));
  wa::to_npy(wa::full({3}, 7, {2}), path("r.npy"));
  EXPECT_EQ(wa::from_npy(path("r.npy")).compute().to_vector<double>(),
            (std::vector<double>{7, 7, 7}));
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(path(""))) ++files;
  EXPECT_EQ(files, 1u);
}

TEST_P(ArrayStorage, MalformedNpyIsRefusedWhenOpened) {
  std::ofstream(path("bad.npy")) << "not a numpy file at all";
  EXPECT_THROW(wa::from_npy(path("bad.npy")), weft::SerdeError);
  EXPECT_THROW(wa::from_npy(path("missing.npy")), weft::Error);
  wa::to_npy(wa::ones({4}), path("ok.npy"));
  EXPECT_THROW(wa::from_npy(path("ok.npy"), wa::Chunks({{3}, {1}})), wa::ChunkError);
}

TEST_P(ArrayStorage, NumpyLoadsWhatWeftWrites) {
  const wa::Array x = wa::from_vector(ramp(35, 0.5), {5, 7}, {2, 3});
  wa::to_npy(x, path("x.npy"));
  wa::to_npy(x.T().astype(wa::DType::kFloat32), path("xt.npy"));
  wa::to_npy(x > 0, path("b.npy"));
  const std::string dir = path("").string();
  EXPECT_TRUE(python("d = '" + dir +
                     "'\n"
                     "want = (np.arange(35) * 0.5 - 3).reshape(5, 7)\n"
                     "x = np.load(d + '/x.npy')\n"
                     "assert x.dtype == np.float64 and np.array_equal(x, want), x\n"
                     "xt = np.load(d + '/xt.npy')\n"
                     "assert xt.dtype == np.float32 and np.array_equal(xt, want.T.astype('f4'))\n"
                     "b = np.load(d + '/b.npy')\n"
                     "assert b.dtype == np.bool_ and np.array_equal(b, want > 0)\n"));
}

TEST_P(ArrayStorage, WeftReadsFortranAndBigEndianNpyFromNumpy) {
  const std::string dir = path("").string();
  ASSERT_TRUE(python("d = '" + dir +
                     "'\n"
                     "a = np.arange(24, dtype='<i4').reshape(2, 3, 4)\n"
                     "np.save(d + '/f.npy', np.asfortranarray(a))\n"
                     "np.save(d + '/be.npy', (a * 0.5).astype('>f8'))\n"));
  const wa::Array f = wa::from_npy(path("f.npy"), {1, 2, 3});
  EXPECT_EQ(f.shape(), (wa::Shape{2, 3, 4}));
  EXPECT_EQ(f.chunks(), (std::vector<std::vector<std::int64_t>>{{1, 1}, {2, 1}, {3, 1}}));
  std::vector<std::int32_t> want(24);
  for (int i = 0; i < 24; ++i) want[static_cast<std::size_t>(i)] = i;
  EXPECT_EQ(f.compute().to_vector<std::int32_t>(), want);
  const wa::Dense be = wa::from_npy(path("be.npy"), {2, 2, 2}).compute();
  EXPECT_EQ(be.dtype(), wa::DType::kFloat64);
  EXPECT_EQ(be.at<double>({1, 2, 3}), 11.5);
  EXPECT_EQ(be.at<double>({0, 0, 1}), 0.5);
}

TEST_P(ArrayStorage, ZarrRoundTripsWithTheArraysChunks) {
  const wa::Array x = wa::random_uniform({11, 7}, {4, 3}, {.seed = 9});
  for (const std::optional<int> level : {std::optional<int>{}, std::optional<int>{3}}) {
    for (const wa::Array& a : {x, (x * 100).astype(wa::DType::kInt32), x > 0.5}) {
      wa::to_zarr(a, path("x.zarr"), {.zstd_level = level, .overwrite = true});
      const wa::Array back = wa::from_zarr(path("x.zarr"));
      EXPECT_EQ(back.chunks(), a.chunks());
      EXPECT_EQ(back.dtype(), a.dtype());
      expect_same(back.compute(), a.compute());
    }
  }
  // One read task per chunk, plus the assembling node.
  EXPECT_EQ(weft::Graph::of(wa::from_zarr(path("x.zarr")).to_delayed()).size(), 3u * 3u + 1);
}

TEST_P(ArrayStorage, ZarrHandlesZeroDimAndEmptyArrays) {
  wa::to_zarr(wa::full({}, 4.0), path("s.zarr"));
  EXPECT_EQ(wa::from_zarr(path("s.zarr")).compute().item<double>(), 4.0);
  wa::to_zarr(wa::zeros({3, 0}, {2, 1}), path("e.zarr"));
  const wa::Array e = wa::from_zarr(path("e.zarr"));
  EXPECT_EQ(e.shape(), (wa::Shape{3, 0}));
  EXPECT_EQ(e.compute().size(), 0);
}

TEST_P(ArrayStorage, ToZarrRefusesIrregularChunksAndExistingArrays) {
  EXPECT_THROW(wa::to_zarr(wa::ones({7}, {{3, 1, 3}}), path("i.zarr")), wa::ChunkError);
  EXPECT_THROW(wa::to_zarr(wa::ones({7}, {{3, 4}}), path("i.zarr")), wa::ChunkError);
  wa::to_zarr(wa::ones({7}, {{3, 3, 1}}), path("o.zarr"));
  EXPECT_THROW(wa::to_zarr(wa::ones({7}, {3}), path("o.zarr")), weft::ConfigError);
  wa::to_zarr(wa::full({7}, 2.0, {5}), path("o.zarr"), {.overwrite = true});
  EXPECT_EQ(wa::from_zarr(path("o.zarr")).chunks()[0], (std::vector<std::int64_t>{5, 2}));
  EXPECT_EQ(wa::from_zarr(path("o.zarr")).sum().compute().item<double>(), 14);
  EXPECT_THROW(wa::from_zarr(path("nothing.zarr")), weft::Error);
}

TEST_P(ArrayStorage, ZarrInteropWithZarrPython) {
  const std::string dir = path("").string();
  ASSERT_TRUE(
      python("import zarr, numcodecs\n"
             "d = '" +
             dir +
             "'\n"
             "z = zarr.open(d + '/py.zarr', mode='w', shape=(10, 7), chunks=(4, 3),\n"
             "              dtype='f4', compressor=numcodecs.Zstd(level=5))\n"
             "z[:] = np.arange(70, dtype='f4').reshape(10, 7) / 4\n"));
  const wa::Array p = wa::from_zarr(path("py.zarr"));
  EXPECT_EQ(p.dtype(), wa::DType::kFloat32);
  EXPECT_EQ(p.chunks(), (std::vector<std::vector<std::int64_t>>{{4, 4, 2}, {3, 3, 1}}));
  const std::vector<float> v = p.compute().to_vector<float>();
  for (std::size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], static_cast<float>(i) / 4) << i;

  wa::to_zarr(p * 2 + 1, path("w.zarr"), {.zstd_level = 3});
  EXPECT_TRUE(
      python("import zarr\n"
             "d = '" +
             dir +
             "'\n"
             "w = zarr.open(d + '/w.zarr', mode='r')\n"
             "assert w.chunks == (4, 3) and w.dtype == np.float32, (w.chunks, w.dtype)\n"
             "want = np.arange(70, dtype='f4').reshape(10, 7) / 4 * 2 + 1\n"
             "assert np.array_equal(w[:], want), w[:]\n"));
}

}  // namespace
