// T3 of spec/cpp-thread-contract.md, for the tests with a pidfd
// (process_threads_test.cpp) and without (process_no_pidfd_test.cpp): one
// Process shared by three threads.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <optional>
#include <thread>

#include "multiprocessing/child_state.hpp"
#include "pyproc/multiprocessing/process.hpp"
#include "support/test_support.hpp"

namespace pyproc::testing {

// For `rounds` children: one thread joins without a timeout, one polls
// is_alive()/exitcode(), this one terminates it. Every reader agrees on
// -SIGTERM.
inline void join_poll_and_terminate_from_three_threads(int rounds) {
  for (int i = 0; i < rounds; ++i) {
    Pipe go;
    Process p([&] { await_token_or_end(go); });
    p.start();
    std::optional<int> seen_by_joiner;
    std::optional<int> seen_by_poller;
    std::thread joiner([&] {
      p.join();
      seen_by_joiner = p.exitcode();
    });
    std::thread poller([&] {
      while (p.is_alive()) {
      }
      seen_by_poller = p.exitcode();
    });
    p.terminate();
    joiner.join();
    poller.join();
    EXPECT_EQ(seen_by_joiner, -SIGTERM);
    EXPECT_EQ(seen_by_poller, -SIGTERM);
    EXPECT_EQ(p.exitcode(), -SIGTERM);
    p.close();
  }
}

}  // namespace pyproc::testing
