#!/usr/bin/env python3
"""Load client and target server for t_load.sh (Python stdlib, asyncio).

  load.py server PORT --report FILE [--ready FILE]
      The target. Each connection starts with a 32-byte header (magic,
      tunnel id, up size, down size, down offset); the server then reads
      the client's payload to EOF while it sends its own (down size bytes
      of the pool from the offset) and half-closes, hashing both ways. One
      JSON line per tunnel goes to the report.

  load.py client HOST PORT TARGET --tunnels N --concurrency C --seed S
                 --report FILE [--sup PID] [--timeout SECONDS]
      Opens C tunnels through the proxy at once and holds them until all C
      have their 200 (or until --barrier-timeout), so C tunnels are open at
      the same time; then every tunnel sends its payload and reads the
      server's, and a new tunnel starts whenever one ends, N in all. Every
      byte is hashed with SHA-256 where it is sent and where it arrives;
      at the end the client reads the server's report and compares. Prints
      '# ...' diagnostics and one 'result key=value ...' line; exits 0 only
      when every tunnel moved every byte intact.

Payload sizes (seeded): per tunnel and direction, 0 bytes with
probability 3 %, else floor(2 ** (23 * u ** 1.5)) bytes, u uniform in
[0, 1): 1 byte to 8 MiB, skewed small (median about 200 bytes, p90 about
750 KB, about 3 % of them 4 MiB or more; for 2,000 tunnels and seed 7,
0.64 GB up and 0.74 GB down, 1.39 GB in all). Tunnels 0-3
are fixed edge cases: 8 MiB both ways, 0 up / 8 MiB down, 8 MiB up / 0
down, 0 both ways. Content: a 16 MiB seeded random pool, each tunnel and
direction from its own random offset.
"""

import argparse
import asyncio
import hashlib
import json
import os
import random
import resource
import struct
import sys
import threading
import time

MIB = 1 << 20
MAX_SIZE = 8 * MIB
POOL_SIZE = 16 * MIB
CHUNK = 256 * 1024
HDR = struct.Struct("!4sIQQQ")  # magic, id, up, down, down offset: 32 bytes
MAGIC = b"LOAD"
OK_200 = b"HTTP/1.1 200 Connection established\r\n\r\n"


def make_pool(seed):
    return memoryview(random.Random(seed ^ 0x5EED).randbytes(POOL_SIZE))


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(want, max(hard, want))),
                                                    max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def size_of(rnd):
    if rnd.random() < 0.03:
        return 0
    return min(MAX_SIZE, int(2 ** (23 * rnd.random() ** 1.5)))


def make_plan(seed, n):
    rnd = random.Random(seed)
    plan = []
    for i in range(n):
        up, down = size_of(rnd), size_of(rnd)
        uo, do = rnd.randrange(POOL_SIZE - MAX_SIZE), rnd.randrange(POOL_SIZE - MAX_SIZE)
        plan.append([up, down, uo, do])
    fixed = [(MAX_SIZE, MAX_SIZE), (0, MAX_SIZE), (MAX_SIZE, 0), (0, 0)]
    for i, (up, down) in enumerate(fixed[:n]):
        plan[i][0], plan[i][1] = up, down
    return plan


async def send_payload(writer, pool, off, size):
    """Writes pool[off:off+size] in chunks, hashing as it goes; then EOF."""
    h = hashlib.sha256()
    sent = 0
    while sent < size:
        n = min(CHUNK, size - sent)
        piece = pool[off + sent:off + sent + n]
        h.update(piece)
        writer.write(piece)
        sent += n
        await writer.drain()
    writer.write_eof()
    await writer.drain()
    return sent, h.hexdigest()


async def recv_all(reader, h=None, n=0):
    h = h or hashlib.sha256()
    while True:
        d = await reader.read(262144)
        if not d:
            return n, h.hexdigest()
        h.update(d)
        n += len(d)


# ---------------------------------------------------------------- server

