#!/usr/bin/env python3
"""Relay variants side by side: the splice relay (the default) at several
pipe sizes, and the copying relay (RELAY_SPLICE=0) at several buffer
sizes: input for the splice, pipe and buffer size decisions. As root:

    python3 tests/bench/relay.py [REPS] [VARIANTS]

REPS defaults to 3; VARIANTS is a comma list of names from VARIANTS below
(default: DEFAULT). Each variant is the default build of this tree's Makefile
and src/, copied to build/bench/relay/NAME (src/ is never touched) and
built with the variant's CPPFLAGS; build/bench/relay/loadgen is built
from tests/bench/loadgen.c as tests/bench/run builds it. Each connectd runs
under systemd-socket-activate as nobody with the shipped config plus one
allow rule, as tests/bench/run runs it. Every rep moves 1 GiB up and 1
GiB down through each variant and once directly (no proxy: the ratio's
denominator); the variants' order rotates from rep to rep, so that a
change in the machine's load hits them alike. Reported: throughput (best
rep, and the range), connectd's CPU per GiB, user+sys (the least
disturbed rep, the median and the range; from the supervisor's
cutime/cstime after connectd exited) and, from one 64 MiB transfer each
way under `strace -c -f`, the system calls per MiB.
"""
import os
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(TOP, "build", "bench", "relay")
GIB = 1 << 30
STRACE_BYTES = 64 << 20
CALLS = ("read", "write", "splice", "select", "pselect6")

# name -> (CPPFLAGS, description)
VARIANTS = {
    "copy": ("-DRELAY_SPLICE=0", "read/write, 128 KiB buffers"),
    # The copy path's buffer size (what it is when splice cannot serve).
    "copy-16k": ("-DRELAY_SPLICE=0 -DRELAY_BUFFER_SIZE=16384", "read/write, 16 KiB buffers"),
    "copy-32k": ("-DRELAY_SPLICE=0 -DRELAY_BUFFER_SIZE=32768", "read/write, 32 KiB buffers"),
    "copy-64k": ("-DRELAY_SPLICE=0 -DRELAY_BUFFER_SIZE=65536", "read/write, 64 KiB buffers"),
    "copy-256k": ("-DRELAY_SPLICE=0 -DRELAY_BUFFER_SIZE=262144", "read/write, 256 KiB buffers"),
    "splice-64k": ("-DRELAY_SPLICE=1", "splice, default pipe (64 KiB)"),
    "splice-256k": ("-DRELAY_SPLICE=1 -DRELAY_PIPE_SIZE=262144", "splice, F_SETPIPE_SZ 256 KiB"),
    "splice-1m": ("-DRELAY_SPLICE=1 -DRELAY_PIPE_SIZE=1048576", "splice, F_SETPIPE_SZ 1 MiB"),
    # What every pipe of the user gets past fs.pipe-user-pages-soft; not
    # in the default list: RELAY_PIPE_MIN keeps such a pipe out of use.
    "splice-8k": ("-DRELAY_SPLICE=1 -DRELAY_PIPE_SIZE=8192 -DRELAY_PIPE_MIN=0",
                  "splice, 8 KiB pipe (past the user's pipe allowance)"),
    # The same pipe with the RELAY_PIPE_MIN guard: must copy.
    "guard-8k": ("-DRELAY_SPLICE=1 -DRELAY_PIPE_SIZE=8192", "splice build, 8 KiB pipe refused: copies"),
}
DEFAULT = ["copy", "splice-64k", "splice-256k", "splice-1m"]


def run_or_die(argv, what):
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit("%s failed:\n%s" % (what, r.stdout[-2000:] + r.stderr[-2000:]))


def build(name):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "packaging"))
    shutil.copy(os.path.join(TOP, "Makefile"), d)
    shutil.copy(os.path.join(TOP, "packaging", "connectd.conf"), os.path.join(d, "packaging"))
    shutil.copytree(os.path.join(TOP, "src"), os.path.join(d, "src"),
                    ignore=shutil.ignore_patterns("*.o"))
    run_or_die(["make", "-C", d, "connectd", "CPPFLAGS=" + VARIANTS[name][0]], "build " + name)
    return os.path.join(d, "connectd")


def build_loadgen():
    lg = os.path.join(OUT, "loadgen")
    run_or_die(["gcc", "-O2", "-Wall", "-Wextra", "-static", "-pthread", "-o", lg,
                os.path.join(TOP, "tests", "bench", "loadgen.c")], "loadgen build")
    return lg


