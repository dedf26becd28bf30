// pyproc::subprocess::Popen on the suite's helper program, each against the
// least the same work can cost (issue 16's goals):
//
//   BM_PopenWait             Popen([helper]).wait()  vs  BM_RawSpawnWait,
//                            posix_spawn + waitpid of the same argv (<= 1.05x)
//   BM_PopenCommunicate/N    Popen([helper, "fill", N], stdout=PIPE)
//                            .communicate(): MiB/s (bench/popen_ratios.py sets
//                            it against CPython's, >= 1.5x) and peak RSS
//                            (<= 1.1x the output)
//   BM_RunInput/N            run([helper, "cat"], input=N bytes,
//                            stdout=DEVNULL): peak RSS (<= 1.1x the input)
//   BM_PopenRoundTrip        one line written to Popen([helper, "cat"])'s
//                            stdin and read back from its stdout  vs
//   BM_RawPipeRoundTrip      the same through raw pipes, write(2) + read(2)
//                            (<= 1.2x)
//
// Peak RSS is measured in a child forked for it (one run of the operation,
// then _exit): wait4()'s rusage gives that child's ru_maxrss alone, whatever
// the benchmark process held before. `baseline_rss_mib` is the same for a
// child that does nothing: what the fork itself brings.
//
//   build/default/bench/popen_bench --benchmark_filter=RoundTrip
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "pyproc/subprocess.hpp"

namespace {

namespace sp = pyproc::subprocess;

const std::string kHelper = PYPROC_HELPER;
constexpr double kMiB = 1 << 20;

// The peak RSS (MiB) of a child forked to run `body` once.
double peak_rss_mib_of(const std::function<bool()>& body) {
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) ::_exit(body() ? 0 : 1);
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void BM_PopenWait(benchmark::State& state) {
  const sp::Command args{kHelper};
  for (auto _ : state) {
    sp::Popen p(args);
    if (p.wait() != 0) state.SkipWithError("exit status");
  }
}

// What Popen + wait does at its least: the same argv, the same environment.
void BM_RawSpawnWait(benchmark::State& state) {
  std::string program = kHelper;
  char* const argv[] = {program.data(), nullptr};
  for (auto _ : state) {
    pid_t pid;
    if (::posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv, ::environ) != 0) {
      state.SkipWithError("posix_spawn");
      break;
    }
    int status;
    while (::waitpid(pid, &status, 0) < 0) {
    }
  }
}

bool communicate_fill(std::size_t size) {
  sp::Popen p({kHelper, "fill", std::to_string(size)}, {.stdout = sp::PIPE});
  const sp::Communicated out = p.communicate();
  return p.returncode() == 0 && out.stdout && out.stdout->size() == size;
}

void BM_PopenCommunicate(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    if (!communicate_fill(size)) state.SkipWithError("short output");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
  state.counters["output_mib"] = static_cast<double>(size) / kMiB;
  // This process holds no output now (each was freed in its iteration).
  state.counters["peak_rss_mib"] = peak_rss_mib_of([size] { return communicate_fill(size); });
  state.counters["baseline_rss_mib"] = peak_rss_mib_of([] { return true; });
}

bool run_input(std::size_t size) {
  // The input is built in place in the options (moved, never copied): what
  // a caller holds at least.
  sp::Options options{.input = std::string(size, 'x'), .stdout = sp::DEVNULL};
  return sp::run({kHelper, "cat"}, options).returncode == 0;
}

void BM_RunInput(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  // Measured first: a child forked while this process holds the input
  // would count its pages too.
  state.counters["peak_rss_mib"] = peak_rss_mib_of([size] { return run_input(size); });
  state.counters["baseline_rss_mib"] = peak_rss_mib_of([] { return true; });
  state.counters["input_mib"] = static_cast<double>(size) / kMiB;
  const sp::Options options{.input = std::string(size, 'x'), .stdout = sp::DEVNULL};
  const sp::Command args{kHelper, "cat"};
  for (auto _ : state) {
    if (sp::run(args, options).returncode != 0) {
      state.SkipWithError("exit status");
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

const std::string kLine = "a line of some 40 bytes, and its end\n";

void BM_PopenRoundTrip(benchmark::State& state) {
  sp::Popen p({kHelper, "cat"}, {.stdin = sp::PIPE, .stdout = sp::PIPE});
  for (auto _ : state) {
    p.stdin()->write(kLine);
    p.stdin()->flush();
    if (p.stdout()->readline() != kLine) state.SkipWithError("not echoed");
  }
  p.stdin()->close();
  p.wait();
}

// The same exchange with raw pipes and system calls: one write(2), reads
// until the line is back.
void BM_RawPipeRoundTrip(benchmark::State& state) {
  int to_child[2];
  int from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) {
    state.SkipWithError("pipe2");
    return;
  }
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  ::posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  std::string program = kHelper;
  std::string cat = "cat";
  char* const argv[] = {program.data(), cat.data(), nullptr};
  pid_t pid;
  if (::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, ::environ) != 0) {
    state.SkipWithError("posix_spawn");
    return;
  }
  ::posix_spawn_file_actions_destroy(&actions);
  ::close(to_child[0]);
  ::close(from_child[1]);
  char buf[256];
  for (auto _ : state) {
    if (::write(to_child[1], kLine.data(), kLine.size()) != static_cast<ssize_t>(kLine.size())) {
      state.SkipWithError("write");
      break;
    }
    std::size_t got = 0;
    while (got < kLine.size()) {
      const ssize_t n = ::read(from_child[0], buf + got, sizeof buf - got);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (got != kLine.size()) state.SkipWithError("not echoed");
  }
  ::close(to_child[1]);
  ::close(from_child[0]);
  int status;
  while (::waitpid(pid, &status, 0) < 0) {
  }
}

BENCHMARK(BM_PopenWait)->UseRealTime();
BENCHMARK(BM_RawSpawnWait)->UseRealTime();
BENCHMARK(BM_PopenCommunicate)
    ->Arg(100 << 20)
    ->Arg(std::int64_t{1} << 30)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_RunInput)->Arg(200 << 20)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_PopenRoundTrip)->UseRealTime();
BENCHMARK(BM_RawPipeRoundTrip)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
