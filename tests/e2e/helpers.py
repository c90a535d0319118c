#!/usr/bin/env python3
"""Servers and clients for connectd's end-to-end tests (Python stdlib only).

Servers (run until killed; each writes "PORT PID" to --ready FILE once it
listens, and binds 127.0.0.1 and ::1 unless --host is given):

  echo PORT                       echo every byte back; close on EOF
  banner PORT TEXT                send TEXT on accept, then echo
  sink PORT PREFIX [--banner T] [--shut]
                                  record every byte received (PREFIX.data and
                                  PREFIX.N.data) and one line per accept and
                                  close in PREFIX.conns; never replies unless
                                  --banner (then --shut half-closes after it)
  halfclose-server PORT           read to EOF, reply "GOT:<n>", close
  reset-server PORT               once "RST" arrives: send 4 KiB, then RST
  flood PORT [--log F]            write until the peer goes away
  trickle PORT --size S --count N --interval-ms I
                                  send S bytes every I ms, N times, then close
  xfer-server PORT --mib N --seed S --report F
                                  write N MiB at once while reading to EOF;
                                  append hashes of both directions to F
  syslog-sink PATH FILE           AF_UNIX datagram receiver (a fake /dev/log)

Clients:

  raw HOST PORT TOKEN...          scripted client, see cmd_raw
  bigxfer HOST PORT TARGET --mib N [--both --seed S --peer-seed S]
                                  tunnel bulk data through the proxy, hash it
  check-resp FILE --status N ...  validate a proxy response, print problems
  free-port                       print a TCP port free on 127.0.0.1 and ::1
"""

import argparse
import codecs
import hashlib
import os
import random
import re
import select
import selectors
import socket
import struct
import sys
import threading
import time

MIB = 1 << 20
OK_200 = re.compile(rb"^HTTP/1\.([01]) 200 Connection established\r\n\r\n")


def unescape(text):
    """Turns a Python-escaped argument ("CONNECT a:1\\r\\n\\x00") into bytes."""
    raw = text.encode("utf-8", "surrogateescape")
    return codecs.escape_decode(raw)[0]


def write_line(path, line, lock=threading.Lock()):
    with lock:
        with open(path, "a") as f:
            f.write(line + "\n")


# ---------------------------------------------------------------- servers

def listen_all(port, hosts):
    socks = []
    for h in hosts:
        fam = socket.AF_INET6 if ":" in h else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        try:
            s.bind((h, port))
        except OSError as e:
            if h == "::1" and len(hosts) > 1:
                print("helpers: cannot bind [::1]:%d: %s" % (port, e), file=sys.stderr)
                s.close()
                continue
            raise
        s.listen(1024)
        socks.append(s)
    return socks


def serve(args, handler):
    """Accepts forever on every listening socket, one thread per connection."""
    hosts = args.host or ["127.0.0.1", "::1"]
    socks = listen_all(args.port, hosts)
    if args.ready:
        tmp = args.ready + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d %d\n" % (args.port, os.getpid()))
        os.rename(tmp, args.ready)
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    counter = [0]
    while True:
        for key, _ in sel.select():
            try:
                conn, peer = key.fileobj.accept()
            except OSError:
                continue
            counter[0] += 1
            t = threading.Thread(target=run_handler,
                                 args=(handler, conn, peer, counter[0], args),
                                 daemon=True)
            t.start()


def run_handler(handler, conn, peer, cid, args):
    try:
        handler(conn, peer, cid, args)
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def h_echo(conn, peer, cid, args):
    while True:
        d = conn.recv(65536)
        if not d:
            return
        conn.sendall(d)


def h_banner(conn, peer, cid, args):
    conn.sendall(unescape(args.text))
    h_echo(conn, peer, cid, args)


def h_sink(conn, peer, cid, args):
    p = args.prefix
    write_line(p + ".conns", "accept %.6f %d %s" % (time.time(), cid, peer[1]))
    n = 0
    how = "eof"
    try:
        if args.banner is not None:
            conn.sendall(unescape(args.banner))
            if args.shut:
                conn.shutdown(socket.SHUT_WR)
        with open(p + ".%d.data" % cid, "ab") as one:
            while True:
                d = conn.recv(65536)
                if not d:
                    break
                n += len(d)
                one.write(d)
                one.flush()
                with open(p + ".data", "ab") as f:
                    f.write(d)
    except ConnectionResetError:
        how = "reset"
    finally:
        write_line(p + ".conns", "close %.6f %d %d %s" % (time.time(), cid, n, how))


