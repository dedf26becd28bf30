// connection::wait(): readiness, timeouts, and CPython's argument errors.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "pyproc/exceptions.hpp"
#include "pyproc/multiprocessing/connection.hpp"
#include "support/raised.hpp"
#include "support/test_support.hpp"

namespace pyproc {
namespace {

using testing::Pipe;
using testing::raised;

TEST(ConnectionWait, ReturnsTheReadyFdsInOrder) {
  Pipe a, b, c;
  EXPECT_EQ(connection::wait({a.read_fd(), b.read_fd()}, 0.0), std::vector<int>{});
  c.write("x");
  a.close_write();  // end of file counts as ready, as POLLHUP does for CPython
  EXPECT_EQ(connection::wait({a.read_fd(), b.read_fd(), c.read_fd()}, 0.0),
            (std::vector<int>{a.read_fd(), c.read_fd()}));
  EXPECT_EQ(connection::wait({c.read_fd()}), std::vector<int>{c.read_fd()});
}

TEST(ConnectionWait, TimesOutOnTheMonotonicClock) {
  Pipe a;
  EXPECT_EQ(connection::wait({a.read_fd()}, 0.02), std::vector<int>{});
  EXPECT_EQ(connection::wait({a.read_fd()}, -5.0), std::vector<int>{});
  EXPECT_EQ(connection::wait({}, 0.0), std::vector<int>{});
}

TEST(ConnectionWait, ArgumentErrorsAreCPythons) {
  Pipe a;
  EXPECT_EQ(raised([] { connection::wait({-1}, 0.0); }), "ValueError: Invalid file descriptor: -1");
  const std::string fd = std::to_string(a.read_fd());
  EXPECT_EQ(raised([&] {
              connection::wait({a.read_fd(), a.read_fd()}, 0.0);
            }),
            "KeyError: '" + fd + " (FD " + fd + ") is already registered'");
  EXPECT_EQ(
      raised([&] { connection::wait({a.read_fd()}, std::numeric_limits<double>::quiet_NaN()); }),
      "ValueError: cannot convert float NaN to integer");
  EXPECT_EQ(
      raised([&] { connection::wait({a.read_fd()}, std::numeric_limits<double>::infinity()); }),
      "OverflowError: cannot convert float infinity to integer");
  EXPECT_EQ(raised([&] { connection::wait({a.read_fd()}, 1e308); }),
            "OverflowError: cannot convert float infinity to integer");  // * 1000 overflows
  EXPECT_EQ(raised([&] { connection::wait({a.read_fd()}, 1e10); }),
            "OverflowError: timestamp too large to convert to C _PyTime_t");
  EXPECT_EQ(raised([&] { connection::wait({a.read_fd()}, 2147483.648); }),
            "OverflowError: timeout is too large");
  // The largest timeout poll() takes is INT_MAX ms; -inf is just "poll".
  a.write("x");
  EXPECT_EQ(connection::wait({a.read_fd()}, 2147483.647), std::vector<int>{a.read_fd()});
  EXPECT_EQ(connection::wait({a.read_fd()}, -std::numeric_limits<double>::infinity()),
            std::vector<int>{a.read_fd()});
}

TEST(ConnectionWait, ClosedFdIsReportedReady) {
  Pipe a;
  const int fd = a.read_fd();
  a.close_read();  // POLLNVAL: CPython's selector reports it as readable
  EXPECT_EQ(connection::wait({fd}, 0.0), std::vector<int>{fd});
}

}  // namespace
}  // namespace pyproc
