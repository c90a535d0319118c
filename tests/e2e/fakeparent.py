#!/usr/bin/env python3
"""A scripted parent proxy for connectd's end-to-end tests (stdlib only).

  fakeparent.py PORT DIR [--host H] [--ready FILE]

Listens on 127.0.0.1 (or each --host) and, for every connection N:

  1. reads the request head up to and including the first CRLF CRLF (at
     most 64 KiB, within 10 s) and stores exactly those bytes in DIR/N.req;
  2. reads DIR/reply (raw bytes, re-read for every connection, so a test
     changes the answer between cases without restarting) and acts on it:
       @silent   answer nothing; wait for the peer to close
       @close    close at once without answering
       anything else: sent with one sendall (one segment on loopback), then, when
                 DIR/mode says "echo" (the default), every later byte is
                 echoed back; with "hold" later bytes are only recorded;
                 with "close" the connection is closed right after;
  3. appends what arrives after the head to DIR/N.data.

DIR/conns gets "accept N" and "close N BYTES_AFTER_HEAD" lines. "PORT PID"
goes to --ready once the sockets listen.
"""

import argparse
import os
import socket
import sys
import threading

HEAD_MAX = 65536
LOCK = threading.Lock()


def log(d, line):
    with LOCK:
        with open(os.path.join(d, "conns"), "a") as f:
            f.write(line + "\n")


def read_file(path, default=b""):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return default


def handle(conn, cid, d):
    log(d, "accept %d" % cid)
    buf = b""
    after = 0
    conn.settimeout(10)
    try:
        while b"\r\n\r\n" not in buf and len(buf) < HEAD_MAX:
            chunk = conn.recv(65536)
            if not chunk:
                break
            buf += chunk
        end = buf.find(b"\r\n\r\n")
        head, rest = (buf[:end + 4], buf[end + 4:]) if end >= 0 else (buf, b"")
        with open(os.path.join(d, "%d.req" % cid), "wb") as f:
            f.write(head)
        reply = read_file(os.path.join(d, "reply"))
        mode = read_file(os.path.join(d, "mode"), b"echo").strip()
        if reply.strip() == b"@close":
            return
        conn.settimeout(None)
        data = open(os.path.join(d, "%d.data" % cid), "ab")
        try:
            if reply.strip() != b"@silent":
                conn.sendall(reply)
                if mode == b"close":
                    return
            while True:
                if rest:
                    data.write(rest)
                    data.flush()
                    after += len(rest)
                    if mode == b"echo" and reply.strip() != b"@silent":
                        conn.sendall(rest)
                rest = conn.recv(65536)
                if not rest:
                    break
        finally:
            data.close()
    except OSError:
        pass
    finally:
        log(d, "close %d %d" % (cid, after))
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("dir")
    ap.add_argument("--host", action="append")
    ap.add_argument("--ready")
    a = ap.parse_args()
    socks = []
    for h in a.host or ["127.0.0.1"]:
        s = socket.socket(socket.AF_INET6 if ":" in h else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((h, a.port))
        s.listen(64)
        socks.append(s)
    if a.ready:
        with open(a.ready + ".tmp", "w") as f:
            f.write("%d %d\n" % (a.port, os.getpid()))
        os.rename(a.ready + ".tmp", a.ready)
    n = [0]

    def accept_loop(s):
        while True:
            c, _ = s.accept()
            with LOCK:
                n[0] += 1
                cid = n[0]
            threading.Thread(target=handle, args=(c, cid, a.dir), daemon=True).start()

    for s in socks[1:]:
        threading.Thread(target=accept_loop, args=(s,), daemon=True).start()
    accept_loop(socks[0])


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
