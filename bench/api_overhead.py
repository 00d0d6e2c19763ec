#!/usr/bin/env python3
"""Per-request cost of TLS and of token validation at central (bench/api_overhead.sh).

  api_overhead.py URL N [--ca FILE] [--token TOKEN]
Prints the median and p99 of N GET /v2.0/networks requests, once with a new
connection per request and once over one keep-alive connection.
"""
import argparse
import http.client
import ssl
import statistics
import time
import urllib.parse


def conn(u, ctx):
    if u.scheme == "https":
        return http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=10)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=10)


def run(args):
    u = urllib.parse.urlsplit(args.url)
    ctx = ssl.create_default_context(cafile=args.ca) if args.ca else None
    headers = {"X-Auth-Token": args.token} if args.token else {}
    out = {}
    for mode in ("new-connection", "keep-alive"):
        times = []
        c = conn(u, ctx)
        for _ in range(args.n):
            if mode == "new-connection":
                c = conn(u, ctx)
            start = time.perf_counter()
            c.request("GET", "/v2.0/networks", headers=headers)
            r = c.getresponse()
            r.read()
            times.append(time.perf_counter() - start)
            if r.status != 200:
                raise SystemExit(f"HTTP {r.status}")
            if mode == "new-connection":
                c.close()
        times.sort()
        out[mode] = (statistics.median(times) * 1000, times[int(len(times) * 0.99) - 1] * 1000)
    for mode, (p50, p99) in out.items():
        print(f"{args.label:<28} {mode:<15} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")


p = argparse.ArgumentParser()
p.add_argument("url")
p.add_argument("n", type=int)
p.add_argument("--ca")
p.add_argument("--token")
p.add_argument("--label", default="")
run(p.parse_args())