def h_halfclose(conn, peer, cid, args):
    n = 0
    while True:
        d = conn.recv(65536)
        if not d:
            break
        n += len(d)
    conn.sendall(b"GOT:%d" % n)


def h_reset(conn, peer, cid, args):
    seen = b""
    while b"RST" not in seen:
        d = conn.recv(65536)
        if not d:
            return
        seen = (seen + d)[-16:]
    conn.sendall(b"r" * 4096)
    if args.log:
        write_line(args.log, "rst %.6f %d" % (time.time(), cid))
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def h_flood(conn, peer, cid, args):
    chunk = b"f" * 65536
    how = "?"
    sent = 0
    try:
        while True:
            conn.sendall(chunk)
            sent += len(chunk)
    except OSError as e:
        how = type(e).__name__
    if args.log:
        write_line(args.log, "end %.6f %d %d %s" % (time.time(), cid, sent, how))


def h_trickle(conn, peer, cid, args):
    for i in range(args.count):
        if i:
            time.sleep(args.interval_ms / 1000.0)
        conn.sendall(b"t" * args.size)
    conn.shutdown(socket.SHUT_WR)
    conn.settimeout(10)
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


PATTERNS = [b"\r\n\r\n", b"\x00" * 16, b"CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n",
            b"\n\n", b"HTTP/1.1 200 Connection established\r\n\r\n", b"\r", b"\xff\xfe"]


def gen_chunks(seed, total, chunk=MIB):
    """Yields total bytes of reproducible random data in chunks, with the
    byte sequences a naive proxy might act on spliced in."""
    rnd = random.Random(seed)
    left = total
    while left > 0:
        n = min(chunk, left)
        b = bytearray(rnd.randbytes(n))
        for _ in range(8):
            pat = PATTERNS[rnd.randrange(len(PATTERNS))]
            if n > len(pat):
                at = rnd.randrange(n - len(pat))
                b[at:at + len(pat)] = pat
        left -= n
        yield bytes(b)


def start_writer(sock, seed, total, res, shut=False):
    """Sends the seeded stream of total bytes on sock from a thread;
    puts sent_len, sent_sha (and write_error) in res. Returns the
    thread."""
    def writer():
        h = hashlib.sha256()
        n = 0
        try:
            for c in gen_chunks(seed, total):
                sock.sendall(c)
                h.update(c)
                n += len(c)
            if shut:
                sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            res["write_error"] = type(e).__name__
        res["sent_len"] = n
        res["sent_sha"] = h.hexdigest()

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    return t


def h_xfer(conn, peer, cid, args):
    res = {}
    t = start_writer(conn, args.seed, args.mib * MIB, res)
    h = hashlib.sha256()
    n = 0
    try:
        while True:
            d = conn.recv(262144)
            if not d:
                break
            h.update(d)
            n += len(d)
    except OSError as e:
        res["read_error"] = type(e).__name__
    t.join()
    res["recv_len"] = n
    res["recv_sha"] = h.hexdigest()
    write_line(args.report, "conn=%d " % cid +
               " ".join("%s=%s" % kv for kv in sorted(res.items())))


def cmd_syslog_sink(args):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        os.unlink(args.path)
    except OSError:
        pass
    s.bind(args.path)
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("%s %d\n" % (args.path, os.getpid()))
    while True:
        d = s.recv(65536)
        with open(args.file, "ab") as f:
            f.write(d.rstrip(b"\n") + b"\n")


# ---------------------------------------------------------------- raw client

def find_head_end(buf):
    """End of the first header section (CRLF CRLF, or LF LF as a fallback)."""
    i = buf.find(b"\r\n\r\n")
    j = buf.find(b"\n\n")
    ends = [k + 4 for k in [i] if k >= 0] + [k + 2 for k in [j] if k >= 0]
    return min(ends) if ends else -1


