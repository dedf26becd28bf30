// ReadBuffer: mmap(), mremap(MREMAP_MAYMOVE) and munmap() of anonymous memory.
#include "subprocess/buffer.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>

namespace pyproc::subprocess::detail {
namespace {

// Capacities are multiples of this (and so of the page size).
constexpr std::size_t kFirstCapacity = std::size_t{64} * 1024;
// take() copies and releases this much at a time (a multiple of any page size).
constexpr std::size_t kHandOverStep = std::size_t{1} << 20;
// A transparent huge page on x86-64 (and the usual size elsewhere).
constexpr std::uintptr_t kHugePage = std::uintptr_t{1} << 21;

// Asks for transparent huge pages over the whole huge pages within [begin,
// begin + size) (memory of the std::string take() fills, which malloc gave:
// not page-aligned). Bulk output then costs one page fault per 2 MiB instead
// of one per 4 KiB, on both sides of the copy (the buffer asks for its own
// mapping); measured: 100 MiB through the pipe went from 25,600 faults per
// side and about 4 s to 0.7-1.8 s on a loaded VM. A hint only: where THP is
// off it changes nothing.
void prefer_huge_pages(const char* begin, std::size_t size) {
  const auto first = (reinterpret_cast<std::uintptr_t>(begin) + kHugePage - 1) & ~(kHugePage - 1);
  const auto last = (reinterpret_cast<std::uintptr_t>(begin) + size) & ~(kHugePage - 1);
  if (last > first) {
    // NOLINTNEXTLINE(performance-no-int-to-ptr): page arithmetic on our own memory
    ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
}

// The mapping at `data` (`size` bytes used of `capacity`), moved to
// `wanted` bytes: mremap() moves the pages without copying them. Under
// ThreadSanitizer, which does not intercept mremap() and so would take the
// range it vacates for memory still in use by the thread that used it,
// mmap() + copy + munmap() instead.
void* grow(char* data, std::size_t size, std::size_t capacity, std::size_t wanted) {
#if defined(__SANITIZE_THREAD__)
  void* grown = ::mmap(nullptr, wanted, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (grown == MAP_FAILED) return grown;
  std::memcpy(grown, data, size);
  ::munmap(data, capacity);
  return grown;
#else
  (void)size;
  return ::mremap(data, capacity, wanted, MREMAP_MAYMOVE);
#endif
}

}  // namespace

ReadBuffer::~ReadBuffer() {
  if (data_ != nullptr) ::munmap(data_, capacity_);
}

char* ReadBuffer::room(std::size_t count) {
  if (capacity_ - size_ >= count) return data_ + size_;
  const std::size_t needed = (size_ + count + kFirstCapacity - 1) / kFirstCapacity * kFirstCapacity;
  const std::size_t wanted = std::max(2 * capacity_, needed);
  void* grown = data_ == nullptr ? ::mmap(nullptr, wanted, PROT_READ | PROT_WRITE,
                                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                                 : grow(data_, size_, capacity_, wanted);
  if (grown == MAP_FAILED) throw std::bad_alloc();
  data_ = static_cast<char*>(grown);
  capacity_ = wanted;
  // The whole mapping, so that it stays one VMA: mremap() cannot grow one
  // that madvise() split.
  ::madvise(data_, capacity_, MADV_HUGEPAGE);
  return data_ + size_;
}

std::string ReadBuffer::copy() const { return {data_, size_}; }

std::string ReadBuffer::take() {
  std::string out;
  out.reserve(size_);
  prefer_huge_pages(out.data(), size_);
  std::size_t done = 0;
  while (done < size_) {
    const std::size_t step = std::min(kHandOverStep, size_ - done);
    out.append(data_ + done, step);
    // A whole step is whole pages: give them back now.
    if (step == kHandOverStep) ::munmap(data_ + done, step);
    done += step;
  }
  const std::size_t released = size_ - size_ % kHandOverStep;
  if (capacity_ > released) ::munmap(data_ + released, capacity_ - released);
  data_ = nullptr;
  size_ = 0;
  capacity_ = 0;
  return out;
}

}  // namespace pyproc::subprocess::detail