class Runner:
    def __init__(self, lg, work, sport):
        self.lg, self.work, self.sport = lg, work, sport

    def supervise(self, argv_tail):
        port = bench.free_port()
        p = bench.start(bench.NOBODY + ["systemd-socket-activate", "-l", "127.0.0.1:%d" % port,
                                        "-a", "--inetd"] + argv_tail,
                        os.path.join(self.work, "supervisor.log"))
        bench.wait_port(port, p)
        return p, port

    def done(self, p):
        bench.stop(p)
        bench.STARTED.remove(p)

    def bulk(self, port, d, nbytes):
        r = subprocess.run([self.lg, "bulk", d, "127.0.0.1", str(port), "127.0.0.1",
                            str(self.sport), str(nbytes)], capture_output=True, text=True, timeout=300)
        kv = bench.kv(r.stdout.strip().splitlines()[-1])
        return kv if kv["ok"] == "1" else None

    def direct(self, res):
        for d in ("up", "down"):
            kv = self.bulk(0, d, GIB)
            if kv:
                res[d].append({"mbps": GIB / float(kv["secs"]) / 1e6})

    def relayed(self, binary, conf, res, name):
        p, port = self.supervise([binary, "-c", conf])
        try:
            for d in ("up", "down"):
                bench.wait_idle(p.pid)
                u0, s0 = bench.cpu_split(bench.tree(p.pid))
                kv = self.bulk(port, d, GIB)
                bench.wait_idle(p.pid)
                u1, s1 = bench.cpu_split(bench.tree(p.pid))
                if not kv:
                    print("# %s %s: failed" % (name, d), flush=True)
                    continue
                res[d].append({"mbps": GIB / float(kv["secs"]) / 1e6,
                               "user": (u1 - u0) / TCK, "sys": (s1 - s0) / TCK})
        finally:
            self.done(p)

    def strace(self, binary, conf, name):
        calls = {}
        for d in ("up", "down"):
            out = os.path.join(self.work, "strace.%s.%s" % (name, d))
            p, port = self.supervise(["strace", "-c", "-f", "-o", out, binary, "-c", conf])
            try:
                self.bulk(port, d, STRACE_BYTES)
                bench.wait_idle(p.pid)
            finally:
                self.done(p)
            c = {}
            with open(out) as f:
                for line in f:
                    x = line.split()
                    if len(x) >= 5 and x[-1] in CALLS and x[3].isdigit():
                        c[x[-1]] = int(x[3]) / (STRACE_BYTES / float(1 << 20))
            calls[d] = c
        return calls


TCK = os.sysconf("SC_CLK_TCK")


def cpu_cell(xs):
    if not xs:
        return "-"
    tot = sorted(x["user"] + x["sys"] for x in xs)
    best = min(xs, key=lambda x: x["user"] + x["sys"])
    return "%.2f (%.2f+%.2f); med %.2f; %.2f-%.2f" % (
        tot[0], best["user"], best["sys"], statistics.median(tot), tot[0], tot[-1])


def mbps_cell(xs, direct):
    if not xs:
        return "-"
    m = sorted(x["mbps"] for x in xs)
    ratio = " (%.2fx direct)" % (m[-1] / direct) if direct else ""
    return "%.0f%s; %.0f-%.0f" % (m[-1], ratio, m[0], m[-1])


def calls_cell(c):
    if not c:
        return "-"
    return "%.0f / %.0f / %.0f / %.0f" % (c.get("read", 0), c.get("write", 0), c.get("splice", 0),
                                          c.get("select", 0) + c.get("pselect6", 0))


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    names = sys.argv[2].split(",") if len(sys.argv) > 2 else DEFAULT
    for n in names:
        if n not in VARIANTS:
            raise SystemExit("unknown variant %s (know %s)" % (n, ", ".join(VARIANTS)))
    work = os.path.join(OUT, "run")
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o1777)
    bins = {n: build(n) for n in names}
    lg = build_loadgen()
    res = {n: {"up": [], "down": []} for n in names + ["direct"]}
    calls = {}
    loads = []
    try:
        sport = bench.free_port()
        srv = bench.start([lg, "server", "127.0.0.1", str(sport)], os.path.join(work, "server.log"))
        bench.wait_port(sport, srv)
        conf = bench.write_bench_conf(os.path.join(TOP, "packaging", "connectd.conf"),
                                      os.path.join(work, "bench.conf"), sport)
        r = Runner(lg, work, sport)
        order = ["direct"] + names
        for rep in range(reps):
            k = rep % len(order)
            for n in order[k:] + order[:k]:
                if n == "direct":
                    r.direct(res[n])
                else:
                    r.relayed(bins[n], conf, res[n], n)
            loads.append(open("/proc/loadavg").read().split()[0])
            print("# rep %d of %d done, load %s" % (rep + 1, reps, loads[-1]), flush=True)
        for n in names:
            calls[n] = r.strace(bins[n], conf, n)
    finally:
        bench.stop_all()

    direct = {d: max((x["mbps"] for x in res["direct"][d]), default=0) for d in ("up", "down")}
    print("| relay | up MB/s | down MB/s | CPU s/GiB up: best (user+sys); median; range "
          "| CPU s/GiB down | syscalls per MiB up (read/write/splice/select) | per MiB down |")
    print("|---|---|---|---|---|---|---|")
    print("| direct (no proxy) | %s | %s | - | - | - | - |" % (
        mbps_cell(res["direct"]["up"], 0), mbps_cell(res["direct"]["down"], 0)))
    for n in names:
        row = ["%s: %s" % (n, VARIANTS[n][1])]
        row += [mbps_cell(res[n][d], direct[d]) for d in ("up", "down")]
        row += [cpu_cell(res[n][d]) for d in ("up", "down")]
        row += [calls_cell(calls.get(n, {}).get(d)) for d in ("up", "down")]
        print("| " + " | ".join(row) + " |")
    print("\n%d reps, 1 GiB each way per rep and variant, order rotated each rep; throughput: "
          "the best rep, then the range; CPU: the rep with the least, the median and the range, "
          "from the supervisor's cutime/cstime after connectd exited (1 tick = %.3f s). "
          "Load average after each rep: %s." % (reps, 1.0 / TCK, ", ".join(loads)))


if __name__ == "__main__":
    main()
