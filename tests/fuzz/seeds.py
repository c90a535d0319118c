#!/usr/bin/env python3
"""tests/fuzz/seeds.py: writes the committed seed corpora,
tests/fuzz/corpus/NAME/, one small file per case.

The cases follow /work/shared/SPEC.md: sections B (PROXY protocol), C-F
(request framing, request line, fields, authentication), M (parent proxy)
and the numbered edge cases that a pure parser sees. Run it from anywhere
after changing a case; files it no longer writes are removed, files
libFuzzer minimised from crashes (crash-*, named by hand) are kept.

    python3 tests/fuzz/seeds.py
"""
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")

P = "8080"                      # the port of a test destination
RL = b"CONNECT h:443 HTTP/1.1\r\n"


def ct(target, version=b"HTTP/1.1"):
    return b"CONNECT " + target + b" " + version + b"\r\n\r\n"


# ---------------------------------------------------------------- request
REQUEST = {
    # valid shapes (R15, R17, R22, R37, R38, R40, R41, D2; edges 1, 2, 6, 12)
    "minimal": ct(b"example.com:443"),
    "with-host": b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    "bare-lf-v6": b"CONNECT [::1]:8080 HTTP/1.1\nHost: [::1]:8080\n\n",
    "mixed-endings": b"CONNECT 127.0.0.1:8080 HTTP/1.1\r\nHost: x\nUser-Agent: t\n\r\n",
    "leading-empty-line": b"\r\nCONNECT 127.0.0.1:8080 HTTP/1.1\r\nHost: x\r\n\r\n",
    "five-empty-lines": b"\r\n\n\r\n\n\r\nCONNECT h:443 HTTP/1.1\r\n\r\n",
    "http10-no-host": ct(b"127.0.0.1:8080", b"HTTP/1.0"),
    "http11-no-host": ct(b"127.0.0.1:8080"),
    "http19": ct(b"h:443", b"HTTP/1.9"),
    "http20": ct(b"h:443", b"HTTP/2.0"),
    "http09": ct(b"h:443", b"HTTP/0.9"),
    "http11x": ct(b"h:443", b"HTTP/1.1x"),
    "http-lower": ct(b"h:443", b"http/1.1"),
    "http1": ct(b"h:443", b"HTTP/1"),
    "http110": ct(b"h:443", b"HTTP/1.10"),
    "version-trailing-space": b"CONNECT h:443 HTTP/1.1 \r\n\r\n",
    "host-differs": b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: other.example\r\n\r\n",
    "host-empty": RL + b"Host:\r\n\r\n",
    "host-twice": RL + b"Host: h\r\nHost: h\r\n\r\n",
    "host-space": RL + b"Host: a b\r\n\r\n",
    "host-v6-port": RL + b"Host: [2001:db8::1]:443\r\n\r\n",
    "host-empty-port": RL + b"Host: h:\r\n\r\n",
    "host-lower-name": RL + b"host: h\r\n\r\n",
    "pipelined-data": RL + b"Host: h\r\n\r\nHELLO\r\n\r\nCONNECT x:1 HTTP/1.1\r\n\r\n",
    "tls-after-head": RL + b"\r\n\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    "retry-after-407": RL + b"\r\nCONNECT h:443 HTTP/1.1\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n",
    # ports (R33, D7; edge 7)
    "port-0": ct(b"h:0"),
    "port-65535": ct(b"h:65535"),
    "port-65536": ct(b"h:65536"),
    "port-empty": ct(b"h:"),
    "port-none": ct(b"h"),
    "port-leading-zero": ct(b"h:0443"),
    "port-space": b"CONNECT h:4 43 HTTP/1.1\r\n\r\n",
    "port-minus": ct(b"h:-1"),
    "port-plus": ct(b"h:+443"),
    "port-suffix": ct(b"h:443abc"),
    "port-huge": ct(b"h:99999999999999999999999"),
    # IPv6 and IPv4 forms (R34, R55; edges 8, 9)
    "v6-loopback": ct(b"[::1]:" + P.encode()),
    "v6-unbracketed": ct(b"::1:" + P.encode()),
    "v6-no-port": ct(b"[::1]"),
    "v6-empty": ct(b"[]:" + P.encode()),
    "v6-no-colon": ct(b"[::1]" + P.encode()),
    "v6-bad-hex": ct(b"[zz::1]:" + P.encode()),
    "v6-mapped": ct(b"[::ffff:127.0.0.1]:" + P.encode()),
    "v6-zone": ct(b"[fe80::1%25lo]:" + P.encode()),
    "v6-unclosed": ct(b"[::1:443"),
    "v6-full": ct(b"[2001:0db8:0000:0000:0000:ff00:0042:8329]:443"),
    "v4-short": ct(b"127.1:443"),
    "v4-decimal": ct(b"2130706433:443"),
    "v4-hex": ct(b"0x7f.1:443"),
    "v4-octal": ct(b"0177.0.0.1:443"),
    "v4-bad": ct(b"1.2.3.256:443"),
    "name-upper": ct(b"LOCALHOST:443"),
    "name-trailing-dot": ct(b"localhost.:443"),
    "name-two-dots": ct(b"a..b:443"),
    "name-underscore": ct(b"_srv.ex-ample.com:443"),
    "name-percent": ct(b"a%2eb:443"),
    "name-label-63": ct(b"a" * 63 + b".com:443"),
    "name-label-64": ct(b"a" * 64 + b".com:443"),
    "name-254": ct(b".".join([b"a" * 63] * 3 + [b"a" * 62]) + b":443"),
    "name-253": ct(b".".join([b"a" * 63] * 3 + [b"a" * 61]) + b":443"),
    # target forms (R31)
    "target-https": ct(b"https://h:443/"),
    "target-slash": ct(b"h:443/"),
    "target-userinfo": ct(b"u@h:443"),
    "target-1100": ct(b"a" * 1100 + b":443"),
    # request line and methods (R29, R30, R32, R26; edges 10, 11)
    "method-lower": ct(b"h:443").replace(b"CONNECT", b"connect"),
    "method-tab": b"CONNECT\th:443 HTTP/1.1\r\n\r\n",
    "double-space": b"CONNECT  h:443 HTTP/1.1\r\n\r\n",
    "get-origin": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    "get-absolute": b"GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n",
    "options-star": b"OPTIONS * HTTP/1.1\r\n\r\n",
    "long-method": b"CONNECTCONNECTCONNECT h:1 HTTP/1.1\r\n\r\n",
    "proxy-v1-line": b"PROXY TCP4 203.0.113.7 192.0.2.1 5000 443\r\nCONNECT h:443 HTTP/1.1\r\n\r\n",
    # fields (R16-R22, R39, R42-R44; edges 13, 16, 17)
    "bare-cr-value": RL + b"X-A: a\rb\r\n\r\n",
    "ws-led-first": RL + b" Host: x\r\n\r\n",
    "space-before-colon": RL + b"Host : x\r\n\r\n",
    "obs-fold": RL + b"X-A: a\r\n b\r\n\r\n",
    "nul-in-value": RL + b"X-A: a\x00b\r\n\r\n",
    "del-in-value": RL + b"X-A: a\x7fb\r\n\r\n",
    "obs-text": RL + b"X-A: caf\xc3\xa9 \xff\r\n\r\n",
    "utf8-lf-like": RL + b"X-A: \xe0\x8a\x8a\xc4\x8a\r\n\r\n",
    "te-chunked": RL + b"Transfer-Encoding: chunked\r\n\r\n",
    "cl-0": RL + b"Content-Length: 0\r\n\r\n",
    "cl-00": RL + b"Content-Length: 00\r\n\r\n",
    "cl-5": RL + b"Content-Length: 5\r\n\r\nHELLO",
    "expect-100": RL + b"Expect: 100-continue\r\nProxy-Connection: keep-alive\r\n\r\n",
    "auth-basic": RL + b"Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n",
    "auth-ows": RL + b"proxy-AUTHORIZATION:   Basic dXNlcjpwYXNz  \t\r\n\r\n",
    "auth-twice": RL + b"Proxy-Authorization: Basic dXNlcjpwYXNz\r\n"
                       b"Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n",
    "auth-bearer": RL + b"Proxy-Authorization: Bearer x\r\n\r\n",
    "empty-name": RL + b": x\r\n\r\n",
    "no-colon": RL + b"Host\r\n\r\n",
    "fields-101": RL + b"".join(b"X-%d: v\r\n" % i for i in range(101)) + b"\r\n",
    "big-header": RL + b"X-Big: " + b"a" * 7900 + b"\r\n\r\n",
    # unfinished heads (R25-R28; edge 15): request_parse_truncated
    "unfinished-line": b"CONNECT h:443 HTTP/1.1",
    "unfinished-fields": RL + b"Host: h\r\n",
    "unfinished-cr": b"CONNECT h:443 HTTP/1.1\r",
    "truncated-8192": RL + b"X-Pad: " + b"a" * (8192 - len(RL) - 7),
    "truncated-target": b"CONNECT " + b"a" * 8184,
    "truncated-method": b"CONNECTCONNECT" + b"a" * 100,
}