class Reader(threading.Thread):
    def __init__(self, sock, deadline):
        super().__init__(daemon=True)
        self.sock = sock
        self.deadline = deadline
        self.buf = bytearray()
        self.cond = threading.Condition()
        self.head_end = -1
        self.end = None
        self.stop = False
        self.paused = False
        self.t = {}

    def run(self):
        end = None
        while end is None:
            left = self.deadline - time.time()
            if left <= 0:
                end = "timeout"
                break
            if self.stop:
                end = "stopped"
                break
            if self.paused:
                time.sleep(0.02)
                continue
            r, _, _ = select.select([self.sock], [], [], min(left, 0.05))
            if not r:
                continue
            try:
                d = self.sock.recv(262144)
            except ConnectionResetError:
                end = "reset"
                break
            except OSError as e:
                end = "error:" + type(e).__name__
                break
            if not d:
                end = "eof"
                break
            with self.cond:
                if not self.buf:
                    self.t["t_first"] = time.time()
                self.buf += d
                if self.head_end < 0:
                    self.head_end = find_head_end(self.buf)
                    if self.head_end >= 0:
                        self.t["t_head"] = time.time()
                self.cond.notify_all()
        with self.cond:
            self.end = end
            self.t["t_end"] = time.time()
            self.cond.notify_all()

    def wait(self, pred, deadline):
        with self.cond:
            while not pred() and self.end is None:
                left = deadline - time.time()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.05))
            return pred()


