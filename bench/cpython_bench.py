#!/usr/bin/env python3
"""CPython's side of bench/process_bench.cpp: the same shapes with
multiprocessing (fork start method) and the raw os calls, timed with
time.perf_counter(). Prints one JSON object: shape name -> median seconds per
operation over the repetitions (and a few counters), for bench/ratios.py.

Standard library only. Children that must stay alive block on a pipe and are
released by the parent, never by time.
"""
import argparse
import json
import mmap
import multiprocessing
import os
import statistics
import struct
import sys
import time

ctx = multiprocessing.get_context("fork")
clock = mmap.mmap(-1, 4096)  # MAP_SHARED | MAP_ANONYMOUS: the child's exit time


def noop():
    pass


def exit_now_noting_time():
    # As in process_bench.cpp: let the parent reach its wait, note the time, end.
    until = time.monotonic() + 200e-6
    while time.monotonic() < until:
        pass
    clock[0:8] = struct.pack("d", time.monotonic())
    os._exit(0)


def block_on(fd):
    os.read(fd, 1)


class Gate:
    def __init__(self):
        self.r, self.w = os.pipe()

    def open(self, n):
        os.write(self.w, b"g" * n)

    def close(self):
        os.close(self.r)
        os.close(self.w)


def repeat(reps, fn):
    """Median over `reps` runs of fn(), which returns seconds per operation."""
    return statistics.median(fn() for _ in range(reps))


def per_op(iterations, body):
    start = time.perf_counter()
    for _ in range(iterations):
        body()
    return (time.perf_counter() - start) / iterations


def raw_fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def start_join():
    p = ctx.Process(target=noop)
    p.start()
    p.join()


def wakeup_join():
    p = ctx.Process(target=exit_now_noting_time)
    p.start()
    p.join()
    return time.monotonic() - struct.unpack("d", clock[0:8])[0]


def join_overshoot():
    gate = Gate()
    p = ctx.Process(target=block_on, args=(gate.r,))
    p.start()
    start = time.monotonic()
    p.join(0.05)
    over = time.monotonic() - start - 0.05
    gate.open(1)
    p.join()
    gate.close()
    return over


def is_alive(iterations):
    gate = Gate()
    p = ctx.Process(target=block_on, args=(gate.r,))
    p.start()
    t = per_op(iterations, p.is_alive)
    gate.open(1)
    p.join()
    gate.close()
    return t


def waitpid_nohang(iterations):
    gate = Gate()
    pid = os.fork()
    if pid == 0:
        os.read(gate.r, 1)
        os._exit(0)
    t = per_op(iterations, lambda: os.waitpid(pid, os.WNOHANG))
    gate.open(1)
    os.waitpid(pid, 0)
    gate.close()
    return t


def start_join_all(n):
    """Seconds per child: start n children, release them, join them all."""
    gate = Gate()
    start = time.perf_counter()
    children = [ctx.Process(target=block_on, args=(gate.r,)) for _ in range(n)]
    for p in children:
        p.start()
    gate.open(n)
    for p in children:
        p.join()
    elapsed = time.perf_counter() - start
    gate.close()
    return elapsed / n


def active_children_1000(iterations):
    gate = Gate()
    children = [ctx.Process(target=block_on, args=(gate.r,)) for _ in range(1000)]
    for p in children:
        p.start()
    t = per_op(iterations, multiprocessing.active_children)
    gate.open(1000)
    for p in children:
        p.join()
    gate.close()
    return t


def open_fds():
    return len(os.listdir("/proc/self/fd")) - 1


def resident_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGESIZE") // 1024


def cycles(n):
    start_join()  # warm up
    fds, rss = open_fds(), resident_kib()
    for _ in range(n):
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        p.close()
    return {"fds_delta": open_fds() - fds, "rss_delta_kib": resident_kib() - rss,
            "children_left": len(multiprocessing.active_children())}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--cycles", type=int, default=10000)
    ap.add_argument("--max-children", type=int, default=1000)
    args = ap.parse_args()
    reps = args.repetitions
    out = {"python": sys.version.split()[0]}
    out["raw_fork_exit_waitpid"] = repeat(reps, lambda: per_op(50, raw_fork))
    out["start_join"] = repeat(reps, lambda: per_op(50, start_join))
    out["wakeup_join"] = repeat(reps, lambda: statistics.median(wakeup_join() for _ in range(20)))
    out["join_timeout_overshoot"] = repeat(reps, lambda: statistics.median(
        join_overshoot() for _ in range(8)))
    out["is_alive"] = repeat(reps, lambda: is_alive(20000))
    out["waitpid_nohang"] = repeat(reps, lambda: waitpid_nohang(20000))
    for n in (10, 100, 1000):
        if n <= args.max_children:
            out["start_join_all_per_child/%d" % n] = repeat(reps, lambda: start_join_all(n))
    if args.max_children >= 1000:
        out["active_children_1000"] = repeat(reps, lambda: active_children_1000(200))
    ballast = bytearray(b"\x01") * (1 << 30)  # 1 GiB, resident
    out["raw_fork_exit_waitpid_1gib"] = repeat(reps, lambda: per_op(10, raw_fork))
    out["start_join_1gib"] = repeat(reps, lambda: per_op(10, start_join))
    del ballast
    out["cycles"] = cycles(args.cycles)
    out["cycles"]["count"] = args.cycles
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