# ---------------------------------------------------------------- config
def shipped_config():
    with open(os.path.join(TOP, "packaging", "connectd.conf"), "rb") as f:
        return f.read()


CONFIG = {
    "shipped": shipped_config(),
    "default-policy": b"deny to internal\nallow from internal to any port 443\n",
    "settings": b"request_timeout 10s\nconnect_timeout 500ms\nidle_timeout 10m\n"
                b"max_lifetime 2h\nhalf_close no\nhalf_close_timeout 0\n"
                b"realm \"corp proxy\"\nclient_address env\n",
    "durations-bad": b"idle_timeout 7d\n",
    "duration-max": b"idle_timeout 168h\n",
    "duration-over": b"idle_timeout 169h\n",
    "request-timeout-0": b"request_timeout 0\n",
    "rules": b"allow from 10.0.0.0/8,::1 to .example.com,192.0.2.0/24,internal port 443,8000-8100\n"
             b"deny to internal\nallow\ndeny port 25\n"
             b"allow port 443 to internal,.Example.COM from any\n",
    "rule-forms": b"allow to 192.0.2.1/32\nallow to 2001:db8::1/128\n"
                  b"allow to ::ffff:10.0.0.0/104\nallow to 2001:DB8::/32\n"
                  b"allow from 0.0.0.0/0,::/0\nallow from internal,any\n"
                  b"allow from INTERNAL to ANY\nallow to any.,Internal.\n"
                  b"allow to internal,10.0.0.0/8,a.b,any,.c.d\n"
                  b"allow port 1-65535,any\nallow port 443-443,65535\n"
                  b"allow to example.com.\nallow to .Example.com.\n"
                  b"allow to _srv.ex-ample.com\ndeny to 64:ff9b::/96,fe80::/10\n"
                  b"  deny   to   a.com   # why\n",
    "v4-looking-names": b"deny to 127.1,2130706433,0x7f.1\n",
    "host-bits": b"allow from 10.0.0.1/8\n",
    "bad-prefix": b"allow from 10.0.0.0/33\n",
    "wildcard": b"allow to *.example.com\n",
    "ports-bad": b"allow port 0\nallow port 443-80\n",
    "empty-item": b"allow to a.com,,b.com\n",
    "users": b"allow user alice,bob to any port 443\nallow user * port 22\n"
             b"deny user mallory\n",
    "user-quoted": b"allow user \"carol\" port 443\n",
    "parents": b"parent corp1 proxy.corp.example:3128\nparent v6 [2001:db8::8]:8080\n"
               b"allow to .corp.example port 443 via corp1,v6,direct\n"
               b"allow to any via corp1\n",
    "parent-bad": b"parent direct h:1\nparent a-b h\n",
    "via-twice": b"parent p h:1\nallow via p,p\n",
    "via-deny": b"parent p h:1\ndeny via p\n",
    "via-unknown": b"allow via nowhere\n",
    "proxy-protocol": b"proxy_protocol from 10.0.0.1,192.0.2.0/24,internal\n"
                      b"deny to internal\nallow port 443\n",
    "quoting": b"realm \"a \\\"quoted\\\" realm\"\nallow to \"example.com\"  # c\n",
    "quote-errors": b"realm \"unterminated\nrealm \"bad\\n\"\nallow to a\"b\n",
    "control-chars": b"allow\x01 to x\n",
    "crlf": b"deny to internal\r\nallow port 443\r\n",
    "comment-in-word": b"allow to a.com#comment\n",
    "too-many-words": b"allow " + b"a " * 20 + b"\n",
    "unknown-directive": b"bogus yes\n",
    "flag-bad": b"half_close maybe\n",
    "nul": b"allow\x00to x\n",
    "long-line": b"allow to " + b"a," * 2100 + b"a\n",
}

