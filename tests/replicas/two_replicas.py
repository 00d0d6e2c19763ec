#!/usr/bin/env python3
"""Two replicas of central on one PostgreSQL (docs/architecture.md, "Replicas").

Starts two `isthmus central` processes of the built binary on one fresh
database, and a recording cloud (a small HTTP endpoint that applies central's
events as a cloud does: contiguous seqs, a gap refused with 409, redeliveries
skipped; it records every event it applies and how many pushes were in flight
at once). Then:

  1. the cloud is registered through replica A, its network made through B and
     its subnet through A (each replica sees what the other just committed);
  2. PORTS concurrent port creates through both replicas (8 clients): no
     duplicate IP or MAC among the 201s, both replicas list every port, the
     cloud applies every port's upsert exactly once, in seq order, from one
     pusher at a time;
  3. creates go on through both while the replica pushing the cloud is killed
     with SIGKILL: nothing acknowledged is lost (the survivor lists every 201,
     the cloud receives each once), the survivor takes over the pushes.

Prints creates/s through two replicas and through one, and the takeover time.
Exits non-zero on any failure. Usage (scripts/postgres-test runs it):
  two_replicas.py --isthmus build/isthmus --admin-url postgresql://u@h:p/postgres --psql PATH
"""
import argparse
import collections
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

