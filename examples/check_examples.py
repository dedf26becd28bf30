"""Runs one of the example programs and checks the shape of its output
(standard library only).

Usage: python3 check_examples.py NAME PROGRAM HELPER

Pids vary from run to run, so the check is of the shape: each line the
Python original prints, in order (the children of creation_multiprocessing
in any order), distinct pids where distinct processes speak, and the
terminated child's exit code.
"""
import re
import subprocess
import sys


def run(program, *args):
    result = subprocess.run([program, *args], capture_output=True, text=True, timeout=50)
    if result.returncode != 0 or result.stderr:
        sys.exit(f"{program} exited {result.returncode}, stderr: {result.stderr!r}")
    return result.stdout.splitlines()


def expect(condition, message, lines):
    if not condition:
        sys.exit(message + "\noutput:\n" + "\n".join(lines))


def check_creation(program, helper):
    lines = run(program, helper)
    patterns = [r"\[INFO\] ret: pid (\d+)", r"\[INFO\] ret: b'pid (\d+)\\n'",
                r"\[INFO\] ret: \(0, 'pid (\d+)'\)", r"pid (\d+)", r"\[INFO\] ret: 0"]
    expect(len(lines) == len(patterns), "expected 5 lines", lines)
    pids = []
    for line, pattern in zip(lines, patterns):
        match = re.fullmatch(pattern, line)
        expect(match, f"{line!r} does not match {pattern!r}", lines)
        pids += match.groups()
    expect(len(set(pids)) == 4, "each call must start a process of its own", lines)


def check_creation_multiprocessing(program, helper):
    lines = run(program)
    expect(len(lines) == 5, "expected 5 lines", lines)
    main = re.fullmatch(r"\[INFO\] Process (\d+) says: I'm the main program", lines[0])
    expect(main, "the main program speaks first", lines)
    children = [re.fullmatch(r"\[INFO\] Process (\d+) says: I'm function (\d)", line)
                for line in lines[1:]]
    expect(all(children), "four children speak", lines)
    expect(sorted(c.group(2) for c in children) == ["0", "1", "2", "3"],
           "functions 0 to 3, once each", lines)
    pids = {main.group(1)} | {c.group(1) for c in children}
    expect(len(pids) == 5, "five different pids", lines)


def check_terminate(program, helper):
    lines = run(program)
    expect(len(lines) == 8, "expected 8 lines", lines)
    main = re.fullmatch(r"\[INFO\] Process (\d+) says: main", lines[0])
    loopy = re.fullmatch(r"\[INFO\] Process (\d+) says: loopy", lines[1])
    expect(main and loopy and main.group(1) != loopy.group(1), "main, then loopy", lines)
    for number, line in enumerate(lines[2:7], start=1):
        expect(line == f"[INFO] Number {number} of 1000000. Honk!", f"honk {number}", lines)
    expect(lines[7] == "[INFO] loopy's exitcode: -15", "terminated by SIGTERM", lines)


def check_pipeline(program, helper):
    lines = run(program, helper)
    expected = ["100000 bytes through the pipeline; returncodes 0 0",
                "Command '['%s', 'wait-signal']' timed out after 0.2 seconds" % helper,
                "returncode -9"]
    expect(lines == expected, "expected %r" % expected, lines)


def check_workers(program, helper):
    lines = run(program)
    expected = ["worker 0: 5177125 (exitcode 0)", "worker 1: 36364625 (exitcode 0)",
                "worker 2: 98802125 (exitcode 0)", "worker 3: 192489625 (exitcode 0)",
                "total 332833500"]
    expect(lines == expected, "expected %r" % expected, lines)


def check_fork_wait(program, helper):
    lines = run(program)
    expected = ["execs: exit 3, exitcode 3", "exits: exit 70, exitcode 70",
                "killed: signal 15, exitcode -15",
                "ChildProcessError: [Errno 10] No child processes"]
    expect(lines == expected, "expected %r" % expected, lines)


if __name__ == "__main__":
    name, program, helper = sys.argv[1:4]
    globals()["check_" + name](program, helper)
    print(f"{name}: ok")