# ---------------------------------------------------------------- auth
B64 = {
    "user:pass": b"dXNlcjpwYXNz",
    "user:pa:ss": b"dXNlcjpwYTpzcw==",
    "user:": b"dXNlcjo=",
    "nocolon": b"bm9jb2xvbg==",
    "u\\0:p": b"dQA6cA==",
    ":pass": b"OnBhc3M=",
    "alice:s3cr\xc3\xa9t": b"YWxpY2U6czNjcsOpdA==",
}
AUTH = {
    "basic": b"Basic " + B64["user:pass"],
    "basic-lower": b"basic " + B64["user:pass"],
    "basic-upper": b"BASIC " + B64["user:pass"],
    "basic-two-spaces": b"Basic  " + B64["user:pass"],
    "password-colon": b"Basic " + B64["user:pa:ss"],
    "password-empty": b"Basic " + B64["user:"],
    "no-colon": b"Basic " + B64["nocolon"],
    "nul": b"Basic " + B64["u\\0:p"],
    "empty-user": b"Basic " + B64[":pass"],
    "utf8": b"Basic " + B64["alice:s3cr\xc3\xa9t"],
    "bad-base64": b"Basic dXNlcjpwYXNz!!!!",
    "base64url": b"Basic dXNlcjpw-_Nz",
    "padding-bits": b"Basic dXNlcjo=".replace(b"o=", b"p="),
    "no-padding": b"Basic dXNlcjo",
    "bearer": b"Bearer x",
    "digest": b"Digest username=\"u\"",
    "scheme-only": b"Basic",
    "scheme-space": b"Basic ",
    "bad-scheme": b"Ba(sic x",
    "long-token": b"Basic " + b"QUFB" * 430,
    # htpasswd lines (auth_line_parse)
    "htpasswd": b"# users\n\nalice:$2b$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a\n"
                b"bob:$y$j9T$abcdefghijklmnop$3dL1LkYnZM.OVXuVdnnaKVDlLYT92dRwOzDZ5XiVCe.\n"
                b"carol:$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1\r\n"
                b"dave:$5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA\n",
    "htpasswd-legacy": b"a:$apr1$salt$hash\nb:$1$salt$hash\nc:{SHA}abc=\nd:abcdefghijklm\n"
                       b"e:plaintext\nf:$2x$05$abc\ng:$9$x\nh:\n:nouser\nnocolon\n",
    "htpasswd-truncated": b"alice:$2b$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0\n"
                          b"bob:$y$j9T$abc\n",
    "htpasswd-ctl": b"al\x01ice:$5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA\n"
                    b"  \t\n  # indented comment\n",
}

