// subprocess.run, check_output, getoutput and getstatusoutput: what is
// captured (None when not asked), text mode, input, check, CompletedProcess
// and its repr. Expected values are CPython 3.11's for the same calls.
#include <string>

#include "pyproc/subprocess.hpp"
#include "support/subprocess_test_support.hpp"

namespace pyproc {
namespace {

namespace sp = subprocess;
using testing::helper;
using testing::helper_str;
using testing::kHelper;
using testing::quoted_helper;
using testing::raised;
using testing::StdoutCapture;

class SubprocessRun : public testing::SubprocessTest {};

TEST_F(SubprocessRun, NothingIsCapturedUnlessAsked) {
  StdoutCapture capture;
  const sp::CompletedProcess r = sp::run(helper({"print", "x", "exit", "3"}));
  EXPECT_EQ(r.args, sp::Command(helper({"print", "x", "exit", "3"})));
  EXPECT_EQ(r.returncode, 3);
  EXPECT_EQ(r.stdout, std::nullopt);
  EXPECT_EQ(r.stderr, std::nullopt);
  EXPECT_EQ(capture.text(), "x\n");
  EXPECT_EQ(r.repr(),
            "CompletedProcess(args=" + helper_str({"print", "x", "exit", "3"}) + ", returncode=3)");
}

TEST_F(SubprocessRun, CaptureOutputTakesBothStreamsAsBytes) {
  const sp::CompletedProcess r =
      sp::run(helper({"print", "a\\r\\nb", "eprint", "e"}), {.capture_output = true});
  EXPECT_EQ(r.stdout, "a\r\nb\n");
  EXPECT_EQ(r.stderr, "e\n");
  EXPECT_EQ(r.repr(),
            "CompletedProcess(args=" + helper_str({"print", "a\\\\r\\\\nb", "eprint", "e"}) +
                ", returncode=0, stdout=b'a\\r\\nb\\n', stderr=b'e\\n')");
}

TEST_F(SubprocessRun, TextModeDecodesAndTranslatesNewlines) {
  const sp::CompletedProcess r =
      sp::run(helper({"write", "a\\r\\nb\\rc\\n\\xc3\\xa9", "ewrite", "x\\r"}),
              {.capture_output = true, .text = true});
  EXPECT_EQ(r.stdout, "a\nb\nc\n\xc3\xa9");
  EXPECT_EQ(r.stderr, "x\n");
  EXPECT_EQ(r.repr(),
            "CompletedProcess(args=" +
                helper_str({"write", "a\\\\r\\\\nb\\\\rc\\\\n\\\\xc3\\\\xa9", "ewrite", "x\\\\r"}) +
                ", returncode=0, stdout='a\\nb\\nc\\n\xc3\xa9', stderr='x\\n')");
}

TEST_F(SubprocessRun, StderrToStdoutLeavesStderrNone) {
  const sp::CompletedProcess r =
      sp::run(helper({"print", "a", "eprint", "b"}), {.stdout = sp::PIPE, .stderr = sp::STDOUT});
  EXPECT_EQ(r.stdout, "a\nb\n");
  EXPECT_EQ(r.stderr, std::nullopt);
}

TEST_F(SubprocessRun, InputIsTheChildsStdinThenEndOfFile) {
  EXPECT_EQ(sp::run(helper({"cat"}), {.input = "hello", .stdout = sp::PIPE}).stdout, "hello");
  EXPECT_EQ(sp::run(helper({"cat", "print", "eof"}), {.input = "", .stdout = sp::PIPE}).stdout,
            "eof\n");
  // Text mode passes input as it is (no newline translation on the way in).
  EXPECT_EQ(
      sp::run(helper({"cat"}), {.input = "a\r\n", .capture_output = true, .text = true}).stdout,
      "a\n");
  // stdin=PIPE without input: closed at once, as communicate() does.
  EXPECT_EQ(
      sp::run(helper({"cat", "print", "eof"}), {.stdin = sp::PIPE, .stdout = sp::PIPE}).stdout,
      "eof\n");
}

TEST_F(SubprocessRun, CheckRaisesCalledProcessErrorWithTheOutput) {
  try {
    sp::run(helper({"print", "o", "eprint", "e", "exit", "2"}),
            {.capture_output = true, .check = true});
    FAIL() << "no exception";
  } catch (const sp::CalledProcessError& e) {
    EXPECT_EQ(std::string(e.what()), "Command '" +
                                         helper_str({"print", "o", "eprint", "e", "exit", "2"}) +
                                         "' returned non-zero exit status 2.");
    EXPECT_EQ(e.returncode(), 2);
    EXPECT_EQ(e.output(), "o\n");
    EXPECT_EQ(e.stdout(), "o\n");
    EXPECT_EQ(e.stderr(), "e\n");
  }
  EXPECT_EQ(sp::run(helper({"exit", "2"}), {.check = false}).returncode, 2);
}

TEST_F(SubprocessRun, CheckReturncodeRaisesForNonZero) {
  const sp::CompletedProcess ok = sp::run(helper());
  ok.check_returncode();
  const sp::CompletedProcess bad =
      sp::run(helper({"print", "o", "exit", "2"}), {.capture_output = true, .text = true});
  try {
    bad.check_returncode();
    FAIL() << "no exception";
  } catch (const sp::CalledProcessError& e) {
    EXPECT_EQ(e.returncode(), 2);
    EXPECT_EQ(e.output(), "o\n");
    EXPECT_EQ(e.stderr(), "");
  }
}

TEST_F(SubprocessRun, ConflictingArgumentsAreValueErrors) {
  EXPECT_EQ(raised([] { sp::run(helper(), {.input = "x", .stdin = sp::DEVNULL}); }),
            "ValueError: stdin and input arguments may not both be used.");
  EXPECT_EQ(raised([] { sp::run(helper(), {.stdout = sp::PIPE, .capture_output = true}); }),
            "ValueError: stdout and stderr arguments may not be used with capture_output.");
  EXPECT_EQ(raised([] { sp::run(helper(), {.stderr = sp::PIPE, .capture_output = true}); }),
            "ValueError: stdout and stderr arguments may not be used with capture_output.");
}

// ---- check_output ----

TEST_F(SubprocessRun, CheckOutputReturnsStdout) {
  EXPECT_EQ(sp::check_output(helper({"print", "x"})), "x\n");
  EXPECT_EQ(sp::check_output(helper({"print", "x", "eprint", "y"}), {.stderr = sp::STDOUT}),
            "x\ny\n");
  EXPECT_EQ(sp::check_output(helper({"cat"}), {.input = "in"}), "in");
  EXPECT_EQ(sp::check_output(helper({"write", "a\\r\\n"}), {.text = true}), "a\n");
}

TEST_F(SubprocessRun, CheckOutputRaisesWithTheOutputSoFar) {
  try {
    sp::check_output(helper({"print", "x", "kill", "SIGTERM"}));
    FAIL() << "no exception";
  } catch (const sp::CalledProcessError& e) {
    EXPECT_EQ(std::string(e.what()), "Command '" + helper_str({"print", "x", "kill", "SIGTERM"}) +
                                         "' died with <Signals.SIGTERM: 15>.");
    EXPECT_EQ(e.returncode(), -15);
    EXPECT_EQ(e.output(), "x\n");
    EXPECT_EQ(e.stderr(), std::nullopt);
  }
}

TEST_F(SubprocessRun, CheckOutputRefusesStdoutAndCheck) {
  EXPECT_EQ(raised([] { sp::check_output(helper(), {.stdout = sp::PIPE}); }),
            "ValueError: stdout argument not allowed, it will be overridden.");
  EXPECT_EQ(raised([] { sp::check_output(helper(), {.check = true}); }),
            "ValueError: check argument not allowed, it will be overridden.");
  // CPython tests `'check' in kwargs`: a check given as False is refused too.
  EXPECT_EQ(raised([] { sp::check_output(helper(), {.check = false}); }),
            "ValueError: check argument not allowed, it will be overridden.");
}

// ---- getoutput and getstatusoutput ----

TEST_F(SubprocessRun, GetstatusoutputIsTheReturncodeAndTheMergedText) {
  using Result = std::pair<int, std::string>;
  const std::string h = quoted_helper();
  EXPECT_EQ(sp::getstatusoutput(h + " print out eprint err"), Result(0, "out\nerr"));
  EXPECT_EQ(sp::getstatusoutput(h + " print x exit 3"), Result(3, "x"));
  // 3.11 returns Popen.returncode, not a wait status: -15 for SIGTERM.
  EXPECT_EQ(sp::getstatusoutput("exec " + h + " kill SIGTERM"), Result(-15, ""));
  EXPECT_EQ(sp::getstatusoutput("exit 3"), Result(3, ""));
  // One trailing newline goes, no more; newlines are translated first.
  EXPECT_EQ(sp::getstatusoutput(h + " print a print '' print ''"), Result(0, "a\n\n"));
  EXPECT_EQ(sp::getstatusoutput(h + " write 'a\\r\\nb\\rc\\r'"), Result(0, "a\nb\nc"));
}

TEST_F(SubprocessRun, GetoutputIsTheTextAlone) {
  EXPECT_EQ(sp::getoutput(quoted_helper() + " print x exit 3"), "x");
  EXPECT_EQ(sp::getoutput(quoted_helper() + " exit 1"), "");
}

TEST_F(SubprocessRun, TextThatIsNotUtf8IsAUnicodeDecodeError) {
  EXPECT_EQ(raised([] { sp::getoutput(quoted_helper() + " write '\\xff'"); }),
            "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid "
            "start byte");
  EXPECT_EQ(raised([] {
              sp::check_output(helper({"write", "ab\\xf0\\x90"}), {.text = true});
            }),
            "UnicodeDecodeError: 'utf-8' codec can't decode bytes in position 2-3: unexpected "
            "end of data");
  // Decoded after the wait when two pipes are read: the child is reaped
  // either way (the fixture checks).
  EXPECT_EQ(raised([] {
              sp::run(helper({"ewrite", "\\xc3x"}), {.capture_output = true, .text = true});
            }),
            "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xc3 in position 0: invalid "
            "continuation byte");
  EXPECT_EQ(sp::check_output(helper({"write", "\\xff"})), "\xff");  // bytes mode keeps bytes
}

// SP-019: the list's first item is the command line, the others $0, $1...
TEST_F(SubprocessRun, GetstatusoutputOfAListGivesTheShellItsArguments) {
  using Result = std::pair<int, std::string>;
  EXPECT_EQ(sp::getstatusoutput({quoted_helper() + " print \"$0\" print \"$1\"", "zero", "one"}),
            Result(0, "zero\none"));
  EXPECT_EQ(sp::getoutput({quoted_helper() + " print \"$#\"", "zero", "one", "two"}), "2");
}

// SP-018: encoding and errors, and nothing else.
TEST_F(SubprocessRun, GetoutputTakesEncodingAndErrorsOnly) {
  const std::string cmd = quoted_helper() + " write '\\xe9t\\xe9'";
  EXPECT_EQ(sp::getoutput(cmd, {.encoding = "latin-1"}), "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(sp::getstatusoutput(cmd, {.encoding = "utf-8", .errors = "replace"}),
            std::make_pair(0, std::string("\xef\xbf\xbdt\xef\xbf\xbd")));
  EXPECT_EQ(raised([&] { sp::getoutput(cmd, {.encoding = "utf-8", .errors = "strict"}); }),
            "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe9 in position 0: invalid "
            "continuation byte");
  EXPECT_EQ(raised([&] { sp::getoutput(cmd, {.shell = true}); }),
            "TypeError: getoutput() got an unexpected keyword argument 'shell'");
  EXPECT_EQ(raised([&] { sp::getstatusoutput(cmd, {.timeout = 1}); }),
            "TypeError: getstatusoutput() got an unexpected keyword argument 'timeout'");
  // The encoding is looked up before anything runs.
  EXPECT_EQ(raised([&] { sp::getoutput(cmd, {.encoding = "no-such-codec"}); }),
            "LookupError: unknown encoding: no-such-codec");
}

// An encoding or errors alone is text mode, as in CPython; the input is
// encoded with it.
TEST_F(SubprocessRun, AnEncodingIsTextModeBothWays) {
  const sp::CompletedProcess r = sp::run(
      helper({"cat"}), {.input = "\xc3\xa9\r\n", .stdout = sp::PIPE, .encoding = "latin-1"});
  EXPECT_EQ(r.stdout, "\xc3\xa9\n");
  EXPECT_EQ(r.repr(), "CompletedProcess(args=" + helper_str({"cat"}) +
                          ", returncode=0, stdout='\xc3\xa9\\n')");
  EXPECT_EQ(sp::check_output(helper({"cat"}), {.input = "\xc3\xa9", .encoding = "latin-1"}),
            "\xc3\xa9");
  EXPECT_EQ(sp::check_output(helper({"write", "\\xff"}), {.errors = "replace"}), "\xef\xbf\xbd");
  EXPECT_EQ(raised([] {
              sp::check_output(helper({"cat"}), {.input = "\xe2\x82\xac", .encoding = "ascii"});
            }),
            "UnicodeEncodeError: 'ascii' codec can't encode character '\\u20ac' in position 0: "
            "ordinal not in range(128)");
  // Without a pipe nothing is decoded, and no codec is looked up.
  EXPECT_EQ(sp::run(helper({"exit", "4"}), {.encoding = "no-such-codec"}).returncode, 4);
}

}  // namespace
}  // namespace pyproc
