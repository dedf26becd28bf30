// The io objects of a Popen's pipes (Modules/_io: fileio.c, bufferedio.c,
// textio.c), reduced to what a pipe end needs: their reads, writes, buffers
// and error messages.
#include <cerrno>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/sigpipe_blocked.hpp"
#include "core/syscalls.hpp"
#include "subprocess/popen_state.hpp"

namespace pyproc::subprocess {
namespace detail {
namespace {

using Kind = PipeFile::Kind;

pyproc::detail::Syscalls& sys() { return pyproc::detail::syscalls(); }

// io.DEFAULT_BUFFER_SIZE; also what TextIOWrapper asks of its buffer at a time.
constexpr std::size_t kDefaultBufferSize = 8192;

// What an operation is called in its class's messages.
enum class Op { write, flush, read, readline, readlines, next, iter, fileno };

// The ValueError each class raises for `op` on a closed file.
[[noreturn]] void raise_closed(Kind kind, Op op) {
  const char* const plain = "I/O operation on closed file";
  const char* const dotted = "I/O operation on closed file.";
  if (op == Op::readlines || op == Op::iter) throw ValueError(dotted);
  if (op == Op::fileno) throw ValueError(plain);
  switch (kind) {
    case Kind::TextIOWrapper:
      throw ValueError(dotted);
    case Kind::FileIO:
      throw ValueError(op == Op::flush ? dotted : plain);
    case Kind::BufferedWriter:
    case Kind::BufferedReader:
      break;
  }
  switch (op) {
    case Op::write:
      throw ValueError("write to closed file");
    case Op::flush:
      throw ValueError("flush of closed file");
    case Op::read:
      throw ValueError("read of closed file");
    default:
      throw ValueError("readline of closed file");
  }
}

// The UnsupportedOperation of reading a writer or writing a reader.
[[noreturn]] void raise_unsupported(Kind kind, bool write) {
  switch (kind) {
    case Kind::FileIO:
      throw UnsupportedOperation(write ? "File not open for writing" : "File not open for reading");
    case Kind::TextIOWrapper:
      throw UnsupportedOperation(write ? "not writable" : "not readable");
    default:
      throw UnsupportedOperation(write ? "write" : "read");
  }
}

void check_open(const PipeState& s, Op op) {
  if (s.closed) raise_closed(s.kind, op);
}

void check_readable(const PipeState& s, Op op) {
  check_open(s, op);
  if (!s.reader) raise_unsupported(s.kind, false);
}

void check_writable(const PipeState& s) {
  check_open(s, Op::write);
  if (s.reader) raise_unsupported(s.kind, true);
}

// ---- writing ----

// One write(2), retried on EINTR (PEP 475): the bytes it took.
std::size_t write_once(const PipeState& s, std::string_view data) {
  pyproc::detail::SigpipeBlocked no_sigpipe;
  for (;;) {
    const ssize_t n = sys().write(s.fd.get(), data.data(), data.size());
    if (n >= 0) {
      if (static_cast<std::size_t>(n) == data.size()) no_sigpipe.nothing_queued();
      return static_cast<std::size_t>(n);
    }
    if (errno != EINTR) raise_os_error(errno);
  }
}

void write_all(const PipeState& s, std::string_view data) {
  while (!data.empty()) data.remove_prefix(write_once(s, data));
}

// BufferedWriter.flush(): what its buffer holds, written; on an error the
// bytes not written stay in the buffer.
void flush_buffer(PipeState& s) {
  std::string_view pending = s.pending_write;
  try {
    while (!pending.empty()) pending.remove_prefix(write_once(s, pending));
  } catch (...) {
    s.pending_write.erase(0, s.pending_write.size() - pending.size());
    throw;
  }
  s.pending_write.clear();
}

// The binary layer's write(): FileIO writes once, BufferedWriter buffers
// what fits and writes the rest through.
std::size_t binary_write(PipeState& s, std::string_view data) {
  if (s.raw) return write_once(s, data);
  if (s.pending_write.size() + data.size() <= s.buffer_size) {
    s.pending_write.append(data);
    return data.size();
  }
  flush_buffer(s);
  if (data.size() >= s.buffer_size) {
    write_all(s, data);
  } else {
    s.pending_write.assign(data);
  }
  return data.size();
}

std::size_t code_points(std::string_view utf8) {
  std::size_t count = 0;
  for (const char c : utf8) count += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
  return count;
}

// ---- reading ----

// One read(2) of up to `count` bytes onto raw_read; false at end of file.
bool fill(PipeState& s, std::size_t count) {
  if (s.eof) return false;
  const std::size_t old = s.raw_read.size();
  s.raw_read.resize(old + count);
  ssize_t n;
  while ((n = sys().read(s.fd.get(), s.raw_read.data() + old, count)) < 0 && errno == EINTR) {
  }
  s.raw_read.resize(old + (n > 0 ? static_cast<std::size_t>(n) : 0));
  if (n < 0) raise_os_error(errno);
  if (n == 0) s.eof = true;
  return n > 0;
}

std::string take_front(std::string& from, std::size_t count) {
  std::string taken = from.substr(0, count);
  from.erase(0, count);
  return taken;
}

// The binary layer's read(size).
std::string binary_read(PipeState& s, long long size) {
  if (size < 0) {
    while (fill(s, s.raw ? 65536 : s.buffer_size)) {
    }
    return std::exchange(s.raw_read, {});
  }
  const auto wanted = static_cast<std::size_t>(size);
  if (s.raw) {
    // FileIO.read(n): one read(2).
    if (s.raw_read.empty() && wanted > 0) fill(s, wanted);
    return take_front(s.raw_read, wanted);
  }
  while (s.raw_read.size() < wanted &&
         fill(s, std::max(s.buffer_size, wanted - s.raw_read.size()))) {
  }
  return take_front(s.raw_read, wanted);
}

// The binary layer's readline(size): FileIO reads a byte at a time, so that
// it takes nothing past the line from the pipe.
std::string binary_readline(PipeState& s, long long size) {
  const auto limit = size < 0 ? std::string::npos : static_cast<std::size_t>(size);
  for (;;) {
    const std::size_t newline = s.raw_read.find('\n');
    if (newline != std::string::npos && newline < limit) return take_front(s.raw_read, newline + 1);
    if (s.raw_read.size() >= limit) return take_front(s.raw_read, limit);
    if (!fill(s, s.raw ? 1 : s.buffer_size)) return take_front(s.raw_read, s.raw_read.size());
  }
}

// TextIOWrapper's decoder: moves what can be decoded from raw_read to
// decoded. A UTF-8 sequence cut short and a final "\r" (which may begin
// "\r\n") wait for more bytes, unless the file has ended.
void decode_available(PipeState& s) {
  std::size_t keep = 0;
  if (!s.eof) {
    keep = s.codec->incomplete_tail(s.raw_read);
    if (keep == 0 && !s.raw_read.empty() && s.raw_read.back() == '\r') keep = 1;
  }
  std::string chunk = s.raw_read.substr(0, s.raw_read.size() - keep);
  if (chunk.empty()) return;
  s.codec->decode(chunk);  // a strict error raises; the bytes stay unread
  s.raw_read.erase(0, s.raw_read.size() - keep);
  s.decoded += chunk;
}

// One more chunk read and decoded; false at end of file (then everything
// left has been decoded).
bool fill_text(PipeState& s) {
  const bool more = fill(s, s.raw ? kDefaultBufferSize : s.buffer_size);
  decode_available(s);
  return more;
}

// The byte offset after `count` code points of s (s.size() if fewer).
std::size_t offset_of(std::string_view s, std::size_t count) {
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0U) != 0x80U) {
      if (count == 0) return i;
      --count;
    }
  }
  return i;
}