# ---------------------------------------------------------------- parent
OK200 = b"HTTP/1.1 200 Connection established\r\n"
PARENT = {
    "200": OK200 + b"\r\n",
    "200-cl-banner": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nBANNER",
    "200-no-reason": b"HTTP/1.1 200\r\n\r\n",
    "200-empty-reason": b"HTTP/1.1 200 \r\n\r\n",
    "100-then-200": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200\r\n\r\n",
    "103-then-200": b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + OK200 + b"Via: 1.1 p\r\n\r\n",
    "101": b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
    "407": b"HTTP/1.1 407 Proxy Authentication Required\r\n"
           b"Proxy-Authenticate: Basic realm=\"p\"\r\nContent-Length: 0\r\n\r\n",
    "502-body": b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 5\r\n\r\nerror",
    "http10": b"HTTP/1.0 200 Connection established\r\n\r\n",
    "bare-lf": b"HTTP/1.1 200 OK\nVia: p\n\n",
    "garbage": b"garbage\r\n\r\n",
    "ssh-banner": b"SSH-2.0-OpenSSH_9.6\r\n",
    "http2": b"HTTP/2 200\r\n\r\n",
    "status-600": b"HTTP/1.1 600 Nope\r\n\r\n",
    "status-099": b"HTTP/1.1 099 Nope\r\n\r\n",
    "status-short": b"HTTP/1.1 20\r\n\r\n",
    "reason-ctl": b"HTTP/1.1 200 O\x01K\r\n\r\n",
    "bare-cr": b"HTTP/1.1 200 OK\r\nVia: a\rb\r\n\r\n",
    "obs-fold": OK200 + b"Via: a\r\n b\r\n\r\n",
    "space-before-colon": OK200 + b"Via : a\r\n\r\n",
    "unfinished": b"HTTP/1.1 200 OK\r\nVia: p\r\n",
    "unfinished-cr": b"HTTP/1.1 200 OK\r",
    "prefix-only": b"HTTP/1.",
    "many-1xx": b"HTTP/1.1 100 Continue\r\n\r\n" * 20 + b"HTTP/1.1 204\r\n\r\n",
    "obs-text": OK200 + b"X-A: \xff\xfe\r\n\r\n",
}

