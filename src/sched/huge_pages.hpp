// Large arrays of the scheduler (task records, the id map) on transparent huge pages.
//
// At ten million tasks the records span gigabytes and are touched in no particular order:
// with 4 KiB pages nearly every access also misses the TLB. Blocks of at least 2 MiB are
// aligned to 2 MiB and advised MADV_HUGEPAGE (a no-op where the kernel has THP disabled);
// smaller ones come from plain operator new. The only platform-specific code of src/sched.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace weft::sched::detail {

inline constexpr std::size_t kHugePage = std::size_t{2} << 20;

// Uninitialized memory for `bytes`, to be given back with free_huge(p, bytes).
inline void* alloc_huge(std::size_t bytes) {
  if (bytes < kHugePage) return ::operator new(bytes);
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  ::madvise(p, rounded, MADV_HUGEPAGE);
#endif
  return p;
}

inline void free_huge(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  if (bytes < kHugePage) {
    ::operator delete(p);
  } else {
    std::free(p);
  }
}

// A fixed-size array of trivially copyable T on huge pages, filled with `fill`.
template <class T>
class HugeArray {
 public:
  HugeArray() = default;
  HugeArray(std::size_t n, const T& fill)
      : n_(n), data_(static_cast<T*>(alloc_huge(n * sizeof(T)))) {
    for (std::size_t i = 0; i < n; ++i) new (data_ + i) T(fill);
  }
  HugeArray(const HugeArray&) = delete;
  HugeArray& operator=(const HugeArray&) = delete;
  HugeArray(HugeArray&& o) noexcept : n_(o.n_), data_(o.data_) {
    o.n_ = 0;
    o.data_ = nullptr;
  }
  HugeArray& operator=(HugeArray&& o) noexcept {
    if (this != &o) {
      free_huge(data_, n_ * sizeof(T));
      n_ = o.n_;
      data_ = o.data_;
      o.n_ = 0;
      o.data_ = nullptr;
    }
    return *this;
  }
  ~HugeArray() { free_huge(data_, n_ * sizeof(T)); }

  std::size_t size() const noexcept { return n_; }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  T* begin() noexcept { return data_; }
  T* end() noexcept { return data_ + n_; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + n_; }

 private:
  std::size_t n_ = 0;
  T* data_ = nullptr;
};

}  // namespace weft::sched::detail
