// Arrays to and from .npy files and Zarr v2 directories (weft/array/storage.hpp), on the raw
// storage layer (array/io). Every read and write is a block task of a kernel registered
// here, so that they run on the cluster runtimes' workers too.
#include "weft/array/storage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <utility>

#include "array/io/file.hpp"
#include "array/io/npy.hpp"
#include "array/io/npy_header.hpp"
#include "array/io/zarr.hpp"
#include "evaluator.hpp"
#include "node.hpp"
#include "partial.hpp"
#include "program.hpp"
#include "weft/remote.hpp"

namespace weft::array {
namespace detail {
namespace {

namespace io = weft::array_io;

io::DType to_io(DType t) {
  switch (t) {
    case DType::kBool:
      return io::DType::kBool;
    case DType::kInt32:
      return io::DType::kInt32;
    case DType::kInt64:
      return io::DType::kInt64;
    case DType::kFloat32:
      return io::DType::kFloat32;
    case DType::kFloat64:
      break;
  }
  return io::DType::kFloat64;
}

DType from_io(io::DType t) {
  switch (t) {
    case io::DType::kBool:
      return DType::kBool;
    case io::DType::kInt32:
      return DType::kInt32;
    case io::DType::kInt64:
      return DType::kInt64;
    case io::DType::kFloat32:
      return DType::kFloat32;
    case io::DType::kFloat64:
      break;
  }
  return DType::kFloat64;
}

[[noreturn]] void fail_os(const std::string& what, const std::string& path) {
  throw Error(what + " " + io::quote_path(path) + ": " + std::strerror(errno));
}

// Calls f(file_element, block_element, n) for each contiguous run of the block at `origin`
// of shape `block` in a C-order array of `shape`. Trailing axes the block spans whole are
// merged into one run, so a block of full rows is a single run.
template <class F>
void for_each_run(const Shape& shape, const Shape& origin, const Shape& block, F f) {
  if (count_of(block) == 0) return;
  const std::size_t nd = shape.size();
  if (nd == 0) return f(std::int64_t{0}, std::int64_t{0}, std::int64_t{1});
  std::size_t j = nd - 1;  // the innermost axis the block does not span whole, or 0
  while (j > 0 && block[j] == shape[j]) --j;
  const Shape strides = strides_of(shape);
  const std::int64_t run = block[j] * strides[j];
  Shape idx(j, 0);
  for (std::int64_t done = 0;; done += run) {
    std::int64_t at = origin[j] * strides[j];
    for (std::size_t k = 0; k < j; ++k) at += (origin[k] + idx[k]) * strides[k];
    f(at, done, run);
    std::size_t k = j;
    while (k-- > 0) {
      if (++idx[k] < block[k]) break;
      idx[k] = 0;
    }
    if (k == static_cast<std::size_t>(-1)) return;
  }
}

void byteswap(std::byte* p, std::int64_t n, std::size_t size) {
  for (std::int64_t i = 0; i < n; ++i, p += size) std::reverse(p, p + size);
}

// A name beside `path` that no other writer uses: this process, a counter and a random tag
// (the pid alone repeats across the machines of a cluster sharing a file system).
std::filesystem::path temporary_beside(const std::filesystem::path& path) {
  static std::atomic<std::uint64_t> counter{0};
  const std::uint64_t tag = std::random_device{}();
  return path.parent_path() /
         ("." + path.filename().string() + ".weft-" + std::to_string(::getpid()) + "-" +
          std::to_string(counter++) + "-" + std::to_string(tag) + ".tmp");
}

}  // namespace

// One block of a .npy file: where the data starts and how the block lies in the array.
struct NpyBlockSpec {
  std::string path;
  DType dtype = DType::kFloat64;
  Shape shape;  // the whole array's (C order: a Fortran file's reversed)
  std::uint64_t data_offset = 0;
  Shape offset;       // the block's first element
  Shape block;        // the block's shape
  bool swap = false;  // big-endian file: swap bytes on read
  WEFT_SERIALIZE(path, dtype, shape, data_offset, offset, block, swap);
  std::uint64_t weft_token() const { return token_of(*this); }
};

// One chunk of a Zarr array.
struct ZarrBlockSpec {
  std::string dir;
  DType dtype = DType::kFloat64;
  Shape index;
  WEFT_SERIALIZE(dir, dtype, index);
  std::uint64_t weft_token() const { return token_of(*this); }
};

Dense array_npy_read(const NpyBlockSpec& spec) {
  auto [out, bytes] = allocate(spec.dtype, spec.block);
  const std::size_t size = itemsize(spec.dtype);
  const io::ReadFile file(spec.path);
  for_each_run(spec.shape, spec.offset, spec.block,
               [&](std::int64_t at, std::int64_t done, std::int64_t n) {
                 file.read_at(spec.data_offset + static_cast<std::uint64_t>(at) * size,
                              {bytes + done * size, static_cast<std::size_t>(n) * size});
               });
  if (spec.swap) byteswap(bytes, count_of(spec.block), size);
  return out;
}

// Writes the block's runs into the (already sized) file; returns the bytes written.
std::int64_t array_npy_write(const NpyBlockSpec& spec, const Dense& block) {
  if (block.dtype() != spec.dtype || block.shape() != spec.block) {
    throw ShapeError("to_npy: a block does not match its place in the array");
  }
  const int fd = ::open(spec.path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail_os("cannot open", spec.path);
  const std::size_t size = itemsize(spec.dtype);
  const std::byte* src = block.buffer().data();
  std::int64_t written = 0;
  try {
    for_each_run(spec.shape, spec.offset, spec.block,
                 [&](std::int64_t at, std::int64_t done, std::int64_t n) {
                   const std::byte* p = src + done * size;
                   std::size_t left = static_cast<std::size_t>(n) * size;
                   auto pos =
                       static_cast<off_t>(spec.data_offset + static_cast<std::uint64_t>(at) * size);
                   while (left > 0) {
                     const ssize_t w = ::pwrite(fd, p, left, pos);
                     if (w < 0 && errno == EINTR) continue;
                     if (w <= 0) fail_os("cannot write", spec.path);
                     p += w;
                     pos += w;
                     left -= static_cast<std::size_t>(w);
                     written += w;
                   }
                 });
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) fail_os("cannot write", spec.path);
  return written;
}

Dense array_zarr_read(const ZarrBlockSpec& spec) {
  const io::ZarrArray z = io::ZarrArray::open(spec.dir);
  if (from_io(z.meta().dtype) != spec.dtype) {
    throw DTypeError("from_zarr: " + io::quote_path(spec.dir) +
                     " changed dtype since it was opened");
  }
  auto [out, bytes] = allocate(spec.dtype, z.block_shape(spec.index));
  z.read_chunk(spec.index, {bytes, out.buffer().size()});
  return out;
}

std::int64_t array_zarr_write(const ZarrBlockSpec& spec, const Dense& block) {
  const io::ZarrArray z = io::ZarrArray::open(spec.dir);
  z.write_chunk(spec.index, {block.buffer().data(), block.buffer().size()});
  return static_cast<std::int64_t>(block.buffer().size());
}

// Joins the write tasks: one output for compute().
std::int64_t array_store_done(const std::vector<std::int64_t>& written) {
  std::int64_t total = 0;
  for (std::int64_t w : written) total += w;
  return total;
}

WEFT_REMOTE(array_npy_read);
WEFT_REMOTE(array_npy_write);
WEFT_REMOTE(array_zarr_read);
WEFT_REMOTE(array_zarr_write);
WEFT_REMOTE(array_store_done);

namespace {

// Runs one write task per block of `x` (write(spec_of(block index), block)) and waits.
template <class Spec, class MakeSpec>
void write_blocks(const Array& x, std::int64_t (*write)(const Spec&, const Dense&),
                  MakeSpec spec_of, const ComputeOptions& options) {
  const std::vector<Delayed<Dense>> blocks = x.blocks();
  auto task = weft::delayed(write);
  std::vector<Delayed<std::int64_t>> writes;
  std::size_t i = 0;
  for_each_block(grid_of(x.chunks()), [&](const Shape& b) {
    if (count_of(block_shape(x.chunks(), b)) > 0) writes.push_back(task(spec_of(b), blocks[i]));
    ++i;
  });
  weft::delayed (&array_store_done)(std::move(writes)).compute(options);
}

}  // namespace
}  // namespace detail

void to_npy(const Array& x, const std::filesystem::path& path, const ComputeOptions& options) {
  namespace io = weft::array_io;
  const std::string preamble = io::npy_preamble(detail::to_io(x.dtype()), x.shape());
  const std::size_t nbytes =
      io::byte_count(detail::to_io(x.dtype()), x.shape(), io::quote_path(path));
  const std::filesystem::path tmp = detail::temporary_beside(path);
  try {
    {
      const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0) detail::fail_os("cannot create", tmp);
      const bool ok =
          ::write(fd, preamble.data(), preamble.size()) == static_cast<ssize_t>(preamble.size()) &&
          ::ftruncate(fd, static_cast<off_t>(preamble.size() + nbytes)) == 0;
      const int err = errno;
      ::close(fd);
      errno = err;
      if (!ok) detail::fail_os("cannot write", tmp);
    }
    const detail::NpyBlockSpec base{tmp.string(), x.dtype(), x.shape(), preamble.size()};
    detail::write_blocks(
        x, &detail::array_npy_write,
        [&](const Shape& b) {
          detail::NpyBlockSpec spec = base;
          spec.offset = detail::block_offset(x.chunks(), b);
          spec.block = detail::block_shape(x.chunks(), b);
          return spec;
        },
        options);
    std::filesystem::rename(tmp, path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
}

Array from_npy(const std::filesystem::path& path, const Chunks& chunks) {
  const weft::array_io::NpyInfo info = weft::array_io::read_npy_info(path);
  const DType dtype = detail::from_io(info.dtype);
  detail::ChunkLists lists = chunks.resolve(info.shape);
  Shape shape = info.shape;
  // A Fortran-order file holds the C-order transpose: read that, transpose back.
  if (info.fortran_order) {
    std::reverse(shape.begin(), shape.end());
    std::reverse(lists.begin(), lists.end());
  }
  auto read = weft::delayed(&detail::array_npy_read);
  std::vector<Delayed<Dense>> blocks;
  detail::for_each_block(detail::grid_of(lists), [&](const Shape& b) {
    blocks.push_back(read(detail::NpyBlockSpec{path.string(), dtype, shape, info.data_offset,
                                               detail::block_offset(lists, b),
                                               detail::block_shape(lists, b), info.big_endian}));
  });
  Array a(detail::leaf_node(shape, std::move(lists), dtype, std::move(blocks)));
  return info.fortran_order ? a.transpose() : a;
}

void to_zarr(const Array& x, const std::filesystem::path& dir, const ZarrOptions& options,
             const ComputeOptions& compute) {
  namespace io = weft::array_io;
  Shape chunk(x.ndim());
  for (std::size_t k = 0; k < x.ndim(); ++k) {
    const std::vector<std::int64_t>& c = x.chunks()[k];
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (i + 1 < c.size() ? c[i] != c[0] : c[i] > c[0]) {
        throw ChunkError("to_zarr: chunks along axis " + std::to_string(k) +
                         " are irregular (Zarr needs equal blocks and a smaller last one): "
                         "rechunk first");
      }
    }
    chunk[k] = std::max<std::int64_t>(c[0], 1);
  }
  if (options.overwrite) std::filesystem::remove_all(dir);
  io::ZarrArray::create(dir, io::ZarrMeta{.dtype = detail::to_io(x.dtype()),
                                          .shape = x.shape(),
                                          .chunks = chunk,
                                          .zstd_level = options.zstd_level});
  detail::write_blocks(
      x, &detail::array_zarr_write,
      [&](const Shape& b) {
        return detail::ZarrBlockSpec{dir.string(), x.dtype(), b};
      },
      compute);
}

Array from_zarr(const std::filesystem::path& dir) {
  const weft::array_io::ZarrArray z = weft::array_io::ZarrArray::open(dir);
  const weft::array_io::ZarrMeta& meta = z.meta();
  const DType dtype = detail::from_io(meta.dtype);
  detail::ChunkLists lists = Chunks(meta.chunks).resolve(meta.shape);
  if (detail::count_of(meta.shape) == 0) return zeros(meta.shape, Chunks(lists), dtype);
  auto read = weft::delayed(&detail::array_zarr_read);
  std::vector<Delayed<Dense>> blocks;
  detail::for_each_block(detail::grid_of(lists), [&](const Shape& b) {
    blocks.push_back(read(detail::ZarrBlockSpec{dir.string(), dtype, b}));
  });
  return Array(detail::leaf_node(meta.shape, std::move(lists), dtype, std::move(blocks)));
}

}  // namespace weft::array