# ---------------------------------------------------------------- proxyproto
SIG = b"\r\n\r\n\x00\r\nQUIT\n"
CONN = b"CONNECT 127.0.0.1:8080 HTTP/1.1\r\n\r\n"


def v2(ver_cmd, fam, body, length=None):
    n = len(body) if length is None else length
    return SIG + bytes([ver_cmd, fam]) + struct.pack(">H", n) + body


V4BLOCK = bytes([203, 0, 113, 7, 192, 0, 2, 1]) + struct.pack(">HH", 5000, 443)
V6BLOCK = (bytes.fromhex("20010db8000000000000000000000007") +
           bytes.fromhex("20010db8000000000000000000000001") + struct.pack(">HH", 5000, 443))
TLVS = bytes([0x03, 0, 4, 1, 2, 3, 4, 0x04, 0, 0]) + bytes([0x20, 0, 5, 1, 0, 0, 0, 0]) + \
    bytes([0x01, 0, 2]) + b"h2"
PROXYPROTO = {
    # v1 (R7, R8, R13; edge 26)
    "v1-tcp4": b"PROXY TCP4 203.0.113.7 192.0.2.1 5000 443\r\n" + CONN,
    "v1-tcp6": b"PROXY TCP6 2001:db8::7 2001:db8::1 5000 443\r\n" + CONN,
    "v1-unknown": b"PROXY UNKNOWN\r\n" + CONN,
    "v1-unknown-rest": b"PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\nCONNECT h:1 HTTP/1.1\n\n",
    "v1-bare-lf": b"PROXY TCP4 203.0.113.7 192.0.2.1 5000 443\n" + CONN,
    "v1-bare-cr": b"PROXY TCP4 203.0.113.7 192.0.2.1 5000 443\rX",
    "v1-leading-zero": b"PROXY TCP4 010.0.0.1 192.0.2.1 5000 443\r\n",
    "v1-port-zero-lead": b"PROXY TCP4 10.0.0.1 192.0.2.1 05000 443\r\n",
    "v1-port-65536": b"PROXY TCP4 10.0.0.1 192.0.2.1 65536 443\r\n",
    "v1-family-mismatch": b"PROXY TCP4 2001:db8::7 192.0.2.1 5000 443\r\n",
    "v1-double-space": b"PROXY TCP4  203.0.113.7 192.0.2.1 5000 443\r\n",
    "v1-max-107": b"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                  b"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
    "v1-108-no-crlf": b"PROXY UNKNOWN " + b"x" * 94,
    "v1-fragment": b"PROXY TCP4 203.0.",
    "v1-lower": b"proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
    "v1-udp": b"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
    # v2 (R9-R12; edge 27)
    "v2-tcp4": v2(0x21, 0x11, V4BLOCK) + CONN,
    "v2-tcp6": v2(0x21, 0x21, V6BLOCK) + CONN,
    "v2-local-junk": v2(0x20, 0x00, b"j" * 12) + CONN,
    "v2-local-fam": v2(0x20, 0x41, b""),
    "v2-tlvs": v2(0x21, 0x11, V4BLOCK + TLVS),
    "v2-unspec": v2(0x21, 0x00, b""),
    "v2-udp4": v2(0x21, 0x12, V4BLOCK),
    "v2-udp6": v2(0x21, 0x22, V6BLOCK),
    "v2-unix": v2(0x21, 0x31, b"/run/a".ljust(108, b"\0") + b"/run/b".ljust(108, b"\0")),
    "v2-unix-dgram": v2(0x21, 0x32, b"\0" * 216),
    "v2-ver1": v2(0x11, 0x11, V4BLOCK),
    "v2-ver3": v2(0x31, 0x11, V4BLOCK),
    "v2-cmd2": v2(0x22, 0x11, V4BLOCK),
    "v2-fam41": v2(0x21, 0x41, V4BLOCK),
    "v2-short-len": v2(0x21, 0x11, V4BLOCK[:8]),
    "v2-truncated": v2(0x21, 0x11, V4BLOCK)[:20],
    "v2-sig-only": SIG,
    "v2-len-large": v2(0x21, 0x11, V4BLOCK, length=0xffff),
    "v2-bad-sig": b"\r\n\r\n\x00\r\nQUIX\n\x21\x11\x00\x0c" + V4BLOCK,
    "plain-connect": CONN,
}

