// Dense: a contiguous N-d array in memory, the unit that array tasks pass around (one block)
// and what Array::compute() returns (the whole array). Included by weft/array.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "weft/array/dtype.hpp"
#include "weft/error.hpp"
#include "weft/serde.hpp"

namespace weft::array {

// A list of axis lengths, outermost first.
using Shape = std::vector<std::int64_t>;

// Errors for arrays built with arguments that do not fit. All are ConfigErrors (bad
// arguments given to weft), thrown when the expression is built, before anything runs; the
// message names the operation, the axis or shapes involved and what was expected.
class ShapeError : public ConfigError {  // shapes that do not broadcast or do not match
 public:
  using ConfigError::ConfigError;
};
class AxisError : public ConfigError {  // an axis out of range or repeated
 public:
  using ConfigError::ConfigError;
};
class ChunkError : public ConfigError {  // chunks that do not cover an axis, or do not align
 public:
  using ConfigError::ConfigError;
};
class DTypeError : public ConfigError {  // an operation the element type does not support
 public:
  using ConfigError::ConfigError;
};

// An immutable C-contiguous (row-major) N-d array of one dtype, sharing its bytes through a
// weft::Buffer: copies are cheap, and on a cluster runtime the bytes travel as an
// out-of-band frame (or a shared-memory mapping), never through the message body.
class Dense {
 public:
  // An empty 1-d float64 array (shape {0}).
  Dense();
  // Adopts `data`, which must hold exactly product(shape) elements of `dtype`, aligned for
  // it. Throws ShapeError when the byte count does not match.
  Dense(DType dtype, Shape shape, Buffer data);

  // Copies `values` (row-major) into a new array. Throws ShapeError when the count does not
  // match the shape.
  template <class T>
  static Dense from_values(Shape shape, const std::vector<T>& values) {
    return Dense(dtype_of<T>(), std::move(shape),
                 Buffer::copy(values.data(), values.size() * sizeof(T)));
  }
  // Adopts `values` without copying them.
  template <class T>
  static Dense adopt(Shape shape, std::vector<T>&& values) {
    static_assert(!std::is_same_v<T, bool>, "std::vector<bool> is packed: use from_values");
    return Dense(dtype_of<T>(), std::move(shape), Buffer::take(std::move(values)));
  }

  DType dtype() const noexcept { return dtype_; }
  const Shape& shape() const noexcept { return shape_; }
  std::size_t ndim() const noexcept { return shape_.size(); }
  std::int64_t size() const noexcept;  // number of elements
  const Buffer& buffer() const noexcept { return data_; }

  // The elements as T. REQUIRES (checked, DTypeError): dtype() == dtype_of<T>().
  template <class T>
  const T* data() const {
    check_dtype(dtype_of<T>());
    return reinterpret_cast<const T*>(data_.data());
  }
  template <class T>
  ArrayView<T> view() const {
    return ArrayView<T>(data<T>(), static_cast<std::size_t>(size()), data_.owner());
  }
  // The elements converted to T (as static_cast does), row-major.
  template <class T>
  std::vector<T> to_vector() const {
    std::vector<T> out(static_cast<std::size_t>(size()));
    visit_dtype(dtype_, [&](auto tag) {
      using S = decltype(tag);
      const S* p = reinterpret_cast<const S*>(data_.data());
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<T>(p[i]);
    });
    return out;
  }
  // The element at `index` (one entry per axis), converted to T. Throws ShapeError when the
  // index has the wrong length or is out of range.
  template <class T>
  T at(const Shape& index) const {
    const std::int64_t i = flat_index(index);
    return visit_dtype(dtype_, [&](auto tag) {
      using S = decltype(tag);
      return static_cast<T>(reinterpret_cast<const S*>(data_.data())[i]);
    });
  }
  // The only element, converted to T. Throws ShapeError unless size() == 1.
  template <class T>
  T item() const {
    if (size() != 1)
      throw ShapeError("Dense::item: the array has " + std::to_string(size()) + " elements, not 1");
    return visit_dtype(dtype_, [&](auto tag) {
      using S = decltype(tag);
      return static_cast<T>(*reinterpret_cast<const S*>(data_.data()));
    });
  }

  // serde: the dtype and shape in the body, the bytes as a Buffer (out of band when large).
  // Decoded bytes that are not aligned for the dtype are copied once, so data<T>() is
  // always safe to read.
  template <class Archive>
  void serialize(Archive& archive) {
    archive(dtype_, shape_, data_);
    realign();
  }

 private:
  void check_dtype(DType wanted) const;
  std::int64_t flat_index(const Shape& index) const;
  void realign();

  DType dtype_ = DType::kFloat64;
  Shape shape_;
  Buffer data_;
};

}  // namespace weft::array