def cmd_raw(args):
    """Connects to HOST PORT and plays the tokens in order:

      TEXT           bytes (Python escapes: \\r \\n \\x00 \\\\), queued
      @fill:N:TEXT   TEXT repeated to N bytes, queued
      @rep:N:TEXT    TEXT repeated N times, queued
      @file:PATH     the file's bytes, queued
      @flush         send what is queued (every directive below does too)
      @sleep:MS      pause
      @head          wait until the reply's header section has arrived
      @recv:N        wait until N bytes past the reply's head have arrived
      @shut          shutdown(SHUT_WR)
      @noread        stop reading the reply (until @read): backpressure
      @rst           close with SO_LINGER 0 (the peer sees a RST)
      @close         close normally without waiting for the reply's end

    --half-close adds a final @shut. Queued bytes go out in one write
    unless --chunk splits them (with
    --gap-ms between pieces). The reply is read concurrently until EOF, a
    reset or --timeout, then written to --out (default stdout); --info
    gets key=value lines with wall-clock timestamps."""
    if args.half_close:
        args.tokens = list(args.tokens) + ["@shut"]
    t0 = time.time()
    deadline = t0 + args.timeout
    fam = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(args.timeout)
    try:
        s.connect((args.host, args.port))
    except OSError as e:
        print("raw: connect: %s" % e, file=sys.stderr)
        return 2
    info = {"t_start": t0, "local_port": s.getsockname()[1]}
    rd = Reader(s, deadline)
    rd.start()
    pending = bytearray()
    problems = []
    closed = False

    nflush = [0]

    def send(data):
        # t_flushN: just before the last piece of the Nth write went out.
        nflush[0] += 1
        step = args.chunk or len(data)
        for i in range(0, len(data), step):
            if args.stop_when_closed and rd.end is not None:
                raise ConnectionAbortedError("reply ended before the request was sent")
            if i and args.gap_ms:
                time.sleep(args.gap_ms / 1000.0)
            if i + step >= len(data):
                info["t_flush%d" % nflush[0]] = time.time()
            s.sendall(data[i:i + step])
            info["sent"] = info.get("sent", 0) + len(data[i:i + step])
        info["t_last_send"] = time.time()

    try:
        for tok in args.tokens:
            if not tok.startswith("@") or tok.startswith("@@"):
                pending += unescape(tok[1:] if tok.startswith("@@") else tok)
                continue
            name, _, arg = tok[1:].partition(":")
            if name in ("fill", "rep"):
                n, _, text = arg.partition(":")
                unit = unescape(text) or b"a"
                n = int(n)
                if name == "rep":
                    pending += unit * n
                else:
                    pending += (unit * (n // len(unit) + 1))[:n]
                continue
            if name == "file":
                with open(arg, "rb") as f:
                    pending += f.read()
                continue
            if pending:
                send(bytes(pending))
                pending.clear()
            if name == "flush":
                pass
            elif name == "sleep":
                time.sleep(int(arg) / 1000.0)
            elif name == "head":
                if not rd.wait(lambda: rd.head_end >= 0, deadline):
                    problems.append("no response head before %s" % (rd.end or "timeout"))
                    break
            elif name == "recv":
                n = int(arg)
                if not rd.wait(lambda: rd.head_end >= 0 and len(rd.buf) - rd.head_end >= n,
                               deadline):
                    problems.append("did not receive %d bytes past the head" % n)
                    break
            elif name == "noread":
                rd.paused = True
                info["t_noread"] = time.time()
            elif name == "read":
                rd.paused = False
            elif name == "shut":
                s.shutdown(socket.SHUT_WR)
                info["t_shut"] = time.time()
            elif name in ("rst", "close"):
                rd.stop = True
                rd.join()
                if name == "rst":
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                info["t_" + name] = time.time()
                s.close()
                closed = True
                break
            else:
                raise SystemExit("raw: unknown directive " + tok)
        if pending and not closed:
            send(bytes(pending))
    except OSError as e:
        info["send_error"] = type(e).__name__
        info["t_send_error"] = time.time()
    if not closed:
        rd.join()
        s.close()
    info.update(rd.t)
    info["end"] = rd.end
    info["bytes"] = len(rd.buf)
    info["head_len"] = rd.head_end
    info["elapsed_ms"] = int((time.time() - t0) * 1000)
    if problems:
        info["problem"] = "; ".join(problems)
    if args.out:
        with open(args.out, "wb") as f:
            f.write(rd.buf)
    else:
        sys.stdout.buffer.write(rd.buf)
        sys.stdout.flush()
    if args.info:
        with open(args.info, "w") as f:
            for k, v in info.items():
                f.write("%s=%s\n" % (k, "%.6f" % v if isinstance(v, float) else v))
    print("# elapsed_ms=%d end=%s bytes=%d" % (info["elapsed_ms"], rd.end, len(rd.buf)),
          file=sys.stderr)
    return 0


# ---------------------------------------------------------------- check-resp

def read_info(path):
    out = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                out[k] = v
    return out


def cmd_check_resp(args):
    """Checks a reply saved by raw --out. Prints one problem per line and
    exits 1 when there is any."""
    with open(args.file, "rb") as f:
        data = f.read()
    info = read_info(args.info)
    p = []
    if args.end and info.get("end") != args.end and args.end != "any":
        p.append("connection ended by %s, want %s" % (info.get("end"), args.end))
    if info.get("problem"):
        p.append(info["problem"])
    if args.empty:
        if data:
            p.append("want no reply, got %r" % data[:200])
        return report(p)
    end = data.find(b"\r\n\r\n")
    if end < 0:
        p.append("no CRLF CRLF-terminated head in %d bytes: %r" % (len(data), data[:300]))
        return report(p)
    head, rest = data[:end], data[end + 4:]
    if re.search(rb"(?<!\r)\n|\r(?!\n)", head + b"\r\n"):
        p.append("head has a bare LF or CR: %r" % head)
    lines = head.split(b"\r\n")
    m = re.match(rb"^HTTP/1\.([01]) (\d{3}) ([^\r\n]+)$", lines[0])
    if not m:
        p.append("bad status line %r" % lines[0])
        return report(p)
    if int(m.group(2)) != args.status:
        p.append("status %s, want %d (status line %r)" % (m.group(2).decode(), args.status, lines[0]))
    if args.version and m.group(1).decode() != args.version.split(".")[-1]:
        p.append("status line %r, want HTTP/%s" % (lines[0], args.version))
    fields = {}
    for ln in lines[1:]:
        fm = re.match(rb"^([!#$%&'*+.^_`|~0-9A-Za-z-]+): ?(.*?) ?$", ln)
        if not fm:
            p.append("bad header line %r" % ln)
            continue
        name = fm.group(1).decode().lower()
        if name in fields:
            p.append("duplicate header %s" % name)
        fields[name] = fm.group(2).decode("latin-1")
    if args.status == 200:
        if head + b"\r\n\r\n" != b"HTTP/1.%s 200 Connection established\r\n\r\n" % m.group(1):
            p.append("200 head is %r, want exactly 'HTTP/1.x 200 Connection established' CRLF CRLF" % head)
        for f in ("content-length", "transfer-encoding"):
            if f in fields:
                p.append("200 carries %s" % f)
        want = None
        if args.tunnel is not None:
            want = unescape(args.tunnel)
        if args.tunnel_file:
            with open(args.tunnel_file, "rb") as f:
                want = f.read()
        if want is not None and rest != want:
            p.append("tunnel bytes differ: got %d bytes %r..., want %d bytes %r..."
                     % (len(rest), rest[:80], len(want), want[:80]))
        return report(p)
    # An error response.
    if args.tunnel is not None and args.tunnel != "":
        p.append("error response where a tunnel was expected")
    cl = fields.get("content-length")
    if cl is None or not cl.isdigit():
        p.append("no valid Content-Length (%r)" % cl)
    elif int(cl) != len(rest):
        p.append("Content-Length %s but %d body bytes follow: %r" % (cl, len(rest), rest[:200]))
    elif int(cl) == 0:
        p.append("empty body")
    if fields.get("connection", "").lower() != "close":
        p.append("no 'Connection: close' (%r)" % fields.get("connection"))
    if not fields.get("content-type", "").startswith("text/plain"):
        p.append("Content-Type %r, want text/plain" % fields.get("content-type"))
    if "transfer-encoding" in fields:
        p.append("error response carries Transfer-Encoding")
    ps = fields.get("proxy-status")
    if ps is None:
        p.append("no Proxy-Status")
    else:
        pm = re.match(r"^connectd; error=([a-z_]+)", ps)
        # A parent's status passed on names what came back (RFC 9209
        # received-status) instead of an error type of connectd's own.
        passed_on = re.match(r"^connectd; received-status=%d$" % args.status, ps)
        if not pm and not passed_on:
            p.append("Proxy-Status %r, want 'connectd; error=TYPE' or "
                     "'connectd; received-status=%d'" % (ps, args.status))
        elif pm and args.error and pm.group(1) != args.error:
            p.append("Proxy-Status error=%s, want %s" % (pm.group(1), args.error))
    if args.status == 405:
        allow = fields.get("allow", "")
        if "CONNECT" not in [x.strip() for x in allow.split(",")]:
            p.append("405 without 'Allow: CONNECT' (%r)" % allow)
    return report(p)


def report(problems):
    for x in problems:
        print(x)
    return 1 if problems else 0


# ---------------------------------------------------------------- bigxfer

def read_head(sock, deadline):
    buf = b""
    while True:
        m = OK_200.match(buf)
        if m:
            return buf[:m.end()], buf[m.end():]
        if len(buf) > 4096 or (find_head_end(buf) >= 0 and not OK_200.match(buf)):
            raise RuntimeError("not a 200 head: %r" % buf[:300])
        sock.settimeout(max(0.1, deadline - time.time()))
        d = sock.recv(4096)
        if not d:
            raise RuntimeError("EOF before the head: %r" % buf[:300])
        buf += d


def cmd_bigxfer(args):
    """Through the proxy to TARGET: echo mode sends --mib MiB and expects the
    same bytes back; --both expects the xfer-server's --peer-seed data back
    while sending our own. Prints key=value results; exits 0 when the
    hashes match."""
    t0 = time.time()
    deadline = t0 + args.timeout
    s = socket.create_connection((args.host, args.port), timeout=args.timeout)
    res = {"local_port": s.getsockname()[1]}
    s.sendall(b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (args.target.encode(), args.target.encode()))
    try:
        _, extra = read_head(s, deadline)
    except (RuntimeError, OSError) as e:
        print("result=fail reason=%r" % str(e))
        return 1
    s.settimeout(None)
    total = args.mib * MIB
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)

    t = start_writer(s, seed, total, res, shut=True)
    h = hashlib.sha256(extra)
    n = len(extra)
    while True:
        left = deadline - time.time()
        r, _, _ = select.select([s], [], [], max(0, left))
        if not r:
            res["read_error"] = "timeout"
            break
        try:
            d = s.recv(262144)
        except OSError as e:
            res["read_error"] = type(e).__name__
            break
        if not d:
            break
        h.update(d)
        n += len(d)
    t.join(max(0.1, deadline - time.time()))
    if t.is_alive():
        res["write_error"] = "timeout"
    s.close()
    res["recv_len"] = n
    res["recv_sha"] = h.hexdigest()
    if args.both:
        want = hashlib.sha256()
        for c in gen_chunks(args.peer_seed, total):
            want.update(c)
        res["want_sha"] = want.hexdigest()
    else:
        res["want_sha"] = res.get("sent_sha")
    res["elapsed_ms"] = int((time.time() - t0) * 1000)
    good = (res["recv_sha"] == res["want_sha"] and res["recv_len"] == total
            and res.get("sent_len") == total and "read_error" not in res
            and "write_error" not in res)
    res["result"] = "ok" if good else "fail"
    print(" ".join("%s=%s" % kv for kv in sorted(res.items())))
    return 0 if good else 1


def cmd_free_port(args):
    for _ in range(100):
        a = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        a.bind(("127.0.0.1", 0))
        port = a.getsockname()[1]
        try:
            b = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            b.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            b.bind(("::1", port))
            b.close()
        except OSError:
            a.close()
            continue
        a.close()
        print(port)
        return 0
    return 1


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def server(name, handler):
        sp = sub.add_parser(name)
        sp.add_argument("port", type=int)
        sp.add_argument("--host", action="append")
        sp.add_argument("--ready")
        sp.set_defaults(func=lambda a: serve(a, handler))
        return sp

    server("echo", h_echo)
    server("banner", h_banner).add_argument("text")
    sp = server("sink", h_sink)
    sp.add_argument("prefix")
    sp.add_argument("--banner")
    sp.add_argument("--shut", action="store_true")
    server("halfclose-server", h_halfclose)
    server("reset-server", h_reset).add_argument("--log")
    server("flood", h_flood).add_argument("--log")
    sp = server("trickle", h_trickle)
    sp.add_argument("--size", type=int, default=1000)
    sp.add_argument("--count", type=int, default=8)
    sp.add_argument("--interval-ms", type=int, default=500)
    sp = server("xfer-server", h_xfer)
    sp.add_argument("--mib", type=int, required=True)
    sp.add_argument("--seed", type=int, required=True)
    sp.add_argument("--report", required=True)

    sp = sub.add_parser("syslog-sink")
    sp.add_argument("path")
    sp.add_argument("file")
    sp.add_argument("--ready")
    sp.set_defaults(func=cmd_syslog_sink)

    sp = sub.add_parser("raw", description=cmd_raw.__doc__,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    sp.add_argument("host")
    sp.add_argument("port", type=int)
    sp.add_argument("tokens", nargs="*")
    sp.add_argument("--chunk", type=int, default=0)
    sp.add_argument("--gap-ms", type=int, default=0)
    sp.add_argument("--half-close", action="store_true",
                    help="shutdown(SHUT_WR) after the last token (same as a final @shut)")
    sp.add_argument("--stop-when-closed", action="store_true",
                    help="stop sending once the reply has ended")
    sp.add_argument("--timeout", type=float, default=5.0)
    sp.add_argument("--out")
    sp.add_argument("--info")
    sp.set_defaults(func=cmd_raw)

    sp = sub.add_parser("check-resp")
    sp.add_argument("file")
    sp.add_argument("--status", type=int)
    sp.add_argument("--version")
    sp.add_argument("--error")
    sp.add_argument("--tunnel")
    sp.add_argument("--tunnel-file")
    sp.add_argument("--info")
    sp.add_argument("--end")
    sp.add_argument("--empty", action="store_true")
    sp.set_defaults(func=cmd_check_resp)

    sp = sub.add_parser("bigxfer")
    sp.add_argument("host")
    sp.add_argument("port", type=int)
    sp.add_argument("target")
    sp.add_argument("--mib", type=int, default=64)
    sp.add_argument("--both", action="store_true")
    sp.add_argument("--seed", type=int)
    sp.add_argument("--peer-seed", type=int)
    sp.add_argument("--timeout", type=float, default=120.0)
    sp.set_defaults(func=cmd_bigxfer)

    sp = sub.add_parser("free-port")
    sp.set_defaults(func=cmd_free_port)

    args = ap.parse_args()
    try:
        sys.exit(args.func(args) or 0)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
