// pyproc::os::spawnv(P_WAIT, helper) against a raw posix_spawn + waitpid of the
// same program, from an idle parent and from one holding 1 GiB of touched
// memory; fork + execv + waitpid alongside, to show what a full fork costs
// there. Goal: pyproc within 5% of posix_spawn, and flat in the parent's RSS.
//
//   cmake --preset default -DPYPROC_BENCHMARKS=ON && cmake --build --preset default
//   build/default/bench/pyproc_os_spawn_bench --benchmark_repetitions=10
//       --benchmark_report_aggregates_only=true   (one command line)
#include <benchmark/benchmark.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "pyproc/os.hpp"

namespace {

const std::string kHelper = PYPROC_HELPER;

// 1 GiB, every page written, kept for the rest of the run once made (the
// benchmarks with memory run after those without).
void hold_touched_memory(bool wanted) {
  static std::unique_ptr<char[]> ballast;
  if (!wanted || ballast) return;
  constexpr std::size_t kSize = std::size_t{1} << 30;
  ballast.reset(new char[kSize]);
  std::memset(ballast.get(), 1, kSize);
  benchmark::DoNotOptimize(ballast.get());
}

void set_label(benchmark::State& state) {
  state.SetLabel(state.range(0) != 0 ? "parent holds 1 GiB" : "idle parent");
}

void BM_PyprocSpawnv(benchmark::State& state) {
  hold_touched_memory(state.range(0) != 0);
  const pyproc::os::Args args = {"pyproc-helper"};
  for (auto _ : state) {
    if (pyproc::os::spawnv(pyproc::os::p_wait, kHelper, args) != 0) state.SkipWithError("exit");
  }
  set_label(state);
}

void BM_PosixSpawn(benchmark::State& state) {
  hold_touched_memory(state.range(0) != 0);
  char name[] = "pyproc-helper";
  char* const argv[] = {name, nullptr};
  for (auto _ : state) {
    pid_t pid;
    if (::posix_spawn(&pid, kHelper.c_str(), nullptr, nullptr, argv, ::environ) != 0) {
      state.SkipWithError("posix_spawn");
      break;
    }
    int status;
    while (::waitpid(pid, &status, 0) < 0) {
    }
  }
  set_label(state);
}

void BM_ForkExec(benchmark::State& state) {
  hold_touched_memory(state.range(0) != 0);
  char name[] = "pyproc-helper";
  char* const argv[] = {name, nullptr};
  for (auto _ : state) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::execv(kHelper.c_str(), argv);
      ::_exit(127);
    }
    int status;
    while (::waitpid(pid, &status, 0) < 0) {
    }
  }
  set_label(state);
}

// Without memory first, then with it (hold_touched_memory keeps it).
BENCHMARK(BM_PyprocSpawnv)->Arg(0)->UseRealTime();
BENCHMARK(BM_PosixSpawn)->Arg(0)->UseRealTime();
BENCHMARK(BM_ForkExec)->Arg(0)->UseRealTime();
BENCHMARK(BM_PyprocSpawnv)->Arg(1)->UseRealTime();
BENCHMARK(BM_PosixSpawn)->Arg(1)->UseRealTime();
BENCHMARK(BM_ForkExec)->Arg(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
