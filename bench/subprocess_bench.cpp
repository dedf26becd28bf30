// pyproc::subprocess::call([helper]) against a raw posix_spawn + waitpid of
// the same program (goal: within 5%), and check_output of a large output
// through the pipe (the helper's `fill N`): its time, and the process's peak
// RSS (getrusage ru_maxrss) afterwards, which says how many copies of the
// output were resident at once. bench/subprocess_ratios.py runs this and
// CPython's subprocess on the same helper and prints the ratios.
//
//   build/default/bench/subprocess_bench --benchmark_filter=Call
//   build/default/bench/subprocess_bench --benchmark_filter=CheckOutput/104857600
//       (alone in its process, so that ru_maxrss is its own)
#include <benchmark/benchmark.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "pyproc/subprocess.hpp"

namespace {

namespace sp = pyproc::subprocess;

const std::string kHelper = PYPROC_HELPER;

void BM_SubprocessCall(benchmark::State& state) {
  const sp::Command args{kHelper};
  for (auto _ : state) {
    if (sp::call(args) != 0) state.SkipWithError("exit status");
  }
}

// What call() does at its least: the same argv, the same environment.
void BM_PosixSpawnWaitpid(benchmark::State& state) {
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

// check_output([helper, "fill", N]): N bytes through one pipe. peak_rss_mib
// is the process's high-water mark so far; run the benchmark alone (a
// filter) for it to be this size's.
void BM_SubprocessCheckOutput(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const sp::Command args{kHelper, "fill", std::to_string(size)};
  for (auto _ : state) {
    const std::string out = sp::check_output(args);
    if (out.size() != size) state.SkipWithError("short output");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_mib"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
  state.counters["output_mib"] = static_cast<double>(size) / (1 << 20);
}

BENCHMARK(BM_SubprocessCall)->UseRealTime();
BENCHMARK(BM_PosixSpawnWaitpid)->UseRealTime();
BENCHMARK(BM_SubprocessCheckOutput)->Arg(1 << 20)->Arg(100 << 20)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