std::string text_read(PipeState& s, long long size) {
  if (size < 0) {
    // TextIOWrapper.read(): everything, decoded at once.
    while (fill(s, 65536)) {
    }
    decode_available(s);
    return std::exchange(s.decoded, {});
  }
  const auto wanted = static_cast<std::size_t>(size);
  while (code_points(s.decoded) < wanted && fill_text(s)) {
  }
  return take_front(s.decoded, offset_of(s.decoded, wanted));
}

std::string text_readline(PipeState& s, long long size) {
  const auto limit = size < 0 ? std::string::npos : static_cast<std::size_t>(size);
  for (;;) {
    const std::size_t newline = s.decoded.find('\n');
    if (newline != std::string::npos && code_points(s.decoded.substr(0, newline)) < limit) {
      return take_front(s.decoded, newline + 1);
    }
    if (limit != std::string::npos && code_points(s.decoded) >= limit) {
      return take_front(s.decoded, offset_of(s.decoded, limit));
    }
    if (!fill_text(s)) return std::exchange(s.decoded, {});
  }
}

std::string any_readline(PipeState& s, long long size) {
  return s.codec ? text_readline(s, size) : binary_readline(s, size);
}

Kind kind_of(bool reader, bool text, bool raw) {
  if (text) return Kind::TextIOWrapper;
  if (raw) return Kind::FileIO;
  return reader ? Kind::BufferedReader : Kind::BufferedWriter;
}

}  // namespace

