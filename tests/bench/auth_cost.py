#!/usr/bin/env python3
"""Time to the 200 with Basic auth, per password hash scheme.

connectd checks the password with crypt(3) on every connection (one
process each, no cache), so the hash's cost is the tunnel's set-up cost.
This starts connectd under systemd-socket-activate on loopback with an
auth file per scheme (hashes made with libxcrypt's default cost, and
bcrypt at cost 10 and 12 for comparison), opens N tunnels one after the
other to a local echo server, checks each 200 and echo, and prints the
median and p90 time from connect() to the end of the 200 head.

Usage: python3 tests/bench/auth_cost.py [N]   (root not needed)
"""
import ctypes, os, socket, statistics, subprocess, sys, tempfile, threading, time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 30
crypt = ctypes.CDLL("libcrypt.so.1")
crypt.crypt_gensalt_rn.restype = ctypes.c_char_p
crypt.crypt.restype = ctypes.c_char_p


def make_hash(prefix, count, password):
    buf = ctypes.create_string_buffer(256)
    salt = crypt.crypt_gensalt_rn(prefix.encode(), count, None, 0, buf, 256)
    return crypt.crypt(password.encode(), salt).decode()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def echo_server(port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(128)

    def serve(c):
        with c:
            while (d := c.recv(65536)):
                c.sendall(d)

    def loop():
        while True:
            c, _ = srv.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def wait_listening(port, deadline=10):
    end = time.time() + deadline
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise SystemExit("connectd did not start on %d" % port)


def one_tunnel(port, echo, token):
    req = ("CONNECT 127.0.0.1:%d HTTP/1.1\r\n" % echo).encode()
    if token:
        req += b"Proxy-Authorization: Basic " + token + b"\r\n"
    req += b"\r\n"
    t0 = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(req)
    head = b""
    while b"\r\n\r\n" not in head:
        d = s.recv(4096)
        if not d:
            break
        head += d
    t1 = time.perf_counter()
    if not head.startswith(b"HTTP/1.1 200 "):
        raise SystemExit("unexpected answer: %r" % head[:80])
    s.sendall(b"ping")
    got = b""
    while len(got) < 4:
        got += s.recv(4)
    s.close()
    if got != b"ping":
        raise SystemExit("echo failed")
    return (t1 - t0) * 1000


def measure(label, scheme_line, token, echo, tmp):
    conf = os.path.join(tmp, label + ".conf")
    with open(conf, "w") as f:
        if scheme_line:
            users = os.path.join(tmp, label + ".users")
            with open(users, "w") as u:
                u.write(scheme_line + "\n")
            os.chmod(users, 0o600)
            f.write("auth_file %s\nallow user * to 127.0.0.1 port %d\n" % (users, echo))
        else:
            f.write("allow to 127.0.0.1 port %d\n" % echo)
    port = free_port()
    proc = subprocess.Popen(["systemd-socket-activate", "-l", "127.0.0.1:%d" % port,
                             "-a", "--inetd", os.path.join(TOP, "connectd"), "-c", conf],
                            stderr=subprocess.DEVNULL)
    try:
        wait_listening(port)
        times = sorted(one_tunnel(port, echo, token) for _ in range(N))
    finally:
        proc.terminate()
        proc.wait()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def setting(h):
    """The cost part of a hash: $2b$NN$, $y$PARAMS$, $6$ (5000 rounds)."""
    if not h:
        return "-"
    f = h.split("$")
    if f[1] in ("2b", "y"):
        return "$%s$%s$" % (f[1], f[2])
    return "$%s$%s" % (f[1], f[2] + "$" if f[2].startswith("rounds=") else "")


def main():
    import base64
    token = base64.b64encode(b"alice:correct horse").decode().encode()
    echo = free_port()
    echo_server(echo)
    schemes = [
        ("none", None),
        ("bcrypt-default", make_hash("$2b$", 0, "correct horse")),
        ("bcrypt-cost8", make_hash("$2b$", 8, "correct horse")),
        ("bcrypt-cost10", make_hash("$2b$", 10, "correct horse")),
        ("bcrypt-cost12", make_hash("$2b$", 12, "correct horse")),
        ("yescrypt-default", make_hash("$y$", 0, "correct horse")),
        ("sha512crypt-default", make_hash("$6$", 0, "correct horse")),
        ("sha256crypt-default", make_hash("$5$", 0, "correct horse")),
    ]
    print("| scheme | setting | time to 200, median ms | p90 ms |")
    print("| --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for label, h in schemes:
            line = "alice:" + h if h else None
            med, p90 = measure(label, line, token if h else None, echo, tmp)
            print("| %s | `%s` | %.1f | %.1f |" % (label, setting(h), med, p90))


if __name__ == "__main__":
    main()
