#!/usr/bin/env python3
"""Relay cost per GiB against RELAY_BUFFER_SIZE, and the system calls it
makes: input for the buffer size and splice decisions.

Run after `make bench` (it reuses build/bench/tree, the source snapshot,
and build/bench/loadgen), as root:

    python3 tests/bench/relay_buffers.py [SIZES_KIB] [REPS]

SIZES_KIB defaults to 16,32,64,128,256, REPS to 3. For each size it
builds the default build with that RELAY_BUFFER_SIZE in a copy of the
snapshot (build/bench/buffers/N/; src/ is never touched), runs it under
systemd-socket-activate as nobody with the bench's config, moves 1 GiB up
and 1 GiB down REPS times (sizes interleaved, so that a change in the
machine's load hits them alike), and reports throughput, user and system
CPU per GiB (the lowest of the reps: the least disturbed), and, from one
64 MiB transfer each way under `strace -c -f`, the system calls per MiB.
"""
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(TOP, "build", "bench")
GIB = 1 << 30


def build(size_kib):
    d = os.path.join(OUT, "buffers", str(size_kib))
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(os.path.join(OUT, "tree"), d, ignore=shutil.ignore_patterns("*.o", "connectd", "build"))
    h = os.path.join(d, "src", "relay.h")
    with open(h) as f:
        text = f.read()
    text2 = re.sub(r"#define RELAY_BUFFER_SIZE .*", "#define RELAY_BUFFER_SIZE (%d * 1024)" % size_kib, text)
    if not re.search(r"#define RELAY_BUFFER_SIZE ", text):
        raise SystemExit("relay.h: no RELAY_BUFFER_SIZE to change")
    with open(h, "w") as f:
        f.write(text2)
    r = subprocess.run(["make", "-C", d, "connectd"], capture_output=True, text=True)
    if r.returncode:
        raise SystemExit("build %d KiB failed:\n%s" % (size_kib, r.stdout[-2000:] + r.stderr[-2000:]))
    return os.path.join(d, "connectd")


def main():
    sizes = [int(x) for x in (sys.argv[1] if len(sys.argv) > 1 else "16,32,64,128,256").split(",")]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    lg = os.path.join(OUT, "loadgen")
    work = os.path.join(OUT, "buffers", "run")
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o1777)
    tck = os.sysconf("SC_CLK_TCK")
    bins = {n: build(n) for n in sizes}
    res = {n: {"up": [], "down": [], "sys": {}} for n in sizes}
    try:
        sport = bench.free_port()
        srv = bench.start([lg, "server", "127.0.0.1", str(sport)], os.path.join(work, "server.log"))
        bench.wait_port(sport, srv)
        conf = bench.write_bench_conf(os.path.join(OUT, "tree", "packaging", "connectd.conf"),
                                      os.path.join(work, "bench.conf"), sport)

        def supervise(argv_tail):
            port = bench.free_port()
            p = bench.start(bench.NOBODY + ["systemd-socket-activate", "-l", "127.0.0.1:%d" % port,
                                            "-a", "--inetd"] + argv_tail,
                            os.path.join(work, "supervisor.log"))
            bench.wait_port(port, p)
            return p, port

        for rep in range(reps):
            for n in sizes:
                p, port = supervise([bins[n], "-c", conf])
                try:
                    for d in ("up", "down"):
                        bench.wait_idle(p.pid)
                        u0, s0 = bench.cpu_split(bench.tree(p.pid))
                        r = subprocess.run([lg, "bulk", d, "127.0.0.1", str(port), "127.0.0.1",
                                            str(sport), str(GIB)], capture_output=True, text=True, timeout=300)
                        kv = bench.kv(r.stdout.strip().splitlines()[-1])
                        bench.wait_idle(p.pid)
                        u1, s1 = bench.cpu_split(bench.tree(p.pid))
                        if kv["ok"] != "1":
                            print("# %d KiB %s: failed: %s" % (n, d, r.stdout.strip()))
                            continue
                        res[n][d].append({"mbps": GIB / float(kv["secs"]) / 1e6,
                                          "user": (u1 - u0) / tck, "sys": (s1 - s0) / tck})
                finally:
                    bench.stop(p)
                    bench.STARTED.remove(p)
        # System calls, one 64 MiB transfer each way per size, under strace.
        for n in sizes:
            for d in ("up", "down"):
                out = os.path.join(work, "strace.%d.%s" % (n, d))
                p, port = supervise(["strace", "-c", "-f", "-o", out, bins[n], "-c", conf])
                try:
                    subprocess.run([lg, "bulk", d, "127.0.0.1", str(port), "127.0.0.1", str(sport),
                                    str(64 << 20)], capture_output=True, timeout=300)
                    bench.wait_idle(p.pid)
                finally:
                    bench.stop(p)
                    bench.STARTED.remove(p)
                calls = {}
                with open(out) as f:
                    for line in f:
                        x = line.split()
                        if len(x) >= 5 and x[-1] in ("read", "write", "select", "pselect6"):
                            calls[x[-1]] = int(x[3])
                res[n]["sys"][d] = {k: v / 64.0 for k, v in calls.items()}
    finally:
        bench.stop_all()

    print("| RELAY_BUFFER_SIZE | up MB/s | down MB/s | CPU s/GiB up (user+sys) | CPU s/GiB down (user+sys) "
          "| syscalls per MiB up (read/write/select) | per MiB down | buffer memory of a busy tunnel |")
    print("|---|---|---|---|---|---|---|---|")
    for n in sizes:
        row = ["%d KiB" % n]
        for d in ("up", "down"):
            xs = res[n][d]
            row.append("%.0f" % max(x["mbps"] for x in xs) if xs else "-")
        for d in ("up", "down"):
            xs = res[n][d]
            if xs:
                best = min(xs, key=lambda x: x["user"] + x["sys"])
                row.append("%.2f (%.2f+%.2f)" % (best["user"] + best["sys"], best["user"], best["sys"]))
            else:
                row.append("-")
        for d in ("up", "down"):
            c = res[n]["sys"].get(d, {})
            row.append("%.0f / %.0f / %.0f" % (c.get("read", 0), c.get("write", 0),
                                               c.get("select", 0) + c.get("pselect6", 0)) if c else "-")
        row.append("%d KiB" % (2 * n))
        print("| " + " | ".join(row) + " |")
    print("\n%d reps per size, interleaved; throughput: the best rep; CPU: the rep with the least, "
          "from the supervisor's cutime/cstime after connectd exited; load average now %s."
          % (reps, open("/proc/loadavg").read().split()[0]))


if __name__ == "__main__":
    main()