std::shared_ptr<PipeFile> make_pipe_file(OwnedFd fd, bool reader, const Options& options) {
  auto s = std::make_unique<PipeState>();
  const long long bufsize = options.bufsize.value_or(-1);
  const bool text = options.text_mode();
  s->fd = std::move(fd);
  s->reader = reader;
  s->raw = bufsize == 0;
  // io.open(fd, mode, 1) in bytes mode warns and uses the default size;
  // bufsize 1 in text mode is the line buffering of Popen's stdin.
  s->line_buffering = text && !reader && bufsize == 1;
  s->buffer_size = bufsize > 1 ? static_cast<std::size_t>(bufsize) : kDefaultBufferSize;
  if (text) s->codec.emplace(options.encoding, options.errors);
  s->kind = kind_of(reader, text, s->raw);
  return std::make_shared<PipeFile>(std::move(s));
}

PipeState& state_of(PipeFile& file) { return *file.state_; }

}  // namespace detail

PipeFile::PipeFile(std::unique_ptr<detail::PipeState> state) : state_(std::move(state)) {}

PipeFile::~PipeFile() {
  // IOBase.__del__: close(), its errors ignored.
  try {
    close();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor reports nothing, as __del__
  }
}

PipeFile::Kind PipeFile::kind() const { return state_->kind; }

const char* PipeFile::type_name() const {
  switch (state_->kind) {
    case Kind::FileIO:
      return "FileIO";
    case Kind::BufferedWriter:
      return "BufferedWriter";
    case Kind::BufferedReader:
      return "BufferedReader";
    case Kind::TextIOWrapper:
      break;
  }
  return "TextIOWrapper";
}

bool PipeFile::closed() const { return state_->closed; }
bool PipeFile::readable() const { return state_->reader; }
bool PipeFile::writable() const { return !state_->reader; }

int PipeFile::fileno() const {
  detail::check_open(*state_, detail::Op::fileno);
  return state_->fd.get();
}

std::size_t PipeFile::write(std::string_view data) {
  detail::PipeState& s = *state_;
  detail::check_writable(s);
  if (!s.codec) return detail::binary_write(s, data);
  // TextIOWrapper(write_through=True): encoded and handed to the binary
  // layer at once; with line buffering, flushed when a line ends.
  const std::string encoded = s.codec->encode(std::string(data));
  detail::binary_write(s, encoded);
  if (s.line_buffering && data.find_first_of("\n\r") != std::string_view::npos) flush();
  return detail::code_points(data);
}

void PipeFile::flush() {
  detail::PipeState& s = *state_;
  detail::check_open(s, detail::Op::flush);
  if (!s.reader) detail::flush_buffer(s);
}

void PipeFile::close() {
  detail::PipeState& s = *state_;
  if (s.closed) return;
  // BufferedWriter.close(): flush, then close the fd whatever happened.
  struct CloseAnyway {
    detail::PipeState& s;
    ~CloseAnyway() {
      s.closed = true;
      s.fd.reset();
    }
  } close_anyway{s};
  if (!s.reader) detail::flush_buffer(s);
}

std::string PipeFile::read(long long size) {
  detail::PipeState& s = *state_;
  detail::check_readable(s, detail::Op::read);
  return s.codec ? detail::text_read(s, size) : detail::binary_read(s, size);
}

std::string PipeFile::readline(long long size) {
  detail::PipeState& s = *state_;
  detail::check_readable(s, detail::Op::readline);
  return detail::any_readline(s, size);
}

std::vector<std::string> PipeFile::readlines() {
  detail::PipeState& s = *state_;
  detail::check_readable(s, detail::Op::readlines);
  std::vector<std::string> lines;
  for (std::string line; !(line = detail::any_readline(s, -1)).empty();) {
    lines.push_back(std::move(line));
  }
  return lines;
}

std::optional<std::string> PipeFile::next() {
  detail::PipeState& s = *state_;
  detail::check_readable(s, detail::Op::next);
  std::string line = detail::any_readline(s, -1);
  if (line.empty()) return std::nullopt;
  return line;
}

void PipeFile::iter() const { detail::check_open(*state_, detail::Op::iter); }

}  // namespace pyproc::subprocess
