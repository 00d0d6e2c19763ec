#!/usr/bin/env python3
"""Hostile and heavy clients for tests/integration/trust.sh (loopback only).

  flood.py slow URL N            N clients each send one header byte every 2 s
                                 while ordinary GET / requests are made; prints
                                 "held N answered M worst_ms X" and exits 0 when
                                 every ordinary request got an answer
  flood.py longpoll URL PATH N   N long-polls (GET PATH) held open at once;
                                 prints "ready", holds them --seconds while the
                                 caller acts, then makes one ordinary request;
                                 exits 0 when it got an answer and none of the N
                                 was answered or dropped meanwhile

TLS: --ca FILE [--cert FILE --key FILE]. Every loop is bounded in count and
time; the script stops by itself.
"""
import argparse
import resource
import socket
import ssl
import sys
import time
import urllib.parse


def context(args):
    if not args.ca:
        return None
    ctx = ssl.create_default_context(cafile=args.ca)
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    return ctx


def connect(url, ctx, timeout=10.0):
    u = urllib.parse.urlsplit(url)
    s = socket.create_connection((u.hostname, u.port), timeout=timeout)
    if u.scheme == "https":
        s = ctx.wrap_socket(s, server_hostname=u.hostname)
    return s


def request(url, ctx, path="/", timeout=10.0):
    """One GET; returns (status, seconds) or raises on no answer."""
    start = time.monotonic()
    s = connect(url, ctx, timeout)
    try:
        host = urllib.parse.urlsplit(url).netloc
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
        return status, time.monotonic() - start
    finally:
        s.close()


def slow(args, ctx):
    held = []
    for _ in range(args.n):
        s = connect(args.url, ctx)
        s.sendall(b"G")
        held.append(s)
    answered, failed, worst = 0, 0, 0.0
    header = b"ET / HTTP/1.1\r\nX-Slow: " + b"a" * 64
    deadline = time.monotonic() + args.seconds
    i = 0
    while time.monotonic() < deadline:
        # each slow client sends its next byte (every ~2 s per client)
        for s in held:
            try:
                s.sendall(header[i % len(header):i % len(header) + 1])
            except OSError:
                pass
        i += 1
        for _ in range(4):
            try:
                status, took = request(args.url, ctx)
            except OSError:
                status, took = 0, 0.0
            if status:
                answered += 1
                worst = max(worst, took)
            else:
                failed += 1
            time.sleep(0.5)
    still = 0
    for s in held:
        try:
            s.sendall(b"a")
            still += 1
        except OSError:
            pass
        s.close()
    print(f"held {len(held)} still_open {still} answered {answered} unanswered {failed} "
          f"worst_ms {worst * 1000:.0f}")
    return 0 if answered > 0 and failed == 0 else 1


def longpoll(args, ctx):
    held = []
    host = urllib.parse.urlsplit(args.url).netloc
    opened = time.monotonic()
    for _ in range(args.n):
        s = connect(args.url, ctx)
        s.sendall(f"GET {args.path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        held.append(s)
    opening_s = time.monotonic() - opened
    print("ready", flush=True)
    time.sleep(args.seconds)  # held while the caller acts; nothing is expected back meanwhile
    for s in held:
        s.setblocking(False)
    early = expired = 0
    for s in held:
        try:
            head = s.recv(12)
        except (BlockingIOError, ssl.SSLWantReadError):
            continue
        if head.startswith(b"HTTP/1.1 304"):
            expired += 1  # the server's wait ran out: not an answer to the pushes
        elif head:
            early += 1
    try:
        status, took = request(args.url, ctx)
    except OSError:
        status, took = 0, 0.0
    print(f"held {len(held)} opened_in_s {opening_s:.1f} answered_early {early} expired {expired} "
          f"ordinary_status {status} ordinary_ms {took * 1000:.0f}")
    for s in held:
        s.close()
    return 0 if status and early == 0 else 1


def main():
    # Each held client is a descriptor: lift the soft limit to the hard one.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["slow", "longpoll"])
    p.add_argument("url")
    p.add_argument("rest", nargs="+")
    p.add_argument("--ca")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--seconds", type=float, default=6.0)
    args = p.parse_args()
    if args.mode == "slow":
        args.n = int(args.rest[0])
    else:
        args.path, args.n = args.rest[0], int(args.rest[1])
    ctx = context(args)
    return slow(args, ctx) if args.mode == "slow" else longpoll(args, ctx)


if __name__ == "__main__":
    sys.exit(main())
