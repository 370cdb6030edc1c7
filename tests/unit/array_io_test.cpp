// The array storage layer (src/array/io): .npy and Zarr v2 round trips for every dtype and
// odd shapes, interop with NumPy and zarr-python both ways (tests/unit/array_io/interop.py,
// run by Debian's python3), hostile files that must only ever raise typed errors, and
// concurrent writers of one Zarr array from threads and processes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "array/io/dtype.hpp"
#include "array/io/npy.hpp"
#include "array/io/npy_header.hpp"
#include "array/io/zarr.hpp"
#include "weft/error.hpp"

namespace fs = std::filesystem;
using weft::array_io::DType;
using weft::array_io::Shape;

namespace {

constexpr DType kAllDTypes[] = {DType::kFloat64, DType::kFloat32, DType::kInt64, DType::kInt32,
                                DType::kBool};

std::string name_of(DType dtype) { return std::string(weft::array_io::descr(dtype)); }

// The pattern interop.py computes too: element i of the flat C-order array.
std::vector<std::byte> pattern(DType dtype, std::int64_t count) {
  std::vector<std::byte> out(static_cast<std::size_t>(count) * weft::array_io::item_size(dtype));
  for (std::int64_t i = 0; i < count; ++i) {
    std::byte* at = out.data() + static_cast<std::size_t>(i) * weft::array_io::item_size(dtype);
    const auto put = [&](auto value) { std::memcpy(at, &value, sizeof value); };
    switch (dtype) {
      case DType::kFloat64:
        put(static_cast<double>(i) * 0.5 - 3.25);
        break;
      case DType::kFloat32:
        put(static_cast<float>(static_cast<double>(i) * 0.5 - 3.25));
        break;
      case DType::kInt64:
        put(i * 1000003 - 5000000000);
        break;
      case DType::kInt32:
        put(static_cast<std::int32_t>(i * 37 - 1000));
        break;
      case DType::kBool:
        put(static_cast<unsigned char>(i % 3 == 0));
        break;
    }
  }
  return out;
}

std::int64_t count_of(const Shape& shape) { return weft::array_io::element_count(shape, "test"); }

std::string json_of(const Shape& shape) { return nlohmann::json(shape).dump(); }

// Runs interop.py with `args` (each single-quoted) under Debian's python3; true on success.
bool python(const std::vector<std::string>& args) {
  std::string command = WEFT_TEST_PYTHON " " WEFT_TEST_INTEROP_SCRIPT;
  for (const std::string& arg : args) command += " '" + arg + "'";
  return std::system(command.c_str()) == 0;
}

// Runs interop.py once for many commands (its `batch` mode): a Python start per command
// would be most of a test's time. `list` is where the commands are written.
bool python_batch(const std::vector<std::vector<std::string>>& commands, const fs::path& list) {
  {
    std::ofstream out(list);
    for (const std::vector<std::string>& args : commands)
      out << nlohmann::json(args).dump() << '\n';
  }
  return python({"batch", list.string()});
}

bool python_has(const char* module) {
  const std::string command = std::string(WEFT_TEST_PYTHON " -c 'import ") + module + "'";
  return std::system(command.c_str()) == 0;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Copies block `block` of a C-order array of `shape` (chunked by `chunks`) out of `full`.
std::vector<std::byte> extract_block(const std::vector<std::byte>& full, const Shape& shape,
                                     const Shape& chunks, const Shape& block, const Shape& extents,
                                     std::size_t item) {
  std::vector<std::byte> out(static_cast<std::size_t>(count_of(extents)) * item);
  const std::int64_t n = count_of(extents);
  for (std::int64_t j = 0; j < n; ++j) {
    std::int64_t rest = j, flat = 0, stride = 1;
    for (std::size_t k = shape.size(); k-- > 0;) {
      const std::int64_t index = block[k] * chunks[k] + rest % extents[k];
      rest /= extents[k];
      flat += index * stride;
      stride *= shape[k];
    }
    std::memcpy(out.data() + j * item, full.data() + flat * item, item);
  }
  return out;
}

// Every block index of a grid, in C order.
std::vector<Shape> blocks_of(const Shape& grid) {
  std::vector<Shape> out;
  const std::int64_t n = count_of(grid);
  for (std::int64_t j = 0; j < n; ++j) {
    Shape block(grid.size());
    std::int64_t rest = j;
    for (std::size_t k = grid.size(); k-- > 0;) {
      block[k] = rest % grid[k];
      rest /= grid[k];
    }
    out.push_back(block);
  }
  return out;
}

class ArrayIo : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("weft_array_io_test." + std::to_string(::getpid()) + "." +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

// ---- .npy ------------------------------------------------------------------------------------

const std::vector<Shape> kShapes = {{}, {0}, {1}, {7}, {3, 4}, {2, 0, 3}, {1, 1, 1}, {2, 3, 5}};

TEST_F(ArrayIo, NpyRoundTripsEveryDtypeAndShape) {
  for (DType dtype : kAllDTypes) {
    for (const Shape& shape : kShapes) {
      SCOPED_TRACE(name_of(dtype) + " " + weft::array_io::shape_string(shape));
      const fs::path path = dir_ / "a.npy";
      const std::vector<std::byte> data = pattern(dtype, count_of(shape));
      weft::array_io::write_npy(path, dtype, shape, data);

      const weft::array_io::NpyArray read = weft::array_io::read_npy(path);
      EXPECT_EQ(read.info.dtype, dtype);
      EXPECT_EQ(read.info.shape, shape);
      EXPECT_FALSE(read.info.fortran_order);
      EXPECT_EQ(read.info.major_version, 1);
      EXPECT_EQ(read.info.data_offset % 64, 0u);
      ASSERT_EQ(read.info.nbytes, data.size());
      EXPECT_TRUE(std::equal(data.begin(), data.end(), read.bytes().begin()));

      std::vector<std::byte> into(data.size());
      const auto info = weft::array_io::read_npy_into(path, into);
      EXPECT_EQ(info.shape, shape);
      EXPECT_EQ(into, data);
      EXPECT_EQ(fs::file_size(path), read.info.data_offset + data.size());
    }
  }
}

TEST_F(ArrayIo, NpyHeaderIsWhatNumpyWrites) {
  const fs::path path = dir_ / "h.npy";
  weft::array_io::write_npy(path, DType::kInt32, Shape{3}, pattern(DType::kInt32, 3));
  const std::string text = read_text(path);
  // 10 bytes of magic, version and length, the dict, spaces and a newline: 128 bytes.
  ASSERT_EQ(text.size(), 128u + 12u);
  EXPECT_EQ(text.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ(static_cast<unsigned char>(text[8]) | static_cast<unsigned char>(text[9]) << 8, 118);
  const std::string dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }";
  EXPECT_EQ(text.substr(10, 118), dict + std::string(118 - dict.size() - 1, ' ') + "\n");
}

TEST_F(ArrayIo, NpyPreambleSwitchesToVersion2WhenTheHeaderNeedsIt) {
  // 30,000 axes of extent 1 make a header of about 90 KB, past version 1.0's 65535 bytes.
  const std::string preamble = weft::array_io::npy_preamble(DType::kBool, Shape(30000, 1));
  ASSERT_GT(preamble.size(), 0x10000u);
  EXPECT_EQ(preamble[6], 2);
  EXPECT_EQ(preamble.size() % 64, 0u);
  std::uint32_t length = 0;
  for (int i = 3; i >= 0; --i) length = length << 8 | static_cast<unsigned char>(preamble[8 + i]);
  EXPECT_EQ(length, preamble.size() - 12);
  EXPECT_EQ(preamble.back(), '\n');
}

TEST_F(ArrayIo, NumpyLoadsWhatWeWrite) {
  ASSERT_TRUE(python_has("numpy")) << "python3-numpy missing: run scripts/install-deps.sh";
  const std::vector<Shape> shapes = {{}, {0, 3}, {1}, {4, 5}, {2, 3, 4}};
  for (DType dtype : kAllDTypes) {
    for (const Shape& shape : shapes) {
      SCOPED_TRACE(name_of(dtype) + " " + weft::array_io::shape_string(shape));
      const fs::path path = dir_ / "cpp.npy";
      weft::array_io::write_npy(path, dtype, shape, pattern(dtype, count_of(shape)));
      EXPECT_TRUE(python({"check-npy", path.string(), name_of(dtype), json_of(shape)}));
    }
  }
}

TEST_F(ArrayIo, WeReadWhatNumpyWrites) {
  ASSERT_TRUE(python_has("numpy")) << "python3-numpy missing: run scripts/install-deps.sh";
  struct Variant {
    const char* layout;
    int version;
    const char* order;
  };
  const Variant variants[] = {{"c", 1, "little"}, {"fortran", 1, "little"}, {"c", 2, "little"},
                              {"c", 3, "little"}, {"c", 1, "big"},          {"fortran", 2, "big"}};
  const std::vector<Shape> shapes = {{3, 4, 5}, {6}, {}, {0, 2}, {2, 1, 3, 2}};
  // NumPy writes every file first, in one Python run; then each is read and checked.
  std::vector<std::vector<std::string>> writes;
  for (DType dtype : kAllDTypes) {
    for (const Variant& v : variants) {
      for (const Shape& shape : shapes) {
        const fs::path path = dir_ / ("numpy" + std::to_string(writes.size()) + ".npy");
        writes.push_back({"write-npy", path.string(), name_of(dtype), json_of(shape), v.layout,
                          std::to_string(v.version), v.order});
      }
    }
  }
  ASSERT_TRUE(python_batch(writes, dir_ / "writes.jsonl"));
  std::size_t n = 0;
  for (DType dtype : kAllDTypes) {
    for (const Variant& v : variants) {
      for (const Shape& shape : shapes) {
        SCOPED_TRACE(name_of(dtype) + " " + weft::array_io::shape_string(shape) + " " + v.layout +
                     " v" + std::to_string(v.version) + " " + v.order);
        const fs::path path = dir_ / ("numpy" + std::to_string(n++) + ".npy");
        const weft::array_io::NpyArray read = weft::array_io::read_npy(path);
        EXPECT_EQ(read.info.major_version, v.version);
        EXPECT_EQ(read.info.dtype, dtype);
        EXPECT_EQ(read.info.shape, shape);
        // NumPy marks an array that is C- and Fortran-contiguous at once (fewer than two
        // axes, or empty) as C order.
        EXPECT_EQ(read.info.fortran_order,
                  std::string(v.layout) == "fortran" && shape.size() > 1 && count_of(shape) > 0);
        EXPECT_EQ(read.info.big_endian, std::string(v.order) == "big" && dtype != DType::kBool);
        const std::vector<std::byte> expected = pattern(dtype, count_of(shape));
        ASSERT_EQ(read.info.nbytes, expected.size());
        EXPECT_TRUE(std::equal(expected.begin(), expected.end(), read.bytes().begin()));
      }
    }
  }
}

// A .npy file of `header` (the dict text) and `data_bytes` of data, with a valid preamble.
std::string npy_file(const std::string& header, std::size_t data_bytes) {
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + std::string(data_bytes, '\0');
}

TEST_F(ArrayIo, MalformedNpyFilesRaiseSerdeError) {
  const std::string ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty file", ""},
      {"too short", "\x93NUM"},
      {"bad magic", std::string("\x93NUMPZ\x01\x00\x10\x00", 10) + std::string(16, ' ')},
      {"version 4.0", std::string("\x93NUMPY\x04\x00\x10\x00", 10) + std::string(16, ' ')},
      {"version 1.1", std::string("\x93NUMPY\x01\x01\x10\x00", 10) + std::string(16, ' ')},
      {"header longer than the file", std::string("\x93NUMPY\x01\x00\xff\x00", 10) + ok},
      {"header length over the limit", std::string("\x93NUMPY\x02\x00\xff\xff\xff\xff", 12)},
      {"header length of 64 KiB past the end",
       std::string("\x93NUMPY\x03\x00\x00\x00\x01\x00", 12) + ok},
      {"not a dict", npy_file("['descr', '<f8']\n", 16)},
      {"missing key", npy_file("{'descr': '<f8', 'shape': (2,), }\n", 16)},
      {"extra key",
       npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}", 16)},
      {"repeated key", npy_file("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, "
                                "'shape': (2,), }",
                                16)},
      {"structured dtype", npy_file("{'descr': [('a', '<f8')], 'fortran_order': False, "
                                    "'shape': (2,), }",
                                    16)},
      {"unsupported dtype", npy_file("{'descr': '<c16', 'fortran_order': False, "
                                     "'shape': (2,), }",
                                     32)},
      {"object dtype", npy_file("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16)},
      {"negative extent",
       npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }", 16)},
      {"1-tuple without comma",
       npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (2), }", 16)},
      {"extent overflows int64", npy_file("{'descr': '<f8', 'fortran_order': False, "
                                          "'shape': (99999999999999999999,), }",
                                          16)},
      {"element count overflows", npy_file("{'descr': '<f8', 'fortran_order': False, "
                                           "'shape': (4294967296, 4294967296, 4), }",
                                           16)},
      {"byte count overflows", npy_file("{'descr': '<f8', 'fortran_order': False, "
                                        "'shape': (4611686018427387904,), }",
                                        16)},
      {"bad fortran_order",
       npy_file("{'descr': '<f8', 'fortran_order': maybe, 'shape': (2,), }", 16)},
      {"unterminated string",
       npy_file("{'descr': '<f8, 'fortran_order': False, 'shape': (2,)}", 16)},
      {"text after the dict", npy_file(ok.substr(0, ok.size() - 1) + " x\n", 16)},
      {"unclosed dict", npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (2,),", 16)},
      {"data truncated", npy_file(ok, 15)},
      {"data too long", npy_file(ok, 17)},
  };
  for (const auto& [what, bytes] : cases) {
    SCOPED_TRACE(what);
    const fs::path path = dir_ / "bad.npy";
    write_text(path, bytes);
    try {
      weft::array_io::read_npy(path);
      ADD_FAILURE() << "no error";
    } catch (const weft::SerdeError& e) {
      EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    }
    EXPECT_THROW(weft::array_io::read_npy_info(path), weft::SerdeError);
  }
  // The control: the same header with the right amount of data reads.
  write_text(dir_ / "good.npy", npy_file(ok, 16));
  EXPECT_EQ(weft::array_io::read_npy(dir_ / "good.npy").info.shape, Shape{2});
}

TEST_F(ArrayIo, BadArgumentsRaiseConfigError) {
  EXPECT_EQ(weft::array_io::parse_dtype("<i4"), DType::kInt32);
  EXPECT_THROW(weft::array_io::parse_dtype("<c8"), weft::ConfigError);
  EXPECT_THROW(weft::array_io::parse_dtype(">f8"), weft::ConfigError);
  const fs::path path = dir_ / "a.npy";
  EXPECT_THROW(
      weft::array_io::write_npy(path, DType::kFloat64, Shape{3}, pattern(DType::kFloat64, 2)),
      weft::ConfigError);
  EXPECT_THROW(weft::array_io::write_npy(path, DType::kFloat64, Shape{-1}, {}), weft::ConfigError);
  EXPECT_FALSE(fs::exists(path));
  weft::array_io::write_npy(path, DType::kFloat64, Shape{3}, pattern(DType::kFloat64, 3));
  std::vector<std::byte> small(16);
  EXPECT_THROW(weft::array_io::read_npy_into(path, small), weft::ConfigError);
  // A missing file is the system's error, not a malformed one.
  try {
    weft::array_io::read_npy(dir_ / "missing.npy");
    ADD_FAILURE() << "no error";
  } catch (const weft::SerdeError&) {
    ADD_FAILURE() << "a missing file is not malformed";
  } catch (const weft::Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.npy"), std::string::npos) << e.what();
  }
}

// ---- Zarr v2 ---------------------------------------------------------------------------------

using weft::array_io::ZarrArray;
using weft::array_io::ZarrMeta;

// Writes every block of the pattern array to `array` except those in `skip`.
void write_pattern(const ZarrArray& array, const std::vector<Shape>& skip = {}) {
  const ZarrMeta& meta = array.meta();
  const std::vector<std::byte> full = pattern(meta.dtype, count_of(meta.shape));
  for (const Shape& block : blocks_of(array.grid())) {
    if (std::find(skip.begin(), skip.end(), block) != skip.end()) continue;
    array.write_chunk(block,
                      extract_block(full, meta.shape, meta.chunks, block, array.block_shape(block),
                                    weft::array_io::item_size(meta.dtype)));
  }
}

// Reads every block of `array` and checks it against the pattern (fill values in `missing`).
void expect_pattern(const ZarrArray& array, const std::vector<std::byte>& fill_element,
                    const std::vector<Shape>& missing = {}) {
  const ZarrMeta& meta = array.meta();
  const std::size_t item = weft::array_io::item_size(meta.dtype);
  const std::vector<std::byte> full = pattern(meta.dtype, count_of(meta.shape));
  for (const Shape& block : blocks_of(array.grid())) {
    SCOPED_TRACE("block " + weft::array_io::shape_string(block));
    const Shape extents = array.block_shape(block);
    std::vector<std::byte> expected =
        extract_block(full, meta.shape, meta.chunks, block, extents, item);
    if (std::find(missing.begin(), missing.end(), block) != missing.end()) {
      for (std::size_t i = 0; i < expected.size(); i += item) {
        std::memcpy(expected.data() + i, fill_element.data(), item);
      }
    }
    std::vector<std::byte> out(array.block_nbytes(block));
    array.read_chunk(block, out);
    EXPECT_EQ(out, expected);
  }
}

template <typename T>
std::vector<std::byte> element(T value) {
  std::vector<std::byte> out(sizeof value);
  std::memcpy(out.data(), &value, sizeof value);
  return out;
}

TEST_F(ArrayIo, ZarrayHoldsTheFieldsZarrReads) {
  const ZarrArray array = ZarrArray::create(dir_ / "z", {.dtype = DType::kInt32,
                                                         .shape = {5, 7},
                                                         .chunks = {2, 3},
                                                         .zstd_level = 3,
                                                         .fill_value = std::int64_t{-4}});
  const auto json = nlohmann::json::parse(read_text(dir_ / "z" / ".zarray"));
  EXPECT_EQ(json["zarr_format"], 2);
  EXPECT_EQ(json["shape"], nlohmann::json({5, 7}));
  EXPECT_EQ(json["chunks"], nlohmann::json({2, 3}));
  EXPECT_EQ(json["dtype"], "<i4");
  EXPECT_EQ(json["compressor"], nlohmann::json({{"id", "zstd"}, {"level", 3}}));
  EXPECT_EQ(json["fill_value"], -4);
  EXPECT_EQ(json["order"], "C");
  EXPECT_TRUE(json["filters"].is_null());
  EXPECT_EQ(json["dimension_separator"], ".");
  EXPECT_EQ(array.grid(), (Shape{3, 3}));
  EXPECT_EQ(array.block_shape(Shape{2, 2}), (Shape{1, 1}));
  EXPECT_EQ(array.chunk_path(Shape{2, 1}), dir_ / "z" / "2.1");

  const ZarrArray reopened = ZarrArray::open(dir_ / "z");
  EXPECT_EQ(reopened.meta().shape, (Shape{5, 7}));
  EXPECT_EQ(reopened.meta().chunks, (Shape{2, 3}));
  EXPECT_EQ(reopened.meta().zstd_level, 3);
  EXPECT_EQ(reopened.meta().fill_value, weft::array_io::FillValue(std::int64_t{-4}));
  // Creating over an existing array would resurrect its chunks: refused.
  EXPECT_THROW(ZarrArray::create(dir_ / "z", reopened.meta()), weft::ConfigError);
}

TEST_F(ArrayIo, ZarrRoundTripsEveryDtypeWithEdgeChunksPaddedToFullSize) {
  for (DType dtype : kAllDTypes) {
    for (const std::optional<int> level : {std::optional<int>(), std::optional<int>(1)}) {
      SCOPED_TRACE(name_of(dtype) + (level ? " zstd" : " raw"));
      const fs::path path = dir_ / (name_of(dtype).substr(1) + (level ? "z" : "r"));
      const ZarrArray array = ZarrArray::create(
          path, {.dtype = dtype, .shape = {5, 7}, .chunks = {2, 3}, .zstd_level = level});
      write_pattern(array);
      expect_pattern(array, {});
      const std::size_t item = weft::array_io::item_size(dtype);
      if (!level) {
        // The corner block holds 1x1 elements but its file a full 2x3 chunk, padded with 0.
        EXPECT_EQ(fs::file_size(path / "2.2"), 6 * item);
        const std::string corner = read_text(path / "2.2");
        EXPECT_EQ(corner.substr(item), std::string(5 * item, '\0'));
      }
    }
  }
}

TEST_F(ArrayIo, ZarrMissingChunksReadAsTheFillValue) {
  const Shape missing_block = {1, 1};
  const ZarrArray ints = ZarrArray::create(
      dir_ / "i",
      {.dtype = DType::kInt64, .shape = {5, 7}, .chunks = {2, 3}, .fill_value = std::int64_t{42}});
  write_pattern(ints, {missing_block});
  expect_pattern(ints, element(std::int64_t{42}), {missing_block});

  const ZarrArray floats = ZarrArray::create(dir_ / "f", {.dtype = DType::kFloat32,
                                                          .shape = {4},
                                                          .chunks = {3},
                                                          .zstd_level = 5,
                                                          .fill_value = std::nan("")});
  EXPECT_EQ(nlohmann::json::parse(read_text(dir_ / "f" / ".zarray"))["fill_value"], "NaN");
  EXPECT_TRUE(std::isnan(std::get<double>(ZarrArray::open(dir_ / "f").meta().fill_value)));
  std::vector<float> out(1);
  floats.read_chunk(Shape{1}, std::as_writable_bytes(std::span(out)));
  EXPECT_TRUE(std::isnan(out[0]));

  // A partly written edge block is padded with the fill value, as zarr-python pads it.
  const ZarrArray bools = ZarrArray::create(
      dir_ / "b", {.dtype = DType::kBool, .shape = {3}, .chunks = {2}, .fill_value = true});
  const std::vector<std::byte> last = {std::byte{0}};
  bools.write_chunk(Shape{1}, last);
  EXPECT_EQ(read_text(dir_ / "b" / "1"), std::string("\0\1", 2));
}

TEST_F(ArrayIo, ZarrZeroDimensionalAndEmptyArrays) {
  const ZarrArray scalar =
      ZarrArray::create(dir_ / "s", {.dtype = DType::kFloat64, .shape = {}, .chunks = {}});
  EXPECT_EQ(scalar.grid(), Shape{});
  EXPECT_EQ(scalar.chunk_path(Shape{}), dir_ / "s" / "0");
  write_pattern(scalar);
  EXPECT_TRUE(fs::exists(dir_ / "s" / "0"));
  expect_pattern(scalar, {});

  const ZarrArray empty =
      ZarrArray::create(dir_ / "e", {.dtype = DType::kInt32, .shape = {0, 4}, .chunks = {2, 2}});
  EXPECT_EQ(empty.grid(), (Shape{0, 2}));
  EXPECT_THROW(empty.write_chunk(Shape{0, 0}, {}), weft::ConfigError);

  const ZarrArray ones = ZarrArray::create(
      dir_ / "o", {.dtype = DType::kInt32, .shape = {1, 1, 5}, .chunks = {1, 1, 2}});
  EXPECT_EQ(ones.grid(), (Shape{1, 1, 3}));
  write_pattern(ones);
  expect_pattern(ones, {});
}

TEST_F(ArrayIo, ZarrBadArgumentsRaiseConfigError) {
  const auto create = [&](ZarrMeta meta) { return ZarrArray::create(dir_ / "x", meta); };
  EXPECT_THROW(create({.shape = {4}, .chunks = {2, 2}}), weft::ConfigError);
  EXPECT_THROW(create({.shape = {4}, .chunks = {0}}), weft::ConfigError);
  EXPECT_THROW(create({.shape = {-4}, .chunks = {2}}), weft::ConfigError);
  EXPECT_THROW(create({.shape = {4}, .chunks = {2}, .zstd_level = 99}), weft::ConfigError);
  EXPECT_THROW(create({.dtype = DType::kInt32, .shape = {4}, .chunks = {2}, .fill_value = 0.5}),
               weft::ConfigError);
  EXPECT_THROW(create({.dtype = DType::kInt32,
                       .shape = {4},
                       .chunks = {2},
                       .fill_value = std::int64_t{1} << 40}),
               weft::ConfigError);
  EXPECT_THROW(
      create({.dtype = DType::kBool, .shape = {4}, .chunks = {2}, .fill_value = std::int64_t{2}}),
      weft::ConfigError);
  EXPECT_FALSE(fs::exists(dir_ / "x" / ".zarray"));

  const ZarrArray array = create({.shape = {4}, .chunks = {3}});
  std::vector<std::byte> data(3 * 8);
  EXPECT_THROW(array.write_chunk(Shape{2}, data), weft::ConfigError);     // outside the grid
  EXPECT_THROW(array.write_chunk(Shape{0, 0}, data), weft::ConfigError);  // wrong rank
  EXPECT_THROW(array.write_chunk(Shape{1}, data), weft::ConfigError);     // edge block is 1
  EXPECT_THROW(array.read_chunk(Shape{1}, data), weft::ConfigError);
  array.write_chunk(Shape{0}, data);
  EXPECT_TRUE(fs::exists(dir_ / "x" / "0"));
}

TEST_F(ArrayIo, ZarrReadsWhatWeWrite) {
  ASSERT_TRUE(python_has("zarr")) << "python3-zarr missing: run scripts/install-deps.sh";
  const std::vector<Shape> missing = {{1, 1}};
  for (DType dtype : kAllDTypes) {
    for (const std::optional<int> level : {std::optional<int>(), std::optional<int>(3)}) {
      SCOPED_TRACE(name_of(dtype) + (level ? " zstd" : " raw"));
      const fs::path path = dir_ / (name_of(dtype).substr(1) + (level ? "z" : "r"));
      const bool is_bool = dtype == DType::kBool;
      const ZarrArray array = ZarrArray::create(
          path, {.dtype = dtype,
                 .shape = {5, 7},
                 .chunks = {2, 3},
                 .zstd_level = level,
                 .fill_value = is_bool ? weft::array_io::FillValue(true) : std::int64_t{7}});
      write_pattern(array, missing);
      EXPECT_TRUE(python({"check-zarr", path.string(), name_of(dtype), "[5, 7]", "[2, 3]",
                          level ? "zstd" : "none", is_bool ? "true" : "7", "[[1, 1]]"}));
    }
  }
  const ZarrArray scalar = ZarrArray::create(
      dir_ / "s", {.dtype = DType::kFloat64, .shape = {}, .chunks = {}, .zstd_level = 1});
  write_pattern(scalar);
  EXPECT_TRUE(python({"check-zarr", (dir_ / "s").string(), "<f8", "[]", "[]", "zstd", "0", "[]"}));
}

TEST_F(ArrayIo, WeReadWhatZarrWrites) {
  ASSERT_TRUE(python_has("zarr")) << "python3-zarr missing: run scripts/install-deps.sh";
  const std::vector<std::pair<Shape, Shape>> shapes_and_chunks = {
      {{5, 7}, {2, 3}}, {{}, {}}, {{3, 1, 4}, {2, 1, 4}}};
  // zarr-python writes every array first, in one Python run; then each is read and checked.
  std::vector<std::vector<std::string>> writes;
  for (DType dtype : kAllDTypes) {
    for (const char* compressor : {"none", "zstd"}) {
      for (const auto& [shape, chunks] : shapes_and_chunks) {
        const fs::path path = dir_ / ("fromzarr" + std::to_string(writes.size()));
        writes.push_back({"write-zarr", path.string(), name_of(dtype), json_of(shape),
                          json_of(chunks), compressor, "C"});
      }
    }
  }
  ASSERT_TRUE(python_batch(writes, dir_ / "writes.jsonl"));
  std::size_t n = 0;
  for (DType dtype : kAllDTypes) {
    for (const char* compressor : {"none", "zstd"}) {
      for (const auto& [shape, chunks] : shapes_and_chunks) {
        SCOPED_TRACE(name_of(dtype) + " " + compressor + " " + weft::array_io::shape_string(shape));
        const fs::path path = dir_ / ("fromzarr" + std::to_string(n++));
        const ZarrArray array = ZarrArray::open(path);
        EXPECT_EQ(array.meta().dtype, dtype);
        EXPECT_EQ(array.meta().shape, shape);
        // zarr-python stores a 0-d array uncompressed whatever compressor it is given.
        EXPECT_EQ(array.meta().zstd_level.has_value(),
                  std::string(compressor) == "zstd" && !shape.empty());
        expect_pattern(array, {});
      }
    }
  }
  // zarr-python's defaults (blosc) and Fortran-order chunks are refused by field.
  for (const auto& [compressor, order, field] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"blosc", "C", "'compressor'"}, {"none", "F", "'order'"}}) {
    const fs::path path = dir_ / ("refused" + order);
    ASSERT_TRUE(python({"write-zarr", path.string(), "<f8", "[4]", "[2]", compressor, order}));
    try {
      ZarrArray::open(path);
      ADD_FAILURE() << field << " accepted";
    } catch (const weft::SerdeError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  }
}

TEST_F(ArrayIo, MalformedZarrayRaisesSerdeErrorNamingTheField) {
  const nlohmann::json good = {{"zarr_format", 2}, {"shape", {4, 4}},       {"chunks", {2, 2}},
                               {"dtype", "<f8"},   {"compressor", nullptr}, {"fill_value", 0.0},
                               {"order", "C"},     {"filters", nullptr}};
  const auto with = [&](const char* key, nlohmann::json value) {
    nlohmann::json out = good;
    out[key] = std::move(value);
    return out.dump();
  };
  const auto without = [&](const char* key) {
    nlohmann::json out = good;
    out.erase(key);
    return out.dump();
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not valid JSON", "{\"zarr_format\": 2,"},
      {"expected a JSON object", "[2]"},
      {"'zarr_format'", with("zarr_format", 3)},
      {"'zarr_format'", without("zarr_format")},
      {"'dtype'", with("dtype", "<c16")},
      {"'dtype'", with("dtype", ">f8")},
      {"'shape'", with("shape", "4")},
      {"'shape'", with("shape", {4.5})},
      {"'shape'", with("shape", {18446744073709551615ull})},
      {"chunks", with("chunks", {2})},
      {"chunk extents", with("chunks", {2, 0})},
      {"negative extent", with("shape", {-4, 4})},
      {"'compressor'", with("compressor", {{"id", "blosc"}, {"cname", "lz4"}})},
      {"'compressor'", with("compressor", {{"id", "zstd"}})},
      {"'compressor'", with("compressor", "zstd")},
      {"'filters'", with("filters", {{{"id", "delta"}, {"dtype", "<f8"}}})},
      {"'order'", with("order", "F")},
      {"'dimension_separator'", with("dimension_separator", "/")},
      {"'fill_value'", with("fill_value", "abc")},
      {"fill value", with("dtype", "<i4")},
  };
  for (const auto& [expected, text] : cases) {
    SCOPED_TRACE(text);
    fs::create_directories(dir_ / "bad");
    write_text(dir_ / "bad" / ".zarray", text);
    try {
      ZarrArray::open(dir_ / "bad");
      ADD_FAILURE() << "no error";
    } catch (const weft::SerdeError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(expected), std::string::npos) << message;
      EXPECT_NE(message.find(".zarray"), std::string::npos) << message;
    }
  }
  write_text(dir_ / "bad" / ".zarray", good.dump());
  EXPECT_EQ(ZarrArray::open(dir_ / "bad").meta().chunks, (Shape{2, 2}));
}

TEST_F(ArrayIo, MalformedChunkFilesRaiseSerdeError) {
  const ZarrArray raw =
      ZarrArray::create(dir_ / "r", {.dtype = DType::kInt32, .shape = {4}, .chunks = {2}});
  const ZarrArray packed = ZarrArray::create(
      dir_ / "z", {.dtype = DType::kInt32, .shape = {4}, .chunks = {2}, .zstd_level = 1});
  write_pattern(packed);
  std::vector<std::byte> out(8);
  const std::string frame = read_text(dir_ / "z" / "0");
  const std::vector<std::pair<const ZarrArray*, std::string>> cases = {
      {&raw, std::string(7, 'x')},                   // short raw chunk
      {&raw, std::string(9, 'x')},                   // long raw chunk
      {&packed, "not zstd at all"},                  // not a zstd frame
      {&packed, frame.substr(0, frame.size() - 2)},  // truncated frame
      {&packed, ""},                                 // empty file
  };
  for (const auto& [array, bytes] : cases) {
    write_text(array->chunk_path(Shape{1}), bytes);
    EXPECT_THROW(array->read_chunk(Shape{1}, out), weft::SerdeError) << bytes.size();
  }
  // A frame of a different array whose chunks are larger: decompresses to too many bytes.
  const ZarrArray wide = ZarrArray::create(
      dir_ / "w", {.dtype = DType::kInt32, .shape = {8}, .chunks = {4}, .zstd_level = 1});
  write_pattern(wide);
  write_text(packed.chunk_path(Shape{1}), read_text(dir_ / "w" / "0"));
  EXPECT_THROW(packed.read_chunk(Shape{1}, out), weft::SerdeError);
  // The intact chunk still reads.
  packed.read_chunk(Shape{0}, out);
  EXPECT_EQ(out, pattern(DType::kInt32, 2));
}

TEST_F(ArrayIo, ZarrAttributes) {
  const ZarrArray array = ZarrArray::create(dir_ / "a", {.shape = {2}, .chunks = {2}});
  EXPECT_EQ(array.read_attrs(), "{}");
  array.write_attrs(R"({"units": "m", "scale": [1, 2]})");
  EXPECT_EQ(nlohmann::json::parse(array.read_attrs())["units"], "m");
  EXPECT_EQ(nlohmann::json::parse(read_text(dir_ / "a" / ".zattrs"))["scale"],
            nlohmann::json({1, 2}));
  EXPECT_THROW(array.write_attrs("[1]"), weft::ConfigError);
  EXPECT_THROW(array.write_attrs("{"), weft::ConfigError);
  write_text(dir_ / "a" / ".zattrs", "{\"a\": ");
  EXPECT_THROW(array.read_attrs(), weft::SerdeError);
}

// Threads and processes writing different chunks of one array at once: every chunk arrives
// whole and no temporary file is left behind.
TEST_F(ArrayIo, ZarrConcurrentWritersOfDifferentChunks) {
  const ZarrArray array = ZarrArray::create(
      dir_ / "c", {.dtype = DType::kInt64, .shape = {64, 64}, .chunks = {4, 4}, .zstd_level = 1});
  const std::vector<Shape> blocks = blocks_of(array.grid());
  const std::vector<std::byte> full = pattern(DType::kInt64, 64 * 64);
  const auto write_share = [&](std::size_t share, std::size_t shares) {
    for (std::size_t i = share; i < blocks.size(); i += shares) {
      array.write_chunk(blocks[i], extract_block(full, {64, 64}, {4, 4}, blocks[i], {4, 4}, 8));
    }
  };
  // Two processes take shares 0 and 1 of 6, four threads here the others.
  std::vector<pid_t> children;
  for (std::size_t share = 0; share < 2; ++share) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      try {
        write_share(share, 6);
      } catch (...) {
        ::_exit(1);
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  std::vector<std::thread> threads;
  for (std::size_t share = 2; share < 6; ++share) threads.emplace_back(write_share, share, 6);
  for (std::thread& t : threads) t.join();
  for (const pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  expect_pattern(array, {});
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir_ / "c")) {
    EXPECT_EQ(entry.path().string().find(".partial"), std::string::npos) << entry.path();
    ++files;
  }
  EXPECT_EQ(files, blocks.size() + 1);  // the chunks and .zarray
}

}  // namespace