PORTS = int(os.environ.get("REPLICAS_PORTS", "300"))
CLIENTS = 8


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(base, method, path, body=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def wait_for(what, cond, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


class Cloud:
    """Applies central's events as src/cloud/cloud_db.cc's CheckSequence does."""

    def __init__(self):
        self.mu = threading.Lock()
        self.applied = 0
        self.events = []        # (seq, kind, op, id), applied, in order
        self.pushes = []        # (monotonic time, first seq, last seq applied by it)
        self.gaps = 0           # batches refused for a gap
        self.disorder = 0       # batches whose seqs were not contiguous
        self.redelivered = 0    # events at or below the applied seq
        self.in_flight = 0
        self.max_in_flight = 0
        cloud = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def answer(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(n) or b"{}")
                if self.path != "/v1/federation/events":
                    return self.answer(404, {})
                with cloud.mu:
                    cloud.in_flight += 1
                    cloud.max_in_flight = max(cloud.max_in_flight, cloud.in_flight)
                try:
                    time.sleep(0.002)  # a cloud's transaction: overlapping pushes would show
                    code, out = cloud.apply(body.get("events", []))
                finally:
                    with cloud.mu:
                        cloud.in_flight -= 1
                self.answer(code, out)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def apply(self, events):
        with self.mu:
            seqs = [e["seq"] for e in events]
            if not seqs or any(b != a + 1 for a, b in zip(seqs, seqs[1:])):
                self.disorder += 1
                return 400, {"applied_seq": self.applied}
            if seqs[0] > self.applied + 1:
                self.gaps += 1
                return 409, {"applied_seq": self.applied}
            first = None
            for e in events:
                if e["seq"] <= self.applied:
                    self.redelivered += 1
                    continue
                first = first or e["seq"]
                self.events.append((e["seq"], e["kind"], e["op"], e["id"]))
                self.applied = e["seq"]
            if first:
                self.pushes.append((time.monotonic(), first, self.applied))
            return 200, {"applied_seq": self.applied}

    def upserts(self, kind):
        with self.mu:
            return collections.Counter(i for _, k, op, i in self.events if k == kind and op == "upsert")


class Central:
    def __init__(self, name, isthmus, db, logdir):
        self.name = name
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(logdir, name + ".log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([isthmus, "central", "--db", db, "--listen", "127.0.0.1:%d" % self.port,
                                      "--no-auth", "--insecure"], stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(name + " to serve", self.serving)

    def serving(self):
        if self.proc.poll() is not None:
            raise AssertionError("%s exited: %s" % (self.name, open(self.log_path).read()[-2000:]))
        try:
            return call(self.base, "GET", "/")[0] == 200
        except OSError:
            return False

    def pushes(self, cloud):
        """True if this replica's log says it pushes the cloud now."""
        text = open(self.log_path).read()
        took = text.rfind("this replica pushes the events of cloud " + cloud)
        gave = text.rfind("another replica pushes the events of cloud " + cloud)
        return took > gave

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def create_ports(replicas, network_id, count, clients, answered, failed, stop=None):
    """count creates (or until stop is set) through the replicas in turn, from `clients` threads."""
    lock = threading.Lock()
    counter = [0]

    def client(k):
        while True:
            with lock:
                i = counter[0]
                counter[0] += 1
            if (count is not None and i >= count) or (stop is not None and stop.is_set()):
                return
            r = replicas[(i + k) % len(replicas)]
            try:
                code, body = call(r.base, "POST", "/v2.0/ports", {"port": {"network_id": network_id}})
            except OSError as e:  # the replica was killed under this request: not acknowledged
                with lock:
                    failed.append((r.name, str(e)))
                continue
            with lock:
                if code == 201:
                    answered.append(body["port"])
                else:
                    failed.append((r.name, code, body))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    return threads


def listed(replica, network_id):
    code, body = call(replica.base, "GET", "/v2.0/ports?network_id=" + network_id)
    assert code == 200, body
    return {p["id"]: p for p in body["ports"]}


def check_answers(answered):
    macs = collections.Counter(p["mac_address"] for p in answered)
    ips = collections.Counter(ip["ip_address"] for p in answered for ip in p["fixed_ips"])
    dup_macs = [m for m, n in macs.items() if n > 1]
    dup_ips = [i for i, n in ips.items() if n > 1]
    assert not dup_macs, "duplicate MACs among the 201s: %s" % dup_macs[:5]
    assert not dup_ips, "duplicate IPs among the 201s: %s" % dup_ips[:5]


def check_cloud(cloud, answered, replicas, network_id):
    ids = {p["id"] for p in answered}
    wait_for("the cloud to receive every acknowledged port",
             lambda: ids <= set(cloud.upserts("port")), timeout=30)
    for r in replicas:
        wait_for(r.name + " to list every acknowledged port", lambda: ids <= set(listed(r, network_id)))
        ports = listed(r, network_id)
        for p in answered:
            assert ports[p["id"]]["mac_address"] == p["mac_address"], (r.name, p)
            assert ports[p["id"]]["fixed_ips"] == p["fixed_ips"], (r.name, p)
    twice = [i for i, n in cloud.upserts("port").items() if i in ids and n > 1]
    assert not twice, "ports the cloud received more than once: %s" % twice[:5]
    seqs = [e[0] for e in cloud.events]
    assert seqs == list(range(1, len(seqs) + 1)), "the cloud's events are not 1..n in order"
    assert cloud.gaps == 0 and cloud.disorder == 0, "pushes refused: %d gaps, %d out of order" % (cloud.gaps, cloud.disorder)
    assert cloud.max_in_flight == 1, "%d pushes to the cloud at once" % cloud.max_in_flight


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--isthmus", required=True)
    ap.add_argument("--admin-url", required=True, help="libpq URL of a database on a server where we may CREATE DATABASE")
    ap.add_argument("--psql", default="psql")
    args = ap.parse_args()

    dbname = "isthmus_replicas_%d" % os.getpid()
    db = re.sub(r"/[^/?]*(\?|$)", "/" + dbname + r"\1", args.admin_url.split("://", 1)[1], count=1)
    db = args.admin_url.split("://", 1)[0] + "://" + db
    subprocess.run([args.psql, "-qX", "-v", "ON_ERROR_STOP=1", args.admin_url, "-c", "CREATE DATABASE " + dbname],
                   check=True)
    logdir = tempfile.mkdtemp(prefix="isthmus-replicas.")
    cloud = Cloud()
    a = b = None
    ok = False
    try:
        a = Central("replica-a", args.isthmus, db, logdir)
        b = Central("replica-b", args.isthmus, db, logdir)
        code, body = call(a.base, "POST", "/v2.0/clouds",
                          {"cloud": {"name": "cloud1", "endpoint": "http://127.0.0.1:%d" % cloud.port}})
        assert code == 201, body
        code, body = call(b.base, "POST", "/v2.0/networks",
                          {"network": {"name": "net", "availability_zone_hints": ["cloud1"]}})
        assert code == 201, ("replica B did not see the cloud made through A", body)
        network_id = body["network"]["id"]
        # Enough port quota for every create, set through B: A must enforce it too.
        code, body = call(b.base, "PUT", "/v2.0/quotas/" + body["network"]["project_id"], {"quota": {"port": -1}})
        assert code == 200, body
        code, body = call(a.base, "POST", "/v2.0/subnets",
                          {"subnet": {"network_id": network_id, "cidr": "10.9.0.0/20", "enable_dhcp": False}})
        assert code == 201, ("replica A did not see the network made through B", body)

        # Phase 1: concurrent creates through both replicas, then through one.
        answered, failed = [], []
        t0 = time.monotonic()
        for t in create_ports([a, b], network_id, PORTS, CLIENTS, answered, failed):
            t.join()
        two = PORTS / (time.monotonic() - t0)
        assert not failed and len(answered) == PORTS, "creates failed (%d of %d): %s" % (len(failed), PORTS, failed[:3])
        one_answered = []
        t0 = time.monotonic()
        for t in create_ports([a], network_id, PORTS, CLIENTS, one_answered, failed):
            t.join()
        one = PORTS / (time.monotonic() - t0)
        assert not failed, "creates failed: %s" % failed[:3]
        answered += one_answered
        check_answers(answered)
        check_cloud(cloud, answered, [a, b], network_id)
        print("two_replicas: %d creates through two replicas: %.0f/s; through one: %.0f/s; no duplicate IP or MAC; "
              "the cloud applied %d events 1..%d once each" % (PORTS, two, one, len(cloud.events), cloud.applied))

        # Phase 2: kill -9 the replica pushing the cloud while creates go on through both.
        wait_for("one replica to push cloud1", lambda: a.pushes("cloud1") != b.pushes("cloud1"))
        holder, survivor = (a, b) if a.pushes("cloud1") else (b, a)
        stop = threading.Event()
        threads = create_ports([a, b], network_id, None, CLIENTS, answered, failed, stop)
        wait_for("creates to flow", lambda: len(answered) >= 2 * PORTS + 100)
        holder.proc.send_signal(signal.SIGKILL)
        holder.proc.wait()
        killed_at = time.monotonic()
        wait_for("creates through the survivor", lambda: len(answered) >= 2 * PORTS + 300)
        stop.set()
        for t in threads:
            t.join()
        lost = [f for f in failed if f[0] == survivor.name]
        assert not lost, "creates through the survivor failed: %s" % lost[:3]
        check_answers(answered)
        check_cloud(cloud, answered, [survivor], network_id)
        with cloud.mu:
            after = [t for t, _, _ in cloud.pushes if t > killed_at]
        assert after, "nothing pushed after the kill"
        assert survivor.pushes("cloud1"), "the survivor did not take over the pushes"
        print("two_replicas: killed %s (pushing cloud1) under creates: the survivor pushed again %.0f ms later; "
              "%d ports acknowledged in all, none lost; %d requests cut by the kill; %d events redelivered and skipped"
              % (holder.name, 1000 * (after[0] - killed_at), len(answered), len(failed), cloud.redelivered))
        ok = True
    finally:
        for r in (a, b):
            if r:
                r.stop()
        cloud.server.shutdown()
        subprocess.run([args.psql, "-qX", args.admin_url, "-c", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % dbname],
                       check=False)
        if not ok:
            for r in (a, b):
                if r:
                    print("---- %s log (tail) ----\n%s" % (r.name, open(r.log_path).read()[-3000:]), file=sys.stderr)
            print("two_replicas: logs kept in " + logdir, file=sys.stderr)
        else:
            shutil.rmtree(logdir, ignore_errors=True)
    print("two_replicas: passed")


if __name__ == "__main__":
    main()