# ---------------------------------------------------------------- policy
DEFAULT_CONF = b"deny to internal\nallow from internal to any port 443\n"


def pol(conf, target, user=b"", client=b"", answer=b"", local=b"203.0.113.7,2001:db8::7"):
    return conf + b"%%\n" + b"\n".join([target, user, client, answer, local]) + b"\n"


USERS = b"deny to internal\nallow user alice to .example.com port 443\n" \
        b"allow user * to 198.51.100.0/24\n"
PARENTS = b"parent corp proxy.corp.example:3128\n" \
          b"deny to internal\nallow to .corp.example via corp\n" \
          b"allow to .mixed.example via corp,direct\nallow port 443\n"
POLICY = {
    "default-name": pol(DEFAULT_CONF, b"example.com:443", client=b"10.0.0.5", answer=b"93.184.216.34"),
    "default-upper-dot": pol(DEFAULT_CONF, b"EXAMPLE.COM.:443", client=b"10.0.0.5", answer=b"93.184.216.34"),
    "default-literal": pol(DEFAULT_CONF, b"93.184.216.34:443", client=b"10.0.0.5"),
    "default-loopback": pol(DEFAULT_CONF, b"127.0.0.1:443", client=b"10.0.0.5"),
    "default-127-1": pol(DEFAULT_CONF, b"127.1:443", client=b"10.0.0.5"),
    "default-localhost": pol(DEFAULT_CONF, b"localhost:443", client=b"10.0.0.5", answer=b"127.0.0.1,::1"),
    "default-mixed": pol(DEFAULT_CONF, b"mixed.example:443", client=b"10.0.0.5",
                         answer=b"93.184.216.34,127.0.0.1"),
    "default-mapped": pol(DEFAULT_CONF, b"[::ffff:127.0.0.1]:443", client=b"10.0.0.5"),
    "default-nat64": pol(DEFAULT_CONF, b"nat64.example:443", client=b"10.0.0.5", answer=b"64:ff9b::7f00:1"),
    "default-compat": pol(DEFAULT_CONF, b"compat.example:443", client=b"10.0.0.5", answer=b"::7f00:1"),
    "default-metadata": pol(DEFAULT_CONF, b"169.254.169.254:443", client=b"10.0.0.5"),
    "default-port-25": pol(DEFAULT_CONF, b"example.com:25", client=b"10.0.0.5", answer=b"93.184.216.34"),
    "default-outside": pol(DEFAULT_CONF, b"example.com:443", client=b"198.51.100.7", answer=b"93.184.216.34"),
    "default-no-client": pol(DEFAULT_CONF, b"example.com:443", answer=b"93.184.216.34"),
    "default-client-mapped": pol(DEFAULT_CONF, b"example.com:443", client=b"::ffff:10.0.0.5",
                                 answer=b"93.184.216.34"),
    "default-self": pol(DEFAULT_CONF, b"203.0.113.7:443", client=b"10.0.0.5"),
    "default-self-name": pol(DEFAULT_CONF, b"self.example:443", client=b"10.0.0.5", answer=b"203.0.113.7"),
    "default-nxdomain": pol(DEFAULT_CONF, b"nxdomain.example:443", client=b"10.0.0.5", answer=b"E\x01"),
    "default-empty-answer": pol(DEFAULT_CONF, b"empty.example:443", client=b"10.0.0.5", answer=b""),
    "default-17-answers": pol(DEFAULT_CONF, b"many.example:443", client=b"10.0.0.5",
                              answer=b",".join(b"198.51.100.%d" % i for i in range(17)) + b",127.0.0.1"),
    "shipped": pol(shipped_config(), b"example.com:443", client=b"192.168.1.2", answer=b"93.184.216.34"),
    "users-none": pol(USERS, b"www.example.com:443", client=b"10.0.0.5", answer=b"93.184.216.34"),
    "users-alice": pol(USERS, b"www.example.com:443", user=b"alice", client=b"10.0.0.5",
                       answer=b"93.184.216.34"),
    "users-bob-cidr": pol(USERS, b"x.example:22", user=b"bob", answer=b"198.51.100.1,10.0.0.1"),
    "users-anon-cidr": pol(USERS, b"x.example:22", answer=b"198.51.100.1"),
    "parents-only": pol(PARENTS, b"intranet.corp.example:443", client=b"10.0.0.5", answer=b"10.1.2.3"),
    "parents-direct": pol(PARENTS, b"www.mixed.example:443", answer=b"93.184.216.34,127.0.0.1"),
    "parents-literal": pol(PARENTS, b"[2001:db8::1]:443"),
    "names": pol(b"deny to .trusted.net\nallow to trusted.net,.example.com,any.\n"
                 b"allow to 10.0.0.0/8,::1 port 1-1024\n",
                 b"untrusted.net:80", answer=b"10.9.9.9"),
    "from-internal-local": pol(b"allow from internal to internal\n", b"h:1", client=b"2001:db8::7",
                               answer=b"2001:db8::7"),
}

SETS = {
    "request": REQUEST,
    "config": CONFIG,
    "auth": AUTH,
    "parent": PARENT,
    "proxyproto": PROXYPROTO,
    "policy": POLICY,
}


def main():
    for name, cases in SETS.items():
        d = os.path.join(CORPUS, name)
        os.makedirs(d, exist_ok=True)
        for old in os.listdir(d):
            if not old.startswith("crash-") and old not in cases:
                os.remove(os.path.join(d, old))
        for case, data in cases.items():
            assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*", case), case
            with open(os.path.join(d, case), "wb") as f:
                f.write(data)
        print("%-10s %3d seeds" % (name, len(cases)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