async def serve(args):
    pool = make_pool(args.seed)
    report = open(args.report, "a", buffering=1)

    async def handle(reader, writer):
        res = {}
        try:
            hdr = await asyncio.wait_for(reader.readexactly(HDR.size), 120)
            magic, tid, up, down, off = HDR.unpack(hdr)
            if magic != MAGIC or down > MAX_SIZE or off + down > POOL_SIZE:
                raise ValueError("bad header %r" % hdr)
            res = {"id": tid, "want_up": up}
            (sl, ss), (rl, rs) = await asyncio.wait_for(asyncio.gather(
                send_payload(writer, pool, off, down), recv_all(reader)), args.timeout)
            res.update(sent_len=sl, sent_sha=ss, recv_len=rl, recv_sha=rs)
        except Exception as e:  # every failure is reported, never lost
            res["error"] = "%s: %s" % (type(e).__name__, e)
        finally:
            writer.close()
            report.write(json.dumps(res) + "\n")

    srv = await asyncio.start_server(handle, args.host, args.port, backlog=4096,
                                     limit=CHUNK)
    if args.ready:
        tmp = args.ready + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d %d\n" % (args.port, os.getpid()))
        os.rename(tmp, args.ready)
    async with srv:
        await srv.serve_forever()


# ---------------------------------------------------------------- client

def count_connectd(sup):
    """connectd processes below the supervisor PID sup."""
    parent, comm = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        i, j = st.find("("), st.rfind(")")
        parent[int(d)] = int(st[j + 2:].split()[1])
        comm[int(d)] = st[i + 1:j]
    n = 0
    for p, c in comm.items():
        if c != "connectd":
            continue
        q = p
        for _ in range(16):
            q = parent.get(q, 0)
            if q == sup:
                n += 1
                break
            if q <= 1:
                break
    return n


class Sampler(threading.Thread):
    def __init__(self, sup, interval=1.0):
        super().__init__(daemon=True)
        self.sup, self.interval = sup, interval
        self.peak = 0
        self.stop = threading.Event()

    def sample(self):
        n = count_connectd(self.sup)
        self.peak = max(self.peak, n)
        return n

    def run(self):
        while not self.stop.wait(self.interval):
            self.sample()


