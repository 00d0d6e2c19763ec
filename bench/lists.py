#!/usr/bin/env python3
"""Lists at scale (issue 10): a standalone central (--insecure --no-auth) over
a database filled with N ports across several networks (rows written straight
into SQLite: creating them through the API is what the allocation work
measures, not this), then p50 of GET /v2.0/ports?network_id=X&limit=100, of
?network_id=X (every port of one network), of the unfiltered list, and
central's RSS after loading and after the unfiltered lists.

  bench/lists.py [--isthmus build/isthmus] [--ports 100000] [--networks 10]
                 [--lists 100] [--db-cache DIR]
"""
import argparse, http.client, json, os, shutil, signal, socket, sqlite3, statistics
import subprocess, sys, tempfile, time, uuid


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_mib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0


class Central:
    def __init__(self, isthmus, db):
        self.port = free_port()
        self.log = open(db + ".log", "w")
        self.proc = subprocess.Popen([isthmus, "central", "--insecure", "--no-auth", "--listen",
                                      f"127.0.0.1:{self.port}", "--db", db],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if self.call("GET", "/v2.0/clouds")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("central did not come up: see " + db + ".log")

    def call(self, method, path, body=None, conn=None):
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        if not conn:
            c.close()
        return r.status, data

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def fill(isthmus, db, ports, networks):
    """Cloud c1, `networks` networks each with a /16 subnet (made through the
    API), then `ports` port rows spread over them (written into the DB)."""
    c = Central(isthmus, db)
    assert c.call("POST", "/v2.0/clouds", {"cloud": {"name": "c1", "endpoint": "http://127.0.0.1:1"}})[0] == 201
    nets = []
    for i in range(networks):
        code, body = c.call("POST", "/v2.0/networks", {"network": {"name": f"n{i}", "availability_zone_hints": ["c1"]}})
        assert code == 201, body
        net = json.loads(body)["network"]["id"]
        code, body = c.call("POST", "/v2.0/subnets", {"subnet": {"network_id": net, "cidr": f"10.{i}.0.0/16",
                                                                  "ip_version": 4, "enable_dhcp": False}})
        assert code == 201, body
        nets.append((net, json.loads(body)["subnet"]["id"]))
    c.stop()
    con = sqlite3.connect(db)
    rows = []
    for n in range(ports):
        net, sub = nets[n % networks]
        k = n // networks + 10
        rows.append(("port", str(uuid.uuid4()), json.dumps({
            "id": None, "name": f"p{n}", "project_id": "admin", "network_id": net,
            "mac_address": "fa:16:3e:%02x:%02x:%02x" % (n >> 16 & 255, n >> 8 & 255, n & 255),
            "fixed_ips": [{"subnet_id": sub, "ip_address": f"10.{n % networks}.{k >> 8}.{k & 255}"}],
            "device_owner": "compute:nova", "device_id": str(uuid.uuid4()), "host": "", "cloud": "c1"})))
    rows = [(k, i, b.replace('"id": null', '"id": "%s"' % i)) for k, i, b in rows]
    con.executemany("INSERT INTO resources (kind, id, body) VALUES (?, ?, ?)", rows)
    con.commit()
    con.close()
    return [n for n, _ in nets]


def p50(c, path, times):
    conn = http.client.HTTPConnection("127.0.0.1", c.port, timeout=600)
    took, size = [], 0
    for _ in range(times):
        t = time.perf_counter()
        code, data = c.call("GET", path, conn=conn)
        took.append(time.perf_counter() - t)
        assert code == 200, data[:300]
        size = len(data)
    conn.close()
    return statistics.median(took) * 1000, size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--isthmus", default="build/isthmus")
    ap.add_argument("--ports", type=int, default=100000)
    ap.add_argument("--networks", type=int, default=10)
    ap.add_argument("--lists", type=int, default=100)
    ap.add_argument("--filtered", type=int, default=10, help="lists of one whole network")
    ap.add_argument("--concurrent", type=int, default=4, help="clients listing everything at once, at the end")
    ap.add_argument("--db-cache", default="", help="keep the filled database here (reused if present)")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="isthmus-lists.")
    try:
        src = os.path.join(a.db_cache, f"lists-{a.ports}-{a.networks}.db") if a.db_cache else ""
        db = os.path.join(work, "central.db")
        if src and os.path.exists(src):
            shutil.copy(src, db)
            nets = json.loads(open(src + ".nets").read())
        else:
            t = time.time()
            nets = fill(a.isthmus, db, a.ports, a.networks)
            print(f"filled {a.ports} ports in {time.time() - t:.0f} s")
            if src:
                shutil.copy(db, src)
                open(src + ".nets", "w").write(json.dumps(nets))
        t = time.time()
        c = Central(a.isthmus, db)
        print(f"{a.isthmus}: {a.ports} ports over {a.networks} networks; loaded in {time.time() - t:.1f} s, "
              f"RSS {rss_mib(c.proc.pid):.0f} MiB")
        try:
            ms, size = p50(c, f"/v2.0/ports?network_id={nets[0]}&limit=100", 50)
            print(f"GET /v2.0/ports?network_id=X&limit=100: p50 {ms:.1f} ms ({size} bytes)")
            ms, size = p50(c, f"/v2.0/ports?network_id={nets[0]}", a.filtered)
            print(f"GET /v2.0/ports?network_id=X ({a.ports // a.networks} ports): p50 {ms:.0f} ms ({size} bytes), "
                  f"RSS {rss_mib(c.proc.pid):.0f} MiB")
            ms, size = p50(c, f"/v2.0/ports?network_id={nets[0]}&sort_key=name&limit=100", 5)
            print(f"GET /v2.0/ports?network_id=X&sort_key=name&limit=100: p50 {ms:.0f} ms ({size} bytes), "
                  f"RSS {rss_mib(c.proc.pid):.0f} MiB")
            peak = 0
            took = []
            for _ in range(a.lists):
                t = time.perf_counter()
                code, data = c.call("GET", "/v2.0/ports")
                took.append(time.perf_counter() - t)
                assert code == 200
                peak = max(peak, rss_mib(c.proc.pid))
                if os.environ.get("LISTS_TRACE"):
                    print(f"  list {len(took)}: {took[-1] * 1000:.0f} ms, RSS {rss_mib(c.proc.pid):.0f} MiB", flush=True)
                size = len(data)
                del data
            time.sleep(1)  # the body's memory is given back once sent
            print(f"GET /v2.0/ports (all {a.ports}): p50 {statistics.median(took) * 1000:.0f} ms ({size} bytes); "
                  f"RSS after {a.lists} lists {rss_mib(c.proc.pid):.0f} MiB (highest seen between lists {peak:.0f} MiB, "
                  f"peak RSS of the run {rss_mib(c.proc.pid, 'VmHWM'):.0f} MiB)")
            if a.concurrent:
                import threading
                def lists():
                    for _ in range(3):
                        assert c.call("GET", "/v2.0/ports")[0] == 200
                t = time.time()
                threads = [threading.Thread(target=lists) for _ in range(a.concurrent)]
                for th in threads:
                    th.start()
                for th in threads:
                    th.join()
                time.sleep(1)
                print(f"{a.concurrent} clients x 3 unfiltered lists at once: {time.time() - t:.0f} s; RSS after "
                      f"{rss_mib(c.proc.pid):.0f} MiB (peak RSS of the run {rss_mib(c.proc.pid, 'VmHWM'):.0f} MiB)")
        finally:
            c.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
