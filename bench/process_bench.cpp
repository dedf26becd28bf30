// What pyproc::Process costs next to the raw system calls it wraps (issue 11).
// bench/cpython_bench.py times the same shapes with CPython's multiprocessing,
// and bench/ratios.py runs both and prints every ratio.
//
// Every child is reaped inside the iteration that made it; children that must
// stay alive block on a pipe and are released by the parent, never by time.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "pyproc/multiprocessing/process.hpp"

namespace {

using pyproc::Process;

// A pipe whose read end children block on until the parent writes one byte
// per child (or closes it).
class Gate {
 public:
  Gate() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  }
  ~Gate() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;
  void wait() const {  // in a child
    char byte;
    while (::read(fds_[0], &byte, 1) < 0 && errno == EINTR) {
    }
  }
  void open(std::size_t children) const {
    const std::string tokens(children, 'g');
    std::size_t done = 0;
    while (done < tokens.size()) {
      const ssize_t n = ::write(fds_[1], tokens.data() + done, tokens.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error("write");
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  int fds_[2] = {-1, -1};
};

// What reaped children have used so far: page faults (copy-on-write faults
// are most of what a forked child takes) and CPU time. Reported per child as
// child_faults and child_cpu_us: on a loaded machine the CPU times (the
// parent's is the benchmark's CPU column) vary less than the wall time.
struct ChildUsage {
  double faults;
  double cpu_us;
  double parent_faults;
  static ChildUsage now() {
    rusage usage{};
    rusage self{};
    ::getrusage(RUSAGE_CHILDREN, &usage);
    ::getrusage(RUSAGE_SELF, &self);
    const auto us = [](const timeval& tv) {
      return static_cast<double>(tv.tv_sec) * 1e6 + static_cast<double>(tv.tv_usec);
    };
    return {static_cast<double>(usage.ru_minflt + usage.ru_majflt),
            us(usage.ru_utime) + us(usage.ru_stime),
            static_cast<double>(self.ru_minflt + self.ru_majflt)};
  }
};

void count_child_usage(benchmark::State& state, const ChildUsage& before) {
  const ChildUsage after = ChildUsage::now();
  state.counters["child_faults"] =
      benchmark::Counter(after.faults - before.faults, benchmark::Counter::kAvgIterations);
  state.counters["parent_faults"] = benchmark::Counter(after.parent_faults - before.parent_faults,
                                                       benchmark::Counter::kAvgIterations);
  state.counters["child_cpu_us"] =
      benchmark::Counter(after.cpu_us - before.cpu_us, benchmark::Counter::kAvgIterations);
}

void reap(pid_t pid) {
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

double monotonic_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// A page shared with children, for the time at which they exit.
double* shared_clock() {
  static auto* const page = static_cast<double*>(
      ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  return page;
}

// In a child: let the parent reach its wait (about 200 µs of spinning, not a
// sleep: nothing here synchronises on it), note the time, end at once.
[[noreturn]] void exit_now_noting_time() {
  const double until = monotonic_now() + 200e-6;
  while (monotonic_now() < until) {
  }
  *shared_clock() = monotonic_now();
  ::_exit(0);
}

// ---- start + join of a trivial child ----

void BM_RawForkExitWaitpid(benchmark::State& state) {
  const ChildUsage usage = ChildUsage::now();
  for (auto _ : state) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    reap(pid);
  }
  count_child_usage(state, usage);
}
BENCHMARK(BM_RawForkExitWaitpid)->UseRealTime();

void BM_RawVforkExitWaitpid(benchmark::State& state) {
  for (auto _ : state) {
    const pid_t pid = ::vfork();  // NOLINT(cert-env33-c): the child only _exit()s
    if (pid == 0) ::_exit(0);
    reap(pid);
  }
}
BENCHMARK(BM_RawVforkExitWaitpid)->UseRealTime();

void BM_ProcessStartJoin(benchmark::State& state) {
  const ChildUsage usage = ChildUsage::now();
  for (auto _ : state) {
    Process p([] {});
    p.start();
    p.join();
  }
  count_child_usage(state, usage);
}
BENCHMARK(BM_ProcessStartJoin)->UseRealTime();

// ---- from the child's exit to the parent's return from its wait ----

void BM_RawWakeupWaitpid(benchmark::State& state) {
  for (auto _ : state) {
    const pid_t pid = ::fork();
    if (pid == 0) exit_now_noting_time();
    reap(pid);
    state.SetIterationTime(monotonic_now() - *shared_clock());
  }
}
BENCHMARK(BM_RawWakeupWaitpid)->UseManualTime();

void BM_ProcessWakeupJoin(benchmark::State& state) {
  for (auto _ : state) {
    Process p([] { exit_now_noting_time(); });
    p.start();
    p.join();
    state.SetIterationTime(monotonic_now() - *shared_clock());
  }
}
BENCHMARK(BM_ProcessWakeupJoin)->UseManualTime();

// ---- join(0.05) on a child that outlives it: the time past 0.05 s ----

void BM_ProcessJoinTimeoutOvershoot(benchmark::State& state) {
  for (auto _ : state) {
    Gate gate;
    Process p([&] { gate.wait(); });
    p.start();
    const double start = monotonic_now();
    p.join(0.05);
    state.SetIterationTime(monotonic_now() - start - 0.05);
    gate.open(1);
    p.join();
  }
}
BENCHMARK(BM_ProcessJoinTimeoutOvershoot)->UseManualTime()->Iterations(40);

// ---- is_alive() of a running child vs the waitpid(WNOHANG) it needs ----

void BM_RawWaitpidNohang(benchmark::State& state) {
  Gate gate;
  const pid_t pid = ::fork();
  if (pid == 0) {
    gate.wait();
    ::_exit(0);
  }
  for (auto _ : state) {
    int status;
    benchmark::DoNotOptimize(::waitpid(pid, &status, WNOHANG));
  }
  gate.open(1);
  reap(pid);
}
BENCHMARK(BM_RawWaitpidNohang);

void BM_ProcessIsAlive(benchmark::State& state) {
  Gate gate;
  Process p([&] { gate.wait(); });
  p.start();
  for (auto _ : state) benchmark::DoNotOptimize(p.is_alive());
  gate.open(1);
  p.join();
}
BENCHMARK(BM_ProcessIsAlive);

// ---- N live children: start them all, release them, join them all ----
// The time per child is what ratios.py compares across N.

void BM_ProcessStartJoinAll(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    Gate gate;
    std::vector<std::unique_ptr<Process>> children;
    children.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      children.push_back(std::make_unique<Process>([&] { gate.wait(); }));
      children.back()->start();
    }
    gate.open(n);
    for (auto& p : children) p->join();
  }
  state.counters["per_child_us"] = benchmark::Counter(
      static_cast<double>(n) * 1e-6,
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ProcessStartJoinAll)->Arg(10)->Arg(100)->Arg(1000)->UseRealTime();

// ---- active_children() while 1000 children live ----

void BM_ProcessActiveChildren1000(benchmark::State& state) {
  constexpr std::size_t kLive = 1000;
  Gate gate;
  std::vector<std::unique_ptr<Process>> children;
  for (std::size_t i = 0; i < kLive; ++i) {
    children.push_back(std::make_unique<Process>([&] { gate.wait(); }));
    children.back()->start();
  }
  for (auto _ : state) benchmark::DoNotOptimize(pyproc::active_children());
  gate.open(kLive);
  for (auto& p : children) p->join();
}
BENCHMARK(BM_ProcessActiveChildren1000)->UseRealTime();

// ---- start + join from a parent with 1 GiB resident ----

class Ballast {
 public:
  static constexpr std::size_t kSize = std::size_t{1} << 30;
  Ballast()
      : data_(static_cast<char*>(
            ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))) {
    if (data_ == MAP_FAILED) throw std::runtime_error("mmap");
    std::memset(data_, 1, kSize);  // resident, in the default page size
  }
  ~Ballast() { ::munmap(data_, kSize); }
  Ballast(const Ballast&) = delete;
  Ballast& operator=(const Ballast&) = delete;

 private:
  char* data_;
};

void BM_RawForkExitWaitpid1GiB(benchmark::State& state) {
  const Ballast ballast;
  for (auto _ : state) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    reap(pid);
  }
}
BENCHMARK(BM_RawForkExitWaitpid1GiB)->UseRealTime()->Iterations(30);

void BM_ProcessStartJoin1GiB(benchmark::State& state) {
  const Ballast ballast;
  for (auto _ : state) {
    Process p([] {});
    p.start();
    p.join();
  }
}
BENCHMARK(BM_ProcessStartJoin1GiB)->UseRealTime()->Iterations(30);

// ---- 10,000 start/join/close cycles leave no fd and no memory behind ----

// Open fds, less the one the directory iterator holds.
long open_fds() {
  const std::filesystem::directory_iterator fds("/proc/self/fd");
  return std::distance(begin(fds), end(fds)) - 1;
}

long resident_kib() {
  long pages = 0;
  long resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    (void)std::fclose(f);
  }
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

void BM_ProcessCycles10000(benchmark::State& state) {
  // PYPROC_BENCH_CYCLES overrides the count (ratios.py --quick).
  const char* override_count = std::getenv("PYPROC_BENCH_CYCLES");
  const int kCycles = override_count != nullptr ? std::atoi(override_count) : 10000;
  for (auto _ : state) {
    // Warm up first, so that one-time allocations are not counted.
    Process warm([] {});
    warm.start();
    warm.join();
    warm.close();
    const long fds_before = open_fds();
    const long rss_before = resident_kib();
    for (int i = 0; i < kCycles; ++i) {
      Process p([] {});
      p.start();
      p.join();
      p.close();
    }
    state.counters["fds_delta"] = static_cast<double>(open_fds() - fds_before);
    state.counters["rss_delta_kib"] = static_cast<double>(resident_kib() - rss_before);
    state.counters["children_left"] = pyproc::active_children().size();
  }
}
BENCHMARK(BM_ProcessCycles10000)->UseRealTime()->Iterations(1)->Repetitions(1);

}  // namespace

BENCHMARK_MAIN();