async def client(args):
    pool = make_pool(args.seed)
    plan = make_plan(args.seed, args.tunnels)
    deadline = time.monotonic() + args.timeout
    t0 = time.time()
    sem = asyncio.Semaphore(args.concurrency)
    all_up = asyncio.Event()   # C tunnels have their 200
    barrier = asyncio.Event()  # counted: now they may send
    state = {"established": 0, "open": 0, "peak_open": 0, "at_barrier": 0}
    results = {}
    sampler = Sampler(args.sup) if args.sup else None
    if sampler:
        sampler.start()

    def left():
        return max(1.0, deadline - time.monotonic())

    async def tunnel(i):
        up, down, uo, do = plan[i]
        res = {"id": i}
        async with sem:
            state["open"] += 1
            state["peak_open"] = max(state["peak_open"], state["open"])
            writer = None
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(args.host, args.port, limit=CHUNK), left())
                writer.write(b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" %
                             (args.target.encode(), args.target.encode()))
                head = await asyncio.wait_for(reader.readexactly(len(OK_200)), left())
                if head != OK_200:
                    raise RuntimeError("not the exact 200 head: %r" % head)
                state["established"] += 1
                if state["established"] >= args.concurrency:
                    all_up.set()
                await asyncio.wait_for(barrier.wait(), left())
                writer.write(HDR.pack(MAGIC, i, up, down, do))

                (sl, ss), (rl, rs) = await asyncio.wait_for(asyncio.gather(
                    send_payload(writer, pool, uo, up), recv_all(reader)), left())
                res.update(sent_len=sl, sent_sha=ss, recv_len=rl, recv_sha=rs)
            except Exception as e:
                res["error"] = "%s: %s" % (type(e).__name__, e)
            finally:
                if writer:
                    writer.close()
                state["open"] -= 1
        results[i] = res

    async def barrier_watch():
        """Holds the first C tunnels until all have their 200, counts the
        connectd processes while they are all open, then lets them go."""
        try:
            await asyncio.wait_for(all_up.wait(), args.barrier_timeout)
        except asyncio.TimeoutError:
            print("# barrier: only %d of %d tunnels established after %d s; going on"
                  % (state["established"], args.concurrency, args.barrier_timeout))
        state["at_barrier"] = state["established"]
        state["t_barrier"] = time.time() - t0
        if sampler:
            state["connectd_at_barrier"] = await asyncio.get_running_loop().run_in_executor(
                None, sampler.sample)
        barrier.set()

    watch = asyncio.ensure_future(barrier_watch())
    await asyncio.gather(*(tunnel(i) for i in range(args.tunnels)))
    await watch
    wall = time.time() - t0
    if sampler:
        sampler.stop.set()
        sampler.sample()

    # The server's side of each tunnel.
    server = {}
    end = time.monotonic() + 30
    while time.monotonic() < end:
        server = {}
        with open(args.report) as f:
            for line in f:
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                if "id" in r:
                    server[r["id"]] = r
        if len(server) >= args.tunnels:
            break
        await asyncio.sleep(0.2)

    # Expected hashes of the server's payloads, recomputed here from the pool.
    failed = []
    up_total = down_total = 0
    for i in range(args.tunnels):
        up, down, uo, do = plan[i]
        c, s = results.get(i, {}), server.get(i, {})
        why = []
        if "error" in c:
            why.append("client: " + c["error"])
        if "error" in s:
            why.append("server: " + s["error"])
        if not s:
            why.append("no server report")
        if not why:
            want_down = hashlib.sha256(pool[do:do + down]).hexdigest()
            if c["sent_len"] != up or s["recv_len"] != up or s.get("want_up") != up:
                why.append("up: client sent %d, server got %d, planned %d"
                           % (c["sent_len"], s["recv_len"], up))
            if c["sent_sha"] != s["recv_sha"]:
                why.append("up: SHA-256 differs (sent %s.., received %s..)"
                           % (c["sent_sha"][:12], s["recv_sha"][:12]))
            if s["sent_len"] != down or c["recv_len"] != down:
                why.append("down: server sent %d, client got %d, planned %d"
                           % (s["sent_len"], c["recv_len"], down))
            if s["sent_sha"] != c["recv_sha"] or want_down != c["recv_sha"]:
                why.append("down: SHA-256 differs (sent %s.., received %s..)"
                           % (s["sent_sha"][:12], c["recv_sha"][:12]))
        if why:
            failed.append((i, why))
        else:
            up_total += up
            down_total += down

    sizes = sorted(x for p in plan for x in p[:2])
    print("# plan: %d tunnels, seed %d, sizes per direction 0..%d bytes: median %d, "
          "p90 %d, %d of %d >= 4 MiB, %d zero; planned %d bytes up, %d down"
          % (args.tunnels, args.seed, MAX_SIZE, sizes[len(sizes) // 2],
             sizes[int(len(sizes) * 0.9)], sum(1 for x in sizes if x >= 4 * MIB),
             len(sizes), sum(1 for x in sizes if x == 0),
             sum(p[0] for p in plan), sum(p[1] for p in plan)))
    for i, why in failed[:10]:
        print("# tunnel %d (up %d, down %d) failed: %s" % (i, plan[i][0], plan[i][1], "; ".join(why)))
    out = {
        "tunnels": args.tunnels, "ok": args.tunnels - len(failed), "failed": len(failed),
        "up_bytes": up_total, "down_bytes": down_total, "wall_s": "%.1f" % wall,
        "established_at_barrier": state["at_barrier"],
        "barrier_s": "%.1f" % state.get("t_barrier", -1),
        "peak_open": state["peak_open"],
        "connectd_at_barrier": state.get("connectd_at_barrier", -1),
        "peak_connectd": sampler.peak if sampler else -1,
        "mb_per_s": "%.1f" % ((up_total + down_total) / 1e6 / max(wall, 0.001)),
    }
    print("result " + " ".join("%s=%s" % kv for kv in out.items()))
    return 0 if not failed else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("server")
    sp.add_argument("port", type=int)
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--report", required=True)
    sp.add_argument("--ready")
    sp.add_argument("--seed", type=int, default=1)
    sp.add_argument("--timeout", type=float, default=600)
    sp = sub.add_parser("client")
    sp.add_argument("host")
    sp.add_argument("port", type=int)
    sp.add_argument("target")
    sp.add_argument("--tunnels", type=int, default=2000)
    sp.add_argument("--concurrency", type=int, default=1000)
    sp.add_argument("--seed", type=int, default=1)
    sp.add_argument("--report", required=True)
    sp.add_argument("--sup", type=int, default=0)
    sp.add_argument("--timeout", type=float, default=240)
    sp.add_argument("--barrier-timeout", type=float, default=120)
    args = ap.parse_args()
    raise_nofile()
    try:
        if args.cmd == "server":
            asyncio.run(serve(args))
            return 0
        return asyncio.run(client(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
