// Where communicate() collects what a child writes to a pipe: anonymous
// memory that grows with mremap(), so growing never copies the bytes nor
// keeps two copies resident, handed over as a std::string with each page
// released as soon as it is copied. Collecting N bytes costs one copy and
// about N bytes of resident memory at its peak (a std::string grown by
// doubling can hold up to 2N while it reallocates).
#pragma once

#include <cstddef>
#include <string>

namespace pyproc::subprocess::detail {

class ReadBuffer {
 public:
  ReadBuffer() = default;
  ~ReadBuffer();
  ReadBuffer(const ReadBuffer&) = delete;
  ReadBuffer& operator=(const ReadBuffer&) = delete;

  // Room for `count` more bytes at the end (std::bad_alloc without memory);
  // commit() then says how many were written there.
  char* room(std::size_t count);
  void commit(std::size_t count) { size_ += count; }
  [[nodiscard]] std::size_t size() const { return size_; }
  // A copy of what is held (the partial output of TimeoutExpired).
  [[nodiscard]] std::string copy() const;
  // Everything, as a string; the buffer is empty afterwards.
  std::string take();

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;  // a multiple of the page size
};

}  // namespace pyproc::subprocess::detail
