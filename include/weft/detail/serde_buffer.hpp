// Buffer, ArrayView and Message: bytes that cross process boundaries without being copied.
//
// A Buffer is a pointer, a length and a shared owner. Whoever holds the memory (a vector
// moved in by Buffer::take, a received ZeroMQ frame, a shared-memory mapping) is the owner,
// so a Buffer can travel from a decoder to a task to an object store while the bytes stay
// where they arrived. Included by weft/serde.hpp; not meant to be included alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <ranges>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

namespace weft {

// An immutable, contiguous run of bytes that keeps its memory alive by sharing ownership of
// whatever holds it. Copying a Buffer copies a pointer and bumps a reference count; the
// bytes are copied only by Buffer::copy.
//
// A Buffer with no owner *borrows*: the memory must outlive every copy of the Buffer. serde
// makes such Buffers only when it was given borrowed memory (see serde::encode).
class Buffer {
 public:
  // Empty: size() == 0, owned().
  Buffer() noexcept = default;
  // Aliases `size` bytes at `data`, kept alive by `owner`; an empty owner borrows.
  Buffer(const void* data, std::size_t size, std::shared_ptr<const void> owner) noexcept
      : data_(static_cast<const std::byte*>(data)), size_(size), owner_(std::move(owner)) {}

  // Moves `container` (std::vector<T> of trivially copyable T, std::string, ...) into a
  // shared holder and aliases its storage: the bytes are not copied.
  template <class Container>
  requires(!std::is_lvalue_reference_v<Container> &&
           std::ranges::contiguous_range<const Container> &&
           std::ranges::sized_range<const Container> &&
           std::is_trivially_copyable_v<std::ranges::range_value_t<Container>>) static Buffer
      take(Container&& container) {
    auto holder = std::make_shared<const Container>(std::move(container));
    const void* data = std::ranges::data(*holder);
    const std::size_t size =
        std::ranges::size(*holder) * sizeof(std::ranges::range_value_t<Container>);
    return Buffer(data, size, std::move(holder));
  }
  // A Buffer owning a fresh copy of the bytes.
  static Buffer copy(const void* data, std::size_t size);
  static Buffer copy(std::span<const std::byte> bytes) { return copy(bytes.data(), bytes.size()); }
  // A Buffer that borrows: REQUIRES the memory outlives every copy of the result.
  static Buffer borrow(const void* data, std::size_t size) noexcept {
    return Buffer(data, size, nullptr);
  }

  const std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
  const std::byte* begin() const noexcept { return data_; }
  const std::byte* end() const noexcept { return data_ + size_; }

  // What keeps the bytes alive; empty when the Buffer borrows.
  const std::shared_ptr<const void>& owner() const noexcept { return owner_; }
  // False when the Buffer borrows memory that someone else must keep alive.
  bool owned() const noexcept { return owner_ != nullptr || size_ == 0; }

  // The bytes [offset, offset + length), sharing this Buffer's owner.
  // REQUIRES: offset + length <= size().
  Buffer slice(std::size_t offset, std::size_t length) const noexcept {
    return Buffer(data_ + offset, length, owner_);
  }

  // Byte-wise comparison of contents (not identity).
  friend bool operator==(const Buffer& a, const Buffer& b) noexcept {
    return a.size_ == b.size_ && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
  }

 private:
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  std::shared_ptr<const void> owner_;
};

// A read-only array of T that shares ownership of its memory, like Buffer: what a decoder
// returns when it can alias a received frame instead of copying into a std::vector.
// REQUIRES: T is trivially copyable.
template <class T>
class ArrayView {
  static_assert(std::is_trivially_copyable_v<T>, "ArrayView holds trivially copyable values");

 public:
  using value_type = T;

  ArrayView() noexcept = default;
  // Aliases `size` values at `data` (aligned for T), kept alive by `owner`.
  ArrayView(const T* data, std::size_t size, std::shared_ptr<const void> owner) noexcept
      : data_(data), size_(size), owner_(std::move(owner)) {}
  // Takes the vector's storage: no copy.
  explicit ArrayView(std::vector<T> values) {
    auto holder = std::make_shared<const std::vector<T>>(std::move(values));
    data_ = holder->data();
    size_ = holder->size();
    owner_ = std::move(holder);
  }

  const T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + size_; }
  // REQUIRES: i < size().
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  std::span<const T> span() const noexcept { return {data_, size_}; }
  operator std::span<const T>() const noexcept { return span(); }  // NOLINT: a view is a span
  std::vector<T> to_vector() const { return std::vector<T>(begin(), end()); }
  const std::shared_ptr<const void>& owner() const noexcept { return owner_; }

 private:
  const T* data_ = nullptr;
  std::size_t size_ = 0;
  std::shared_ptr<const void> owner_;
};

namespace serde {

// An encoded value: a msgpack body plus out-of-band frames, one ZeroMQ multipart message
// ([body, frames...]). The body refers to frames by index; frames hold large arrays as they
// were in memory.
struct Message {
  Buffer body;
  std::vector<Buffer> frames;

  // True when every frame owns its memory, so the message may outlive the value it was
  // encoded from. False after encode(const T&) of a value with large arrays: those frames
  // borrow from the value.
  bool self_contained() const noexcept;
  // Copies every borrowed frame into memory of its own; afterwards self_contained().
  void make_self_contained();
  // Body plus frame bytes.
  std::size_t total_bytes() const noexcept;
};

}  // namespace serde
}  // namespace weft
