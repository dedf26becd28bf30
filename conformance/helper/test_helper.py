"""Tests of pyproc-helper against spec/helper-program.md (standard library only).

Usage: python3 test_helper.py PATH_TO_PYPROC_HELPER
"""
import os
import signal
import subprocess
import sys
import unittest

HELPER = None


def run(*actions, **kwargs):
    """Runs the helper with `actions`; returns the CompletedProcess (bytes)."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([HELPER, *actions], timeout=60, **kwargs)


def lines(*actions, **kwargs):
    result = run(*actions, **kwargs)
    assert result.returncode == 0, result
    return result.stdout.decode().splitlines()


class Identity(unittest.TestCase):
    def test_version(self):
        self.assertEqual(lines("version"), ["pyproc-helper 1"])

    def test_no_action_exits_0_silently(self):
        result = run()
        self.assertEqual((result.returncode, result.stdout, result.stderr), (0, b"", b""))

    def test_argv0_is_what_the_program_was_given_as_its_name(self):
        result = subprocess.run(["my name", "argv0"], executable=HELPER, stdout=subprocess.PIPE)
        self.assertEqual(result.stdout, b"argv0 my name\n")

    def test_args_lists_every_argument_quoted_data_after_the_separator_included(self):
        self.assertEqual(
            lines("args", "--", "a b", "back\\slash", "tab\tnl\n", "\u00e9"),
            ["args 6", "arg args", "arg --", "arg a b", "arg back\\\\slash",
             "arg tab\\tnl\\n", "arg \\xc3\\xa9"])

    def test_pid_ppid_pgid(self):
        proc = subprocess.Popen([HELPER, "pid", "ppid", "pgid"], stdout=subprocess.PIPE)
        out = proc.communicate()[0].decode().splitlines()
        self.assertEqual(out, [f"pid {proc.pid}", f"ppid {os.getpid()}", f"pgid {os.getpgrp()}"])

    def test_sid(self):
        proc = subprocess.Popen([HELPER, "sid", "pid"], stdout=subprocess.PIPE)
        out = proc.communicate()[0].decode().splitlines()
        self.assertEqual(out, [f"sid {os.getsid(0)}", f"pid {proc.pid}"])
        proc = subprocess.Popen([HELPER, "sid", "pid"], stdout=subprocess.PIPE,
                                start_new_session=True)
        out = proc.communicate()[0].decode().splitlines()
        self.assertEqual(out, [f"sid {proc.pid}", f"pid {proc.pid}"])

    def test_ids(self):
        groups = " ".join(str(g) for g in sorted(set(os.getgroups())))
        self.assertEqual(lines("ids"),
                         [f"uid {os.getuid()} gid {os.getgid()} groups {groups}".rstrip()])

    @unittest.skipUnless(os.geteuid() == 0, "needs root to change ids")
    def test_ids_of_another_user(self):
        out = lines("ids", user=3000000001, group=3000000002,
                    extra_groups=[3000000004, 3000000003])
        self.assertEqual(out, ["uid 3000000001 gid 3000000002 groups 3000000003 3000000004"])
        self.assertEqual(lines("ids", user=3000000001, group=3000000002, extra_groups=[]),
                         ["uid 3000000001 gid 3000000002 groups"])

    def test_umask(self):
        self.assertEqual(lines("umask", umask=0o053), ["umask 0053"])
        self.assertEqual(lines("umask", umask=0o7777), ["umask 0777"])
        self.assertEqual(lines("umask", umask=0), ["umask 0000"])

    def test_new_pgrp(self):
        proc = subprocess.Popen([HELPER, "new-pgrp", "pid", "pgid"], stdout=subprocess.PIPE)
        out = proc.communicate()[0].decode().splitlines()
        self.assertEqual(out, [f"pid {proc.pid}", f"pgid {proc.pid}"])


class Environment(unittest.TestCase):
    def test_env_shows_values_and_missing_names(self):
        env = {"A": "1", "EMPTY": "", "ODD": "x\ty"}
        self.assertEqual(lines("env", "A", "env", "EMPTY", "env", "ODD", "env", "B", env=env),
                         ["env A=1", "env EMPTY=", "env ODD=x\\ty", "env B missing"])

    def test_cwd(self):
        self.assertEqual(lines("cwd", cwd="/"), ["cwd /"])

    def test_niceness(self):
        self.assertEqual(lines("niceness"), [f"niceness {os.getpriority(os.PRIO_PROCESS, 0)}"])


class Descriptors(unittest.TestCase):
    def test_fds_none_beyond_the_standard_three(self):
        self.assertEqual(lines("fds", close_fds=True), ["fds 0"])

    def test_fds_kinds(self):
        r, w = os.pipe()
        directory = os.open("/", os.O_RDONLY)
        regular = os.open(__file__, os.O_RDONLY)
        null = os.open("/dev/null", os.O_RDONLY)
        try:
            fds = sorted([r, w, directory, regular, null])
            out = lines("fds", pass_fds=fds)
        finally:
            for fd in (r, w, directory, regular, null):
                os.close(fd)
        kinds = {r: "pipe", w: "pipe", directory: "dir", regular: "file", null: "chr"}
        self.assertEqual(out, ["fds 5"] + [f"fd {fd} {kinds[fd]}" for fd in fds])

    def test_stdio_open_and_closed(self):
        result = run("stdio", stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.assertEqual(result.stdout.decode().splitlines(), ["fd0 open", "fd1 open", "fd2 open"])
        # fd 0 and 2 closed in the child: a shell closes them for the helper.
        result = subprocess.run(["/bin/sh", "-c", 'exec "$0" stdio <&- 2>&-', HELPER],
                                stdout=subprocess.PIPE)
        self.assertEqual(result.stdout.decode().splitlines(),
                         ["fd0 closed", "fd1 open", "fd2 closed"])

    def test_tty_without_a_terminal(self):
        out = lines("tty", stdin=subprocess.DEVNULL, start_new_session=True)
        self.assertEqual(out, ["stdin-tty no", "ctty no"])

    def test_tty_on_a_pseudo_terminal(self):
        import pty
        pid, master = pty.fork()
        if pid == 0:
            os.execv(HELPER, [HELPER, "tty"])
        data = b""
        while True:
            try:
                chunk = os.read(master, 1024)
            except OSError:  # EIO once the child has gone
                break
            if not chunk:
                break
            data += chunk
        os.close(master)
        os.waitpid(pid, 0)
        self.assertEqual(data.decode().splitlines(), ["stdin-tty yes", "ctty yes"])

    def test_fd_kind_or_closed(self):
        r, w = os.pipe()
        regular = os.open(__file__, os.O_RDONLY)
        os.dup2(regular, 40)
        os.close(regular)
        try:
            out = lines("fd", "0", "fd", str(r), "fd", "40", "fd", "41", "fd", "1000",
                        stdin=subprocess.DEVNULL, pass_fds=[r, 40])
        finally:
            for fd in (r, w, 40):
                os.close(fd)
        self.assertEqual(out, ["fd 0 chr", f"fd {r} pipe", "fd 40 file", "fd 41 closed",
                               "fd 1000 closed"])

    def test_pipe_size(self):
        out = subprocess.run([HELPER, "pipe-size", "0", "pipe-size", "1"], input=b"",
                             stdout=subprocess.PIPE, pipesize=16384).stdout
        self.assertEqual(out.decode().splitlines(), ["pipe-size 0 16384", "pipe-size 1 16384"])
        result = run("print", "x", "pipe-size", "0", stdin=subprocess.DEVNULL)
        self.assertEqual((result.returncode, result.stdout), (126, b"x\n"))
        self.assertEqual(result.stderr, b"pyproc-helper: pipe-size 0: Bad file descriptor\n")

    def test_close_closes(self):
        r, w = os.pipe()
        try:
            out = lines("close", str(w), "fds", pass_fds=[r, w])
        finally:
            os.close(r)
            os.close(w)
        self.assertEqual(out, ["fds 1", f"fd {r} pipe"])


class Signals(unittest.TestCase):
    def test_signals_lists_blocked_and_ignored(self):
        def child_setup():
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM})
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
        out = lines("signals", preexec_fn=child_setup, restore_signals=True)
        self.assertEqual(out, ["blocked SIGUSR1 SIGTERM", "ignored SIGHUP"])

    def test_kill_by_name_short_name_and_number(self):
        for spec in ("SIGTERM", "TERM", "15"):
            self.assertEqual(run("kill", spec).returncode, -signal.SIGTERM)
        self.assertEqual(run("print", "before", "kill", "USR1", "print", "after").stdout,
                         b"before\n")

    def test_stop_then_continue(self):
        proc = subprocess.Popen([HELPER, "print", "a", "stop", "print", "b"],
                                stdout=subprocess.PIPE)
        _, status = os.waitpid(proc.pid, os.WUNTRACED)
        self.assertTrue(os.WIFSTOPPED(status))
        self.assertEqual(os.WSTOPSIG(status), signal.SIGSTOP)
        os.kill(proc.pid, signal.SIGCONT)
        self.assertEqual(proc.communicate()[0], b"a\nb\n")
        self.assertEqual(proc.returncode, 0)

    def test_wait_signal_blocks_until_a_signal_kills_it(self):
        r, w = os.pipe()
        proc = subprocess.Popen([HELPER, "notify", str(w), "wait-signal"], pass_fds=[w])
        os.close(w)
        self.assertEqual(os.read(r, 1), b"n")  # it is running the wait now (or about to)
        os.close(r)
        self.assertIsNone(proc.poll())
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(), -signal.SIGTERM)


class Io(unittest.TestCase):
    def test_print_and_write_with_escapes(self):
        result = run("print", "a\\tb", "write", "no newline\\x21", "eprint", "to stderr",
                     "ewrite", "x\\r\\n")
        self.assertEqual(result.stdout, b"a\tb\nno newline!")
        self.assertEqual(result.stderr, b"to stderr\nx\r\n")

    def test_cat_echoes_stdin(self):
        data = bytes(range(256)) * 1000
        result = run("print", "start", "cat", "print", "end", input=data)
        self.assertEqual(result.stdout, b"start\n" + data + b"end\n")

    def test_fill_and_efill_repeat_the_line(self):
        line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_\n"
        self.assertEqual(len(line), 64)
        result = run("fill", "100", "efill", "200000", "fill", "0")
        self.assertEqual(result.stdout, line + line[:36])
        self.assertEqual(result.stderr, (line * 3200)[:200000])

    def test_notify_and_await(self):
        go_r, go_w = os.pipe()
        ready_r, ready_w = os.pipe()
        proc = subprocess.Popen([HELPER, "notify", str(ready_w), "await", str(go_r), "print",
                                 "went"], pass_fds=[go_r, ready_w], stdout=subprocess.PIPE)
        os.close(go_r)
        os.close(ready_w)
        self.assertEqual(os.read(ready_r, 1), b"n")
        os.write(go_w, b"g")
        self.assertEqual(proc.communicate()[0], b"went\n")
        os.close(go_w)
        os.close(ready_r)

    def test_await_returns_at_end_of_file(self):
        r, w = os.pipe()
        os.close(w)
        self.assertEqual(lines("await", str(r), "print", "done", pass_fds=[r]), ["done"])
        os.close(r)

    def test_burn_uses_cpu_time(self):
        pid = os.posix_spawn(HELPER, [HELPER, "burn", "200000000"], os.environ)
        _, status, usage = os.wait4(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        self.assertGreater(usage.ru_utime, 0)


class Exits(unittest.TestCase):
    def test_exit_codes(self):
        for code in (0, 3, 255):
            self.assertEqual(run("print", "x", "exit", str(code), "print", "y").returncode, code)
        self.assertEqual(run("exit", "7").stdout, b"")

    def test_usage_errors_run_nothing(self):
        for actions in (["print", "x", "bogus"], ["exit", "256"], ["exit"], ["kill", "NOPE"],
                        ["burn", "-1"], ["fill", "-1"], ["efill", "x"], ["notify", "x"], ["print", "x", "exit", "--"],
                        ["fd"], ["fd", "-1"], ["pipe-size", "x"]):
            result = run(*actions)
            self.assertEqual(result.returncode, 125, actions)
            self.assertEqual(result.stdout, b"", actions)
            self.assertTrue(result.stderr.startswith(b"pyproc-helper: "), actions)

    def test_failing_action_exits_126(self):
        result = run("print", "x", "notify", "99")
        self.assertEqual((result.returncode, result.stdout), (126, b"x\n"))
        self.assertIn(b"Bad file descriptor", result.stderr)


if __name__ == "__main__":
    HELPER = os.path.abspath(sys.argv.pop(1))
    unittest.main()
