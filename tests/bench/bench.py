#!/usr/bin/env python3
"""connectd against a direct connection, tinyproxy and Squid, in one run.

tests/bench/run builds everything and calls this; see tests/bench/README.md
for the method. Everything runs on loopback (the exec-to-exit profile with
the shipped config also uses two network namespaces joined by a veth pair,
on this machine). Every process this starts is stopped by its PID at the
end, on error, on SIGINT/SIGTERM and when the time limit strikes.

Writes RESULTS (markdown), a .dat and a .png next to it, and prints the
markdown.
"""
import argparse
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

GIB = 1 << 30
KSTACK_KIB = 16  # x86_64 THREAD_SIZE; checked against /proc/meminfo below
NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]

STARTED = []     # Popen objects we started, stopped in reverse order
NETNS = []       # network namespaces we created
LOG = None


class Deadline(Exception):
    pass


def say(*a):
    print("#", *a, flush=True)


# ---------------------------------------------------------------- processes

def start(argv, out, **kw):
    f = open(out, "ab")
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT, **kw)
    f.close()
    STARTED.append(p)
    return p


def ppid_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
        except OSError:
            continue
        ppid = int(s[s.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids


def tree(root):
    """root and every descendant."""
    kids = ppid_map()
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def stop(p, grace=5.0):
    """SIGTERM the process (and, first, any children it left: connectd
    processes under a supervisor), by PID; SIGKILL what stays."""
    if p.poll() is not None:
        return
    for pid in tree(p.pid)[1:]:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    try:
        p.terminate()
        p.wait(grace)
    except subprocess.TimeoutExpired:
        for pid in tree(p.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        p.wait(5)


def stop_all():
    while STARTED:
        p = STARTED.pop()
        try:
            stop(p)
        except Exception as e:  # keep stopping the others
            say("stop %d: %s" % (p.pid, e))
    while NETNS:
        subprocess.run(["ip", "netns", "del", NETNS.pop()], stderr=subprocess.DEVNULL)


def supervisor_argv(s, port, log, program):
    """systemd-socket-activate as nobody. inetd mode: the connection on fds
    0 and 1. systemd mode, as a socket unit with Accept=yes and
    StandardError=journal starts it: the connection as fd 3 with
    LISTEN_FDS=1, and JOURNAL_STREAM naming fd 2 (here the log file; no
    journald listens, so the records are sent nowhere)."""
    argv = NOBODY + ["systemd-socket-activate", "-l", "127.0.0.1:%d" % port, "-a"]
    if s.get("mode") == "systemd":
        open(log, "ab").close()
        st = os.stat(log)
        argv += ["-E", "JOURNAL_STREAM=%d:%d" % (st.st_dev, st.st_ino)]
    else:
        argv += ["--inetd"]
    return argv + program


def write_bench_conf(shipped, path, server_port):
    """The bench config: the shipped file, with one rule before its first
    rule that lets the loopback client reach the loopback server."""
    with open(shipped) as f:
        lines = f.readlines()
    i = next((k for k, line in enumerate(lines) if re.match(r"(allow|deny)\s", line)), len(lines))
    lines.insert(i, "allow from 127.0.0.1 to 127.0.0.1 port %d\n" % server_port)
    with open(path, "w") as f:
        f.writelines(lines)
    os.chmod(path, 0o644)
    return path


def free_port():
    """A free port below the ephemeral range, so that no outgoing
    connection of this very bench can hold it when a proxy binds it."""
    lo, hi = 20000, 32000
    for port in range(lo + os.getpid() % 5000, hi):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port")


def wait_port(port, proc, timeout=20, ns=None):
    """Until something listens on port. Asks ss, never connects: a probe
    connection would start a connectd of its own."""
    end = time.time() + timeout
    pre = ["ip", "netns", "exec", ns] if ns else []
    while time.time() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("exited with %s before listening on %d" % (proc.returncode, port))
        r = subprocess.run(pre + ["ss", "-Hltn", "sport = :%d" % port], capture_output=True, text=True)
        if r.stdout.strip():
            return
        time.sleep(0.05)
    raise RuntimeError("nothing listens on %d after %ds" % (port, timeout))


def wait_idle(root, timeout=30):
    """Until root has no children left (each connectd has exited and been
    reaped, so its CPU time is in root's cutime/cstime)."""
    end = time.time() + timeout
    while time.time() < end:
        if len(tree(root)) == 1:
            return True
        time.sleep(0.02)
    return False


# ------------------------------------------------------------------ /proc

def stat_fields(pid):
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    return s[s.rindex(")") + 2:].split()  # [0] is field 3 (state)


def cpu_ticks(pids):
    """utime+stime of each process (all its threads) plus cutime+cstime
    (its children that exited and were waited for)."""
    t = 0
    for pid in pids:
        try:
            f = stat_fields(pid)
        except OSError:
            continue
        t += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
    return t


def own_ticks(pid):
    """utime+stime of the process itself (not its children)."""
    try:
        f = stat_fields(pid)
    except OSError:
        return 0
    return int(f[11]) + int(f[12])


def minflt(pids):
    """Minor page faults of the processes and of their reaped children."""
    n = 0
    for pid in pids:
        try:
            f = stat_fields(pid)
        except OSError:
            continue
        n += int(f[7]) + int(f[8])
    return n


def cpu_split(pids):
    """(user, system) ticks, as cpu_ticks adds them."""
    u = k = 0
    for pid in pids:
        try:
            f = stat_fields(pid)
        except OSError:
            continue
        u += int(f[11]) + int(f[13])
        k += int(f[12]) + int(f[14])
    return u, k


SLAB_SIZES = None


def slab_sizes():
    """Object size per slab cache, from /proc/slabinfo."""
    global SLAB_SIZES
    if SLAB_SIZES is None:
        SLAB_SIZES = {}
        try:
            with open("/proc/slabinfo") as f:
                for line in f:
                    x = line.split()
                    if len(x) > 4 and x[3].isdigit():
                        SLAB_SIZES[x[0]] = int(x[3])
        except OSError:
            pass
    return SLAB_SIZES


# Kernel objects each process, thread, socket and open file holds, by slab
# cache (caches SLUB merged away are missing from /proc/slabinfo and left
# out). Socket: its sock (TCP or UNIX), inode, file and dentry.
PER_PROCESS = ["mm_struct", "files_cache", "signal_cache", "sighand_cache", "fs_cache", "cred_jar"]
PER_THREAD = ["task_struct", "pid"]
PER_TCP = ["TCP", "sock_inode_cache", "filp", "dentry"]
PER_UNIX = ["UNIX", "sock_inode_cache", "filp", "dentry"]
PER_VMA = ["vm_area_struct", "anon_vma_chain"]


def tcp_inodes():
    tcp = set()
    for name in ("tcp", "tcp6"):
        try:
            with open("/proc/net/%s" % name) as f:
                for line in f:
                    x = line.split()
                    if len(x) > 9 and x[9].isdigit():
                        tcp.add("socket:[%s]" % x[9])
        except OSError:
            pass
    return tcp


def kobj_bytes(pid, threads, tcp):
    z = slab_sizes()
    size = lambda names: sum(z.get(n, 0) for n in names)
    socks, files = set(), set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            (socks if t.startswith("socket:") else files).add(t)
        with open("/proc/%d/maps" % pid) as f:
            vmas = sum(1 for _ in f)
    except OSError:
        return 0
    ntcp = len(socks & tcp)
    return (size(PER_PROCESS) + threads * size(PER_THREAD) + vmas * size(PER_VMA)
            + ntcp * size(PER_TCP) + (len(socks) - ntcp) * size(PER_UNIX) + len(files) * z.get("filp", 0))


def proc_mem(pids):
    """KiB: Pss (smaps_rollup) and VmPTE summed, threads, and the kernel
    objects modelled by kobj_bytes."""
    pss = pte = threads = kobj = 0
    tcp = tcp_inodes()
    for pid in pids:
        try:
            th = 0
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmPTE:"):
                        pte += int(line.split()[1])
                    elif line.startswith("Threads:"):
                        th = int(line.split()[1])
            threads += th
            kobj += kobj_bytes(pid, th, tcp)
        except OSError:
            continue
    return {"pss": pss, "pte": pte, "threads": threads, "kobj": kobj / 1024.0}


def meminfo():
    m = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":")
            m[k] = int(v.split()[0])
    # TIME_WAIT buckets of earlier tests expire at their own pace: keep
    # them out of the slab figure.
    tw = 0
    try:
        with open("/proc/slabinfo") as f:
            for line in f:
                if line.startswith("tw_sock_TCP"):
                    x = line.split()
                    tw += int(x[1]) * int(x[3])
    except OSError:
        pass
    m["tw_kib"] = tw // 1024
    return m


# ------------------------------------------------------------------ loadgen

def kv(line):
    return dict(x.split("=", 1) for x in line.split())


class Bench:
    def __init__(self, a):
        self.a = a
        self.work = a.work
        self.lg = a.loadgen
        self.results = {}     # system name -> dict
        self.direct_bulk = {"up": [], "down": []}
        self.failures = []

    def run(self, argv, timeout):
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        line = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
        if not line:
            raise RuntimeError("%s: no output (%s)" % (" ".join(argv), r.stderr.strip()[-300:]))
        return kv(line)

    def bulk(self, sysm, direction):
        port = sysm["port"] if sysm["kind"] != "direct" else 0
        r = self.run([self.lg, "bulk", direction, "127.0.0.1", str(port), "127.0.0.1",
                      str(self.server_port), str(self.a.bytes)], timeout=240)
        r["mbps"] = int(r["bytes"]) / float(r["secs"]) / 1e6 if float(r["secs"]) > 0 else 0
        return r

    # -------------------------------------------------------------- systems

    def start_system(self, s):
        s["port"] = free_port()
        out = os.path.join(self.work, "%s.log" % s["name"])
        s["log"] = out
        if s["kind"] == "direct":
            s["proc"] = None
            return
        if s["kind"] == "connectd":
            argv = supervisor_argv(s, s["port"], out, [s["bin"], "-c", self.bench_conf])
        elif s["kind"] == "floor":
            argv = supervisor_argv(s, s["port"], out, [s["bin"]])
        elif s["kind"] == "tinyproxy":
            conf = os.path.join(self.work, "tinyproxy.conf")
            with open(conf, "w") as f:
                f.write("User nobody\nGroup nogroup\nPort %d\nListen 127.0.0.1\n"
                        "Timeout 600\nMaxClients 2048\nLogFile \"%s/tinyproxy.file.log\"\n"
                        "LogLevel %s\nPidFile \"%s/tinyproxy.pid\"\nAllow 127.0.0.1\n"
                        "DisableViaHeader Yes\n" % (s["port"], self.work,
                                                     "Connect" if s["logs"] else "Warning", self.work))
            argv = ["tinyproxy", "-d", "-c", conf]
        elif s["kind"] == "squid":
            conf = os.path.join(self.work, "squid.conf")
            with open(conf, "w") as f:
                f.write("http_port 127.0.0.1:%d\nhttp_access allow all\ncache deny all\n"
                        "cache_mem 8 MB\naccess_log %s\ncache_store_log none\n"
                        "cache_log %s/squid.cache.log\npid_filename %s/squid.pid\n"
                        "coredump_dir %s\ncache_effective_user proxy\n"
                        "max_filedescriptors 8192\nshutdown_lifetime 0 seconds\n"
                        "logfile_rotate 0\npinger_enable off\nvia off\n"
                        "forwarded_for delete\n" % (
                            s["port"], "stdio:%s/squid.access.log" % self.work if s["logs"] else "none",
                            self.work, self.work, self.work))
            argv = ["squid", "-N", "-f", conf]
        s["proc"] = start(argv, out)
        wait_port(s["port"], s["proc"])
        time.sleep(0.2)

    def stop_system(self, s):
        if s.get("proc") is not None:
            stop(s["proc"])
            STARTED.remove(s["proc"])
            s["proc"] = None

    def records_200(self, s):
        """connectd's log records with status=200 so far."""
        if s["kind"] != "connectd" or s.get("mode") == "systemd":
            return None
        with open(s["log"], errors="replace") as f:
            return sum(1 for line in f if line.startswith("connectd[") and " status=200 " in line)

    def settle(self, s):
        if s["kind"] in ("connectd", "floor") and not wait_idle(s["proc"].pid):
            self.failures.append("%s: handler processes still running" % s["name"])

    # ------------------------------------------------------------- phases

    def phase_memory(self, s, res, direct_slab):
        """Delta of the proxy's processes and of the kernel's slab between
        0 and HOLD open tunnels."""
        root = s["proc"].pid if s.get("proc") else None
        port = s["port"] if s["kind"] != "direct" else 0
        # Warm up (pools, lazy allocations), then the baseline.
        w = self.run([self.lg, "tunnels", "127.0.0.1", str(port), "127.0.0.1",
                      str(self.server_port), "20", "1", os.path.join(self.work, "warm.txt")], 60)
        if int(w["fail"]):
            self.failures.append("%s: %s warm-up tunnels failed" % (s["name"], w["fail"]))
        if root:
            self.settle(s)
        time.sleep(0.3)
        none = {"pss": 0, "pte": 0, "threads": 0, "kobj": 0}
        m0 = proc_mem(tree(root)) if root else none
        k0 = meminfo()
        h = subprocess.Popen([self.lg, "hold", "127.0.0.1", str(port), "127.0.0.1",
                              str(self.server_port), str(self.a.hold)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        STARTED.append(h)
        line = h.stdout.readline()
        held = kv(line.split(None, 1)[1]) if line.startswith("held") else {"ok": "0", "fail": str(self.a.hold)}
        time.sleep(0.5)
        m1 = proc_mem(tree(root)) if root else none
        k1 = meminfo()
        nproc = len(tree(root)) if root else 0
        h.stdin.close()
        h.wait(60)
        STARTED.remove(h)
        if root:
            self.settle(s)
        n = self.a.hold
        slab = (k1["Slab"] - k1["tw_kib"]) - (k0["Slab"] - k0["tw_kib"])
        res["hold_ok"] = int(held["ok"])
        res["hold_fail"] = int(held["fail"])
        res["hold_procs"] = nproc
        res["d_pss"] = m1["pss"] - m0["pss"]
        res["d_pte"] = m1["pte"] - m0["pte"]
        res["d_threads"] = m1["threads"] - m0["threads"]
        res["d_kstack_meminfo"] = k1["KernelStack"] - k0["KernelStack"]
        res["d_pagetables_meminfo"] = k1["PageTables"] - k0["PageTables"]
        res["d_slab"] = slab
        if s["kind"] == "direct":
            res["slab_direct_per"] = slab / n
            return slab
        res["slab_sys_per"] = (slab - direct_slab) / n
        res["kobj_per"] = (m1["kobj"] - m0["kobj"]) / n
        res["pss_per"] = res["d_pss"] / n
        res["pte_per"] = res["d_pte"] / n
        res["kstack_per"] = KSTACK_KIB * res["d_threads"] / n
        res["mem_per"] = res["pss_per"] + res["pte_per"] + res["kstack_per"] + res["kobj_per"]
        return slab

    def phase_throughput(self, s, res):
        root = s["proc"].pid if s.get("proc") else None
        for d in ("up", "down"):
            if s["kind"] == "direct":
                r = self.bulk(s, d)
                self.direct_bulk[d].append(r)
                res[d] = r
                continue
            # REPS pairs; in each, the direct transfer right before is
            # the yardstick (the machine may be shared, its load
            # changes). The row shows the pair with the median ratio.
            reps = []
            for _ in range(self.a.reps):
                base = self.bulk({"kind": "direct"}, d)
                self.direct_bulk[d].append(base)
                self.settle(s)
                u0, k0 = cpu_split(tree(root))
                r = self.bulk(s, d)
                self.settle(s)
                u1, k1 = cpu_split(tree(root))
                tck = os.sysconf("SC_CLK_TCK")
                r["cpu_s"] = (u1 - u0 + k1 - k0) / tck
                r["user_s"], r["sys_s"] = (u1 - u0) / tck, (k1 - k0) / tck
                r["cpu_per_gib"] = r["cpu_s"] / (int(r["bytes"]) / GIB) if int(r["bytes"]) else None
                r["ratio"] = r["mbps"] / base["mbps"] if base["mbps"] else 0
                r["direct_mbps"] = base["mbps"]
                reps.append(r)
                if r["ok"] != "1" or base["ok"] != "1":
                    self.failures.append("%s %s: proxy ok=%s bad=%s error=%s; direct ok=%s" % (
                        s["name"], d, r["ok"], r["bad"], r["error"], base["ok"]))
            reps.sort(key=lambda x: x["ratio"])
            res[d] = dict(reps[len(reps) // 2])
            res[d]["ratio_range"] = (reps[0]["ratio"], reps[-1]["ratio"])

    def phase_tunnels(self, s, res):
        port = s["port"] if s["kind"] != "direct" else 0
        for c in (1, 32):
            before = self.records_200(s)
            root = s["proc"].pid if s.get("proc") else None
            c0 = cpu_split(tree(root)) if root else None
            f0 = minflt(tree(root)) if root else None
            own0 = own_ticks(root) if root else None
            out = os.path.join(self.work, "t200-%s-c%d.txt" % (s["name"], c))
            r = self.run([self.lg, "tunnels", "127.0.0.1", str(port), "127.0.0.1",
                          str(self.server_port), str(self.a.tunnels), str(c), out], 300)
            if root:
                self.settle(s)
            c1 = cpu_split(tree(root)) if root else None
            f1 = minflt(tree(root)) if root else None
            own1 = own_ticks(root) if root else None
            with open(out) as f:
                us = sorted(int(x) for x in f if x.strip())
            t = {"ok": int(r["ok"]), "fail": int(r["fail"]), "wall": float(r["wall"]),
                 "detail": "connect %s, status %s, echo %s" % (r["connect_fail"], r["status_fail"], r["echo_fail"])}
            t["rate"] = t["ok"] / t["wall"] if t["wall"] else 0
            if root and t["ok"]:
                ms = 1000.0 / os.sysconf("SC_CLK_TCK") / self.a.tunnels
                t["cpu_user_ms"] = (c1[0] - c0[0]) * ms
                t["cpu_sys_ms"] = (c1[1] - c0[1]) * ms
                t["cpu_ms"] = t["cpu_user_ms"] + t["cpu_sys_ms"]
                t["faults"] = (f1 - f0) / float(self.a.tunnels)
                t["own_ms"] = (own1 - own0) * ms
            t["p50"] = pct(us, 50) / 1000 if us else None
            t["p99"] = pct(us, 99) / 1000 if us else None
            after = self.records_200(s)
            if before is not None:
                t["records"] = after - before
                if t["records"] != t["ok"]:
                    self.failures.append("%s c=%d: %d tunnels but %d log records with status=200"
                                         % (s["name"], c, t["ok"], t["records"]))
            if t["fail"]:
                self.failures.append("%s c=%d: %d of %d tunnels failed (%s)" % (
                    s["name"], c, t["fail"], self.a.tunnels, t["detail"]))
            res["c%d" % c] = t


def pct(sorted_vals, p):
    """Nearest-rank percentile."""
    k = max(0, min(len(sorted_vals) - 1, int(-(-p * len(sorted_vals) // 100)) - 1))
    return sorted_vals[k]


# --------------------------------------------------------------- callgrind

def parse_callgrind(path):
    """Self cost per (object, function) and inclusive cost per function
    name, from a callgrind.out file (Ir only)."""
    names = {"ob": {}, "fn": {}, "fl": {}}
    selfc, incl, objs_self = {}, {}, {}
    total = 0
    ob = fn = None
    cob = None
    pending_call = False
    key_of = {"ob": "ob", "cob": "ob", "fn": "fn", "cfn": "fn", "cfi": "fl", "cfl": "fl",
              "fl": "fl", "fi": "fl", "fe": "fl"}

    def name(kind, v):
        m = re.match(r"\((\d+)\)(?: (.*))?$", v)
        if not m:
            return v
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
            return m.group(2)
        return names[kind].get(m.group(1), "?")

    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                if len(parts) < 2:
                    continue
                cost = int(parts[1])
                if pending_call:
                    incl[fn] = incl.get(fn, 0) + cost
                    pending_call = False
                else:
                    selfc[(ob, fn)] = selfc.get((ob, fn), 0) + cost
                    objs_self[ob] = objs_self.get(ob, 0) + cost
                    incl[fn] = incl.get(fn, 0) + cost
                    total += cost
                continue
            if "=" not in line:
                continue
            k, v = line.split("=", 1)
            if k == "calls":
                pending_call = True
            elif k in key_of:
                n = name(key_of[k], v)
                if k == "ob":
                    ob = n
                elif k == "fn":
                    fn = n
                elif k == "cob":
                    cob = n
            elif k == "summary" or k == "totals":
                pass
    return {"total": total, "self": selfc, "incl": incl, "objs": objs_self}


BUCKETS = [
    # label, functions whose inclusive cost is the bucket (the first found)
    ("dynamic loader before main (ld.so: map, relocate, symbol lookup)", ["_dl_start"]),
    ("  of which symbol lookup (_dl_lookup_symbol_x)", ["_dl_lookup_symbol_x"]),
    ("library constructors (_dl_init)", ["_dl_init", "call_init"]),
    ("main, all of it", ["main"]),
    ("  config parse (config_load)", ["config_load"]),
    ("  privilege drop (lockdown_drop_privileges)", ["lockdown_drop_privileges"]),
    ("  fd setup, sd_listen_fds (conn_setup)", ["conn_setup"]),
    ("  log backend choice (log_open)", ["log_open"]),
    ("  dlopen of libsystemd (in conn_setup or log_open)", ["dlopen@@GLIBC_2.34", "dlopen"]),
    ("  request read+parse (request_read, request_parse)", ["request_read", "request_parse"]),
    ("  policy (policy_decide, incl. resolve)", ["policy_decide"]),
    ("    getaddrinfo (nss, /etc/hosts)", ["getaddrinfo"]),
    ("      of which nsswitch.conf (__nss_database_get)", ["__nss_database_get"]),
    ("      of which resolv.conf (__resolv_context_get)", ["__resolv_context_get"]),
    ("    own-address check (route lookup)", ["resolve_is_local"]),
    ("  connect (dial)", ["dial_connect", "dial"]),
    ("  relay setup: fd options, pipes (relay_prepare)", ["relay_prepare"]),
    ("  relay (relay_run)", ["relay_run"]),
    ("  log record (log_record)", ["log_record"]),
    ("exit path (exit, _dl_fini, stdio flush)", ["exit"]),
]


def bucket_costs(cg):
    out = []
    for label, fns in BUCKETS:
        v = None
        for fn in fns:
            # "request read+parse" adds two functions; the rest take one.
            if fn in cg["incl"]:
                if "+" in label:
                    v = (v or 0) + cg["incl"][fn]
                else:
                    v = cg["incl"][fn]
                    break
        out.append((label, v))
    return out


# ------------------------------------------------------------------ main

def fmt(v, spec="{:,.0f}"):
    return "-" if v is None else spec.format(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--loadgen", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--connectd", action="append", default=[], help="NAME=LABEL=PATH")
    ap.add_argument("--shipped-conf", required=True)
    ap.add_argument("--floor", action="append", default=[],
                    help="NAME=LABEL=PATH: tests/bench/floor.c, built")
    ap.add_argument("--results", required=True)
    ap.add_argument("--bytes", type=int, default=GIB)
    ap.add_argument("--tunnels", type=int, default=2000)
    ap.add_argument("--hold", type=int, default=500)
    ap.add_argument("--reps", type=int, default=3, help="bulk transfers per direction and system")
    ap.add_argument("--time-limit", type=int, default=900)
    ap.add_argument("--only", default="", help="comma-separated system names")
    ap.add_argument("--note", action="append", default=[])
    ap.add_argument("--phases", default="memory,throughput,callgrind")
    a = ap.parse_args()

    def on_signal(signum, frame):
        raise Deadline("signal %d" % signum)
    signal.signal(signal.SIGALRM, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.alarm(a.time_limit)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    os.makedirs(a.work, exist_ok=True)
    os.chmod(a.work, 0o1777)  # connectd (nobody), tinyproxy and squid write here
    t_start = time.time()
    b = Bench(a)
    try:
        return run_all(a, b, t_start)
    except Deadline as e:
        say("stopped: %s" % e)
        return 2
    finally:
        signal.alarm(0)
        stop_all()


def run_all(a, b, t_start):
    load0 = open("/proc/loadavg").read().split()[:3]
    b.server_port = free_port()
    srv = start([a.loadgen, "server", "127.0.0.1", str(b.server_port)], os.path.join(a.work, "server.log"))
    wait_port(b.server_port, srv)

    b.bench_conf = write_bench_conf(a.shipped_conf, os.path.join(a.work, "bench.conf"), b.server_port)

    systems = [{"name": "direct", "label": "direct (no proxy)", "kind": "direct"}]
    for spec in a.connectd:
        name, rest = spec.split("=", 1)
        label, path = rest.rsplit("=", 1)
        first = not any(x["kind"] == "connectd" for x in systems)
        systems.append({"name": name, "label": label, "kind": "connectd", "bin": path, "bench_cg": first})
        # A build that can load libsystemd also runs as a socket unit with
        # Accept=yes and StandardError=journal would start it.
        with open(path, "rb") as f:
            if b"libsystemd.so" in f.read():
                systems.append({"name": name + "-sd", "label": label + ", systemd mode (LISTEN_FDS, JOURNAL_STREAM)",
                                "kind": "connectd", "bin": path, "mode": "systemd"})
    # The floor: the least a handler started per connection can cost here
    # (tests/bench/floor.c: no config, policy or log), static and as the
    # default build is linked.
    for spec in a.floor:
        name, rest = spec.split("=", 1)
        label, path = rest.rsplit("=", 1)
        systems.append({"name": name, "kind": "floor", "bin": path, "label": label})
    # Each peer twice: logging every tunnel, as connectd always does (one
    # record), and with that log off. tinyproxy's least per-connection
    # logging is LogLevel Connect (three lines a tunnel); Squid's is its
    # access log (one line a request).
    systems += [{"name": "tinyproxy", "label": tinyproxy_label() + ", LogLevel Connect",
                 "kind": "tinyproxy", "logs": True},
                {"name": "tinyproxy-quiet", "label": tinyproxy_label() + ", no connection log (LogLevel Warning)",
                 "kind": "tinyproxy", "logs": False},
                {"name": "squid", "label": squid_label() + ", access log", "kind": "squid", "logs": True},
                {"name": "squid-quiet", "label": squid_label() + ", no access log", "kind": "squid",
                 "logs": False}]
    if a.only:
        keep = set(a.only.split(","))
        systems = [s for s in systems if s["name"] in keep or s["name"] == "direct"]
    for s in systems:
        b.results[s["name"]] = {}

    # Phase 1, memory, while few TIME_WAIT sockets are about; direct first:
    # its slab delta (the client's and server's own sockets) is what every
    # proxy's delta is measured from.
    direct_slab = 0
    phases = set(a.phases.split(","))
    for s in (systems if "memory" in phases else []):
        say("memory: %s, %d tunnels held" % (s["label"], a.hold))
        b.start_system(s)
        try:
            slab = b.phase_memory(s, b.results[s["name"]], direct_slab)
            if s["kind"] == "direct":
                direct_slab = slab
        finally:
            b.stop_system(s)

    # Phase 2: throughput and tunnel rate.
    for s in (systems if "throughput" in phases else []):
        say("throughput and tunnels: %s" % s["label"])
        b.start_system(s)
        try:
            b.phase_throughput(s, b.results[s["name"]])
            b.phase_tunnels(s, b.results[s["name"]])
        finally:
            b.stop_system(s)

    # Phase 3: instructions from exec to exit, per connectd build.
    cg = {}
    for s in (systems if "callgrind" in phases else []):
        if s["kind"] != "connectd":
            continue
        say("callgrind: %s" % s["label"])
        cg[s["name"]] = callgrind_runs(a, b, s)
    load1 = open("/proc/loadavg").read().split()[:3]
    elapsed = time.time() - t_start
    report(a, b, systems, cg, load0, load1, elapsed)
    return 1 if b.failures else 0


def tinyproxy_label():
    r = subprocess.run(["tinyproxy", "-v"], capture_output=True, text=True)
    m = re.search(r"(\d+\.\d+\.\d+)", r.stdout + r.stderr)
    return "tinyproxy %s" % (m.group(1) if m else "")


def squid_label():
    r = subprocess.run(["squid", "-v"], capture_output=True, text=True)
    m = re.search(r"Version (\S+)", r.stdout)
    return "Squid %s (-N)" % (m.group(1) if m else "")


def callgrind_one(a, b, s, conf, tag, ns=None, hosts=None, target=None):
    """One tunnel through connectd under callgrind, started by
    systemd-socket-activate as it is in the bench; returns the parsed
    profile or raises."""
    out_dir = os.path.join(a.work, "callgrind")
    os.makedirs(out_dir, exist_ok=True)
    os.chmod(out_dir, 0o1777)
    prefix = os.path.join(out_dir, "%s.%s" % (s["name"], tag))
    port = free_port() if ns is None else 3128
    log = "%s.log" % prefix
    cmd = supervisor_argv(s, port, log, ["valgrind", "--tool=callgrind",
                                         "--callgrind-out-file=%s.%%p" % prefix, s["bin"], "-c", conf])
    if ns is not None:
        # A private mount namespace whose /etc/hosts names the target.
        script = 'mount --bind "$0" /etc/hosts && exec "$@"'
        cmd = ["ip", "netns", "exec", ns, "unshare", "-m", "sh", "-c", script, hosts] + cmd
    p = start(cmd, log)
    try:
        wait_port(port, p, ns=ns)
        client = [a.loadgen, "tunnels", "127.0.0.1", str(port), target or "127.0.0.1",
                  str(b.server_port if ns is None else 443), "1", "1", prefix + ".t200"]
        if ns is not None:
            client = ["ip", "netns", "exec", ns] + client
        r = b.run(client, 120)
        if r["ok"] != "1":
            raise RuntimeError("tunnel failed: %s" % r)
        if not wait_idle(p.pid, 60):
            raise RuntimeError("connectd under valgrind did not exit")
    finally:
        stop(p)
        STARTED.remove(p)
    files = [f for f in os.listdir(out_dir) if f.startswith(os.path.basename(prefix) + ".")
             and f.rsplit(".", 1)[1].isdigit()]
    if len(files) != 1:
        raise RuntimeError("expected one callgrind file, found %s" % files)
    path = os.path.join(out_dir, files[0])
    prof = parse_callgrind(path)
    prof["file"] = path
    with open(log, errors="replace") as f:
        text = f.read()
    m = re.search(r"status=(\d+)", text)
    prof["status"] = m.group(1) if m else "(record sent"
    m = re.search(r"rule=(\S+)", text)
    prof["rule"] = m.group(1) if m else "to the journal)"
    return prof


def lockdown_off(conf_in, conf_out, binary):
    """valgrind cannot run under connectd's seccomp filter (the process
    gets SIGSYS): callgrind runs with `lockdown no` when the build knows
    the directive."""
    with open(conf_in) as f:
        text = f.read()
    text2 = re.sub(r"(?m)^\s*lockdown\s+\S+.*$", "", text) + "\n# bench: callgrind\nlockdown no\n"
    with open(conf_out, "w") as f:
        f.write(text2)
    os.chmod(conf_out, 0o644)
    r = subprocess.run([binary, "-t", "-c", conf_out], capture_output=True)
    if r.returncode == 0:
        return True
    with open(conf_out, "w") as f:
        f.write(text)
    return False


def ld_bindings(binary, conf):
    """Symbol bindings the dynamic loader makes at start, by the object
    that needs them (LD_DEBUG=bindings; `connectd -t` loads exactly what a
    connection loads)."""
    out = os.path.join(os.path.dirname(conf), "ld-bindings")
    for f in os.listdir(os.path.dirname(conf)):
        if f.startswith("ld-bindings."):
            os.unlink(os.path.join(os.path.dirname(conf), f))
    env = dict(os.environ, LD_DEBUG="bindings", LD_DEBUG_OUTPUT=out)
    subprocess.run([binary, "-t", "-c", conf], env=env, capture_output=True, timeout=30)
    counts = {}
    for f in os.listdir(os.path.dirname(conf)):
        if not f.startswith("ld-bindings."):
            continue
        with open(os.path.join(os.path.dirname(conf), f), errors="replace") as fh:
            for line in fh:
                m = re.search(r"binding file (\S+)", line)
                if m:
                    o = os.path.basename(m.group(1))
                    counts[o] = counts.get(o, 0) + 1
        os.unlink(os.path.join(os.path.dirname(conf), f))
    return counts


def callgrind_runs(a, b, s):
    res = {}
    try:
        # At start only: in systemd mode libsystemd comes later, by dlopen.
        res["bindings"] = ld_bindings(s["bin"], b.bench_conf) if s.get("mode") != "systemd" else {}
    except Exception as e:
        res["bindings"] = {}
        say("LD_DEBUG: %s" % e)
    # (1) The shipped config, unchanged but for `lockdown no`, in a network
    # namespace: the client on loopback (internal), the target a name in
    # /etc/hosts for an address across a veth pair (198.18.0.2, not
    # internal, port 443): deny to internal, then allow ... port 443.
    conf = os.path.join(a.work, "shipped-cg.%s.conf" % s["name"])
    res["lockdown_off"] = lockdown_off(a.shipped_conf, conf, s["bin"])
    try:
        ns = ensure_netns(a, b)
        res["shipped"] = callgrind_one(a, b, s, conf, "shipped", ns=ns["p"], hosts=ns["hosts"],
                                       target="bench.example")
    except Exception as e:
        res["shipped_error"] = str(e)
        say("callgrind with the shipped config: %s" % e)
    # (2) The bench config on loopback: an IP literal, first rule allows
    # (for the first build only: the difference is the same for all).
    if not s.get("bench_cg"):
        return res
    conf2 = os.path.join(a.work, "bench-cg.%s.conf" % s["name"])
    lockdown_off(b.bench_conf, conf2, s["bin"])
    try:
        res["bench"] = callgrind_one(a, b, s, conf2, "bench")
    except Exception as e:
        res["bench_error"] = str(e)
        say("callgrind with the bench config: %s" % e)
    return res


_NS = {}


def ensure_netns(a, b):
    if _NS:
        if "error" in _NS:
            raise RuntimeError(_NS["error"])
        return _NS
    tag = "%d" % (os.getpid() % 100000)
    p, q = "cdbP" + tag, "cdbQ" + tag
    steps = [["ip", "netns", "add", p], ["ip", "netns", "add", q],
             ["ip", "-n", p, "link", "set", "lo", "up"], ["ip", "-n", q, "link", "set", "lo", "up"],
             ["ip", "-n", p, "link", "add", "cdbv" + tag, "type", "veth", "peer", "name",
              "cdbw" + tag, "netns", q],
             ["ip", "-n", p, "addr", "add", "198.18.0.1/30", "dev", "cdbv" + tag],
             ["ip", "-n", q, "addr", "add", "198.18.0.2/30", "dev", "cdbw" + tag],
             ["ip", "-n", p, "link", "set", "cdbv" + tag, "up"],
             ["ip", "-n", q, "link", "set", "cdbw" + tag, "up"]]
    for st in steps:
        r = subprocess.run(st, capture_output=True, text=True)
        if st[1] == "netns" and st[2] == "add" and r.returncode == 0:
            NETNS.append(st[3])
        if r.returncode != 0:
            _NS["error"] = "%s: %s" % (" ".join(st), r.stderr.strip())
            raise RuntimeError(_NS["error"])
    hosts = os.path.join(a.work, "hosts")
    with open(hosts, "w") as f:
        f.write("127.0.0.1\tlocalhost\n::1\tlocalhost\n198.18.0.2\tbench.example\n")
    os.chmod(hosts, 0o644)
    srv = start(["ip", "netns", "exec", q, a.loadgen, "server", "198.18.0.2", "443"],
                os.path.join(a.work, "server-netns.log"))
    wait_port(443, srv, ns=q)
    _NS.update({"p": p, "q": q, "hosts": hosts})
    return _NS


# ------------------------------------------------------------------ report

def report(a, b, systems, cg, load0, load1, elapsed):
    R = b.results
    d_up = [r["mbps"] for r in b.direct_bulk["up"] if r.get("ok") == "1"]
    d_down = [r["mbps"] for r in b.direct_bulk["down"] if r.get("ok") == "1"]
    lines = []
    w = lines.append
    w("# connectd benchmark\n")
    w("Written by `make bench` (tests/bench/run) on %s; %s, %d CPUs; load average %s at the start, %s at the end; "
      "the run took %.0f s. %s\n" % (time.strftime("%Y-%m-%d %H:%M %Z"), os.uname().release,
                                     os.cpu_count(), "/".join(load0), "/".join(load1), elapsed,
                                     " ".join(a.note)))
    w("| system | up MB/s (x direct; range) | down MB/s (x direct; range) | proxy CPU s/GiB | tunnels/s c=1 | "
      "time to 200 p50/p99 ms, c=1 | tunnels/s c=32 | time to 200 p50/p99 ms, c=32 | "
      "proxy CPU ms per tunnel, c=32 | KiB per held tunnel | instructions exec to exit | failures |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for s in systems:
        r = R[s["name"]]
        if s["kind"] == "direct":
            up = "%s (1.00)" % fmt(statistics.median(d_up) if d_up else None)
            down = "%s (1.00)" % fmt(statistics.median(d_down) if d_down else None)
            cpu = "-"
        else:
            up, down = (("%s (%s; %s)" % (fmt(r.get(d, {}).get("mbps")), fmt(r.get(d, {}).get("ratio"), "{:.2f}"),
                                          "-".join(fmt(x, "{:.2f}") for x in r.get(d, {}).get("ratio_range", ()))))
                        for d in ("up", "down"))
            cpus = [r[d]["cpu_per_gib"] for d in ("up", "down") if r.get(d, {}).get("cpu_per_gib") is not None]
            gib = sum(int(r[d]["bytes"]) for d in ("up", "down") if r.get(d, {}).get("cpu_per_gib") is not None) / GIB
            us = sum(r[d]["user_s"] for d in ("up", "down") if r.get(d, {}).get("cpu_per_gib") is not None)
            ks = sum(r[d]["sys_s"] for d in ("up", "down") if r.get(d, {}).get("cpu_per_gib") is not None)
            cpu = "%s (user %s, sys %s)" % (fmt(sum(cpus) / len(cpus) if cpus else None, "{:.2f}"),
                                           fmt(us / gib if gib else None, "{:.2f}"),
                                           fmt(ks / gib if gib else None, "{:.2f}"))
        cells = []
        for c in ("c1", "c32"):
            t = r.get(c, {})
            cells.append(fmt(t.get("rate")))
            cells.append("%s / %s" % (fmt(t.get("p50"), "{:.2f}"), fmt(t.get("p99"), "{:.2f}")))
        mem = fmt(r.get("mem_per"), "{:.0f}") if s["kind"] != "direct" else "-"
        tcpu = fmt(r.get("c32", {}).get("cpu_ms"), "{:.2f}")
        ir = "-"
        if s["kind"] == "connectd":
            c = cg.get(s["name"], {})
            if "shipped" in c:
                ir = fmt(c["shipped"]["total"])
            elif "bench" in c:
                ir = fmt(c["bench"]["total"]) + " (bench config)"
        nfail = sum(1 for f in b.failures if f.startswith(s["name"] + " ") or f.startswith(s["name"] + ":"))
        w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d |" % (
            s["label"], up, down, cpu, cells[0], cells[1], cells[2], cells[3], tcpu, mem, ir, nfail))
    w("")
    w("Checked: each 1 GiB transfer byte for byte against the expected stream (position-stamped "
      "pages), the byte count, each tunnel's status line (200) and a 64-byte echo; for connectd "
      "also one log record with status=200 per tunnel. %d tunnels per concurrency level. "
      "Direct: time to connect() instead of time to 200; x direct is the ratio to a direct "
      "transfer run right before the proxy's, in the same direction: of %d such pairs per "
      "direction, the row shows the one with the median ratio (its MB/s and CPU) and the range of "
      "the ratios." % (a.tunnels, a.reps))
    w("")
    goals(w, systems, R, cg)
    if b.failures:
        w("**Failures (%d):**\n" % len(b.failures))
        for f in b.failures:
            w("- %s" % f)
        w("")
    else:
        w("Failures: none.\n")

    w("## Proxy cost per tunnel (all processes of the proxy, %d tunnels)\n" % a.tunnels)
    w("| system | CPU ms, c=1 (user + sys) | CPU ms, c=32 (user + sys) | of which the supervisor itself, c=32 | minor page faults, c=32 |")
    w("|---|---|---|---|---|")
    for s in systems:
        r = R[s["name"]]
        if s["kind"] == "direct":
            continue
        cells = []
        for c in ("c1", "c32"):
            t = r.get(c, {})
            cells.append("%s (%s + %s)" % (fmt(t.get("cpu_ms"), "{:.2f}"), fmt(t.get("cpu_user_ms"), "{:.2f}"),
                                            fmt(t.get("cpu_sys_ms"), "{:.2f}")))
        own = fmt(r.get("c32", {}).get("own_ms"), "{:.2f}") if s["kind"] in ("connectd", "floor") else "-"
        w("| %s | %s | %s | %s | %s |" % (s["label"], cells[0], cells[1], own, fmt(r.get("c32", {}).get("faults"), "{:.0f}")))
    w("")
    w("From /proc/PID/stat of the proxy's process tree (connectd: the supervisor's own and its "
      "reaped children's utime, stime, minflt), before and after each run of tunnels; 10 ms "
      "ticks spread over all tunnels. For connectd this is the whole process lifecycle: "
      "systemd-socket-activate's accept, fork and per-connection log lines (the supervisor "
      "column), and in the child the exec, the loader, page faults, the tunnel and exit. The "
      "instructions counted by callgrind (below) are a small part of it.\n")

    # Memory breakdown
    w("## Memory per held tunnel (%d tunnels open, idle after their echo)\n" % a.hold)
    w("| system | processes at %d | Pss KiB | page tables KiB | kernel stacks KiB | kernel objects KiB | total KiB | held ok/fail | system-wide Slab change KiB |" % a.hold)
    w("|---|---|---|---|---|---|---|---|---|")
    for s in systems:
        r = R[s["name"]]
        if s["kind"] == "direct":
            w("| %s | - | - | - | - | - | - | %d/%d | %s (the baseline: client and server sockets) |" % (
                s["label"], r.get("hold_ok", 0), r.get("hold_fail", 0), fmt(r.get("slab_direct_per"), "{:.1f}")))
            continue
        w("| %s | %s | %s | %s | %s | %s | **%s** | %d/%d | %s |" % (
            s["label"], r.get("hold_procs", "-"), fmt(r.get("pss_per"), "{:.1f}"),
            fmt(r.get("pte_per"), "{:.1f}"), fmt(r.get("kstack_per"), "{:.1f}"),
            fmt(r.get("kobj_per"), "{:.1f}"), fmt(r.get("mem_per"), "{:.1f}"),
            r.get("hold_ok", 0), r.get("hold_fail", 0), fmt(r.get("slab_sys_per"), "{:+.1f}")))
    w("")
    z = slab_sizes()
    used = ", ".join("%s %d" % (n, z[n]) for n in
                     dict.fromkeys(PER_PROCESS + PER_THREAD + PER_VMA + PER_TCP + PER_UNIX) if n in z)
    w("All per tunnel: the change between 0 and %d open tunnels of the proxy's processes (for "
      "connectd: the supervisor and every connectd process; tinyproxy and Squid after 20 warm-up "
      "tunnels) divided by %d. Pss: /proc/PID/smaps_rollup; page tables: VmPTE in "
      "/proc/PID/status; kernel stacks: 16 KiB (x86_64 THREAD_SIZE) per new thread; kernel "
      "objects: counted per process from /proc (threads, memory maps, TCP and other sockets by "
      "inode, other open files) times their slab object sizes from /proc/slabinfo (bytes: %s; "
      "caches SLUB merged away are not counted). Socket buffers are empty (idle tunnels). The "
      "last column is the /proc/meminfo Slab change (TIME_WAIT buckets out) minus the direct "
      "run's, per tunnel: on a shared machine other workloads move it, so it is shown, not "
      "used.\n" % (a.hold, a.hold, used))

    # Callgrind
    w("## Instructions from exec to exit, one tunnel (callgrind)\n")
    names = [s for s in systems if s["kind"] == "connectd"]
    if names:
        cols = []
        for s in names:
            for kind in ("shipped", "bench"):
                if kind in cg.get(s["name"], {}):
                    cols.append((s, kind))
        w("| | " + " | ".join("%s, %s config" % (s["label"], k) for s, k in cols) + " |")
        w("|---|" + "---|" * len(cols))
        w("| total Ir | " + " | ".join(fmt(cg[s["name"]][k]["total"]) for s, k in cols) + " |")
        for i, (label, _) in enumerate(BUCKETS):
            vals = [bucket_costs(cg[s["name"]][k])[i][1] for s, k in cols]
            if all(v is None for v in vals):
                continue
            w("| %s | %s |" % (label, " | ".join(fmt(v) for v in vals)))
        # By object (self cost).
        objs = {}
        for s, k in cols:
            for o, v in cg[s["name"]][k]["objs"].items():
                objs.setdefault(short_obj(o), {})[(s["name"], k)] = objs.get(short_obj(o), {}).get((s["name"], k), 0) + v
        order = sorted(objs, key=lambda o: -max(objs[o].values()))
        for o in order[:12]:
            w("| self in %s | %s |" % (o, " | ".join(fmt(objs[o].get((s["name"], k))) for s, k in cols)))
        w("| status / rule | %s |" % " | ".join("%s %s" % (cg[s["name"]][k]["status"], os.path.basename(cg[s["name"]][k]["rule"])) for s, k in cols))
        w("")
        for s in names:
            c = cg.get(s["name"], {})
            for k in ("shipped_error", "bench_error"):
                if k in c:
                    w("- %s: %s: %s" % (s["label"], k.split("_")[0], c[k]))
        lock = [s["label"] for s in names if cg.get(s["name"], {}).get("lockdown_off")]
        w("shipped: packaging/connectd.conf as it is, `CONNECT bench.example:443` where /etc/hosts "
          "(a private mount namespace) names 198.18.0.2, a server across a veth pair in another "
          "network namespace; bench: the bench's config, `CONNECT 127.0.0.1:PORT`, the first rule "
          "allows. Both: started by systemd-socket-activate as nobody, `valgrind --tool=callgrind` "
          "as its program, one 64-byte echo, client closes. %s Rows are inclusive costs of "
          "the functions named (a row is '-' when the function never ran); 'self in' rows are "
          "the instructions executed in each object's own code. Raw profiles: %s.\n" % (
              ("`lockdown no` added for %s: valgrind cannot run under the seccomp filter." % ", ".join(lock)) if lock else "",
              os.path.join(a.work, "callgrind")))
    for s in names:
        bnd = cg.get(s["name"], {}).get("bindings") or {}
        if bnd:
            items = sorted(bnd.items(), key=lambda x: -x[1])
            w("- %s: %d symbol bindings at start (LD_DEBUG=bindings), by the object that needs "
              "them: %s" % (s["label"], sum(bnd.values()),
                            ", ".join("%s %d" % (o, n) for o, n in items)))
    w("")
    # Top functions, inclusive, for the shipped run of each build.
    for s in names:
        c = cg.get(s["name"], {})
        k = "shipped" if "shipped" in c else "bench" if "bench" in c else None
        if not k:
            continue
        prof = c[k]
        w("<details><summary>%s, %s config: top 25 functions by self cost</summary>\n" % (s["label"], k))
        w("| Ir (self) | function | object |")
        w("|---|---|---|")
        for (ob, fn), v in sorted(prof["self"].items(), key=lambda x: -x[1])[:25]:
            w("| %s | %s | %s |" % (fmt(v), fn, short_obj(ob)))
        w("\n</details>\n")

    text = "\n".join(lines) + "\n"
    with open(a.results, "w") as f:
        f.write(text)
    chart(a, systems, R, cg)
    print(text, flush=True)


def short_obj(o):
    return os.path.basename(o or "?")


def goals(w, systems, R, cg):
    """The goals of issue 6, each against this run's numbers: met,
    missed, or '-' where a number is missing (a phase not run)."""
    names = {s["name"] for s in systems}
    rows = []

    def get(name, *path):
        v = R.get(name, {})
        for k in path:
            v = v.get(k, {}) if isinstance(v, dict) else {}
        return v if isinstance(v, (int, float)) else None

    def row(goal, build, value, limit, ok, shown, floor=None):
        verdict = "-" if value is None or limit is None else ("met" if ok(value, limit) else "**missed**")
        rows.append("| %s | %s | %s | %s | %s |" % (goal, build, shown(value, limit),
                                                     "-" if floor is None else shown(floor, limit), verdict))

    def cpu(name):
        v = [R[name][d]["cpu_per_gib"] for d in ("up", "down")
             if R.get(name, {}).get(d, {}).get("cpu_per_gib") is not None]
        return sum(v) / len(v) if v else None

    le = lambda v, lim: v <= lim  # noqa: E731
    ge = lambda v, lim: v >= lim  # noqa: E731
    builds = [(n, SHORT.get(n, n)) for n in ("connectd", "connectd-static") if n in names]
    for n, label in builds:
        fl = "floor" if n == "connectd-static" else "floor-glibc"
        for d in ("up", "down"):
            r = get(n, d, "ratio")
            row("throughput %s >= 0.45x direct" % d, label, r, 0.45, ge,
                lambda v, lim: "%s x direct" % fmt(v, "{:.2f}"))
            mine, peer = get(n, d, "mbps"), get("squid", d, "mbps")
            ratio = mine / peer if mine is not None and peer else None
            row("throughput %s >= 1.1x Squid (access log)" % d, label, ratio, 1.1, ge,
                lambda v, lim: "%s x Squid" % fmt(v, "{:.2f}"))
        row("relay CPU <= 0.5 s/GiB", label, cpu(n), 0.5, le, lambda v, lim: "%s s/GiB" % fmt(v, "{:.2f}"))
        want = 2.0 if n == "connectd-static" else 1.0
        mine, peer = get(n, "c32", "rate"), get("tinyproxy", "c32", "rate")
        floor = get(fl, "c32", "rate")
        row("tunnels/s c=32 >= %.1fx tinyproxy (LogLevel Connect)" % want, label,
            mine / peer if mine is not None and peer else None, want, ge,
            lambda v, lim: "%s x (%s/s against %s/s)" % (fmt(v, "{:.2f}"), fmt(v * peer if v and peer else None),
                                                         fmt(peer)),
            floor / peer if floor is not None and peer else None)
        want = 1.0 if n == "connectd-static" else 1.5
        row("time to 200 p50 c=1 <= %.1f ms" % want, label, get(n, "c1", "p50"), want, le,
            lambda v, lim: "%s ms" % fmt(v, "{:.2f}"), get(fl, "c1", "p50"))
        want = 100 if n == "connectd-static" else 150
        row("memory per held tunnel <= %d KiB" % want, label, get(n, "mem_per"), want, le,
            lambda v, lim: "%s KiB" % fmt(v, "{:.0f}"), get(fl, "mem_per"))
        if n == "connectd-static":
            ir = cg.get(n, {}).get("shipped", {}).get("total")
            row("exec to exit < 30,000 instructions, shipped config", label, ir, 30000, lambda v, lim: v < lim,
                lambda v, lim: "%s" % fmt(v))
    if not rows:
        return
    w("## Goals (issue 6), this run\n")
    w("| goal | build | measured | floor | |")
    w("|---|---|---|---|---|")
    for r in rows:
        w(r)
    w("")
    w("The peers in the ratios log every tunnel, as connectd does (tinyproxy `LogLevel Connect`, Squid's "
      "access log); the same peers without that log are in the table above. Floor: the same measure for "
      "tests/bench/floor.c, a handler that only reads the head, connects, answers and copies, linked as that "
      "build is (static musl, or glibc PIE): what starting a process per tunnel costs under this supervisor "
      "on this machine, before connectd does any of its own work.\n")


SHORT = {"direct": "direct", "connectd": "connectd default", "connectd-sd": "connectd default, systemd mode", "connectd-nosd": "connectd no libsystemd",
         "connectd-static": "connectd static musl", "tinyproxy": "tinyproxy", "tinyproxy-quiet": "tinyproxy, no log",
         "squid": "Squid", "squid-quiet": "Squid, no log", "floor": "floor, static",
         "floor-glibc": "floor, glibc"}


def chart(a, systems, R, cg):
    dat = os.path.splitext(a.results)[0] + ".dat"
    png = os.path.splitext(a.results)[0] + ".png"
    rows = []
    for s in systems:
        r = R[s["name"]]
        c = cg.get(s["name"], {})
        ir = c.get("shipped", c.get("bench", {})).get("total")
        if s["kind"] == "direct":
            up = down = 1.0
            cpu = mem = None
        else:
            up = r.get("up", {}).get("ratio")
            down = r.get("down", {}).get("ratio")
            cpus = [r[d]["cpu_per_gib"] for d in ("up", "down") if r.get(d, {}).get("cpu_per_gib") is not None]
            cpu = sum(cpus) / len(cpus) if cpus else None
            mem = r.get("mem_per")
        label = SHORT.get(s["name"], s["name"])
        rows.append('"%s" %s %s %s %s %s %s %s %s' % (
            label, fmt(up, "{:.3f}"), fmt(down, "{:.3f}"), fmt(cpu, "{:.3f}"),
            fmt(r.get("c1", {}).get("rate"), "{:.1f}"), fmt(r.get("c32", {}).get("rate"), "{:.1f}"),
            fmt(r.get("c32", {}).get("cpu_ms"), "{:.3f}"), fmt(mem, "{:.1f}"),
            fmt(ir / 1000.0 if ir else None, "{:.1f}")))
    with open(dat, "w") as f:
        f.write("# label up_ratio down_ratio cpu_s_per_gib rate_c1 rate_c32 cpu_ms_per_tunnel_c32 kib_per_tunnel kIr\n")
        f.write("\n".join(rows) + "\n")
    plot(dat, png, len(rows), a.work)


def plot(dat, png, nrows, work):
    gp = """set terminal pngcairo size 1500,950 font "DejaVu Sans,9"
set output "%(png)s"
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set key top right
set xrange [-0.6:%(xmax)s]
set xtics rotate by 25 right font ",8"
set multiplot layout 2,3 title "connectd against direct, tinyproxy and Squid (loopback, %(cpus)d CPUs)"
set title "Throughput, ratio to direct (1 GiB each way)"
set yrange [0:1.25]
plot "%(dat)s" using 2:xtic(1) title "up", "" using 3 title "down"
set yrange [0:*]
set title "Proxy CPU seconds per GiB relayed"
plot "%(dat)s" using 4:xtic(1) notitle lc rgb "#c04040"
set title "Tunnels per second (2,000, each echo-checked)"
plot "%(dat)s" using 5:xtic(1) title "1 client", "" using 6 title "32 clients"
set title "Proxy CPU ms per tunnel (32 clients)"
plot "%(dat)s" using 7:xtic(1) notitle lc rgb "#4040c0"
set title "Memory per held tunnel (KiB)"
plot "%(dat)s" using 8:xtic(1) notitle lc rgb "#40a040"
set title "Instructions exec to exit, one tunnel (thousands)"
set logscale y
set yrange [10:*]
plot "%(dat)s" using 9:xtic(1) notitle lc rgb "#a0a040"
unset multiplot
""" % {"png": png, "dat": dat, "cpus": os.cpu_count(), "xmax": "%.1f" % (nrows - 0.4)}
    gpf = os.path.join(work, "chart.gp")
    with open(gpf, "w") as f:
        f.write(gp)
    r = subprocess.run(["gnuplot", gpf], capture_output=True, text=True)
    if r.returncode != 0:
        say("gnuplot failed: %s" % r.stderr.strip()[-500:])
    else:
        say("chart: %s" % png)


if __name__ == "__main__":
    sys.exit(main())
