# SPDX-License-Identifier: GPL-2.0-only
"""netoproc export (issue 13) against real parts: Debian's Prometheus scrapes it every
second and PromQL over its HTTP API must give the bytes a known workload sent;
promtool checks the exposition; counters stay monotonic across processes that exit
and come back under the same name; slow clients, a flood of connections and garbage
requests neither disturb capture (no lost records, exact bytes) nor stop the
exporter; --drops counts drops by reason. The capture is eBPF, forced, and checked
(-v and netoproc_build_info), except in the one AF_PACKET test, which checks that."""
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

from npt import (NETOPROC, WORKLOAD, Fail, Proc, check, check_eq, finish, ready, started,
                 test_cgroup, wait_attached)
from scenarios import UDP_HDR

OM_ACCEPT = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
SIZE, COUNT = 1000, 200
SENT_IP = COUNT * (SIZE + UDP_HDR[4])	# IPv4 + UDP headers per datagram


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def exporter(cgroup, extra=(), prefix=(), mode="ebpf"):
    """netoproc export --cgroup on a free loopback port, eBPF forced (or `mode`, also
    checked); yields its address once it serves. Stopped with SIGINT (must exit 0)
    and killed by PID on any failure. prefix: a command that execs netoproc (setpriv)."""
    port = free_port()
    addr = f"127.0.0.1:{port}"
    p = Proc(list(prefix) + [NETOPROC, "export", "--capture-mode", mode, "--cgroup", cgroup,
              "--listen", addr, "-v"] + list(extra))
    try:
        said = wait_attached(p)
        want = {"ebpf": "eBPF capture attached", "afpacket": "AF_PACKET capture attached"}[mode]
        check(want in said, f"not {mode}: {said[-300:]!r}")
        deadline = time.time() + 10
        while True:
            line = p.p.stderr.readline()
            if "serving metrics on" in line:
                break
            check(line and time.time() < deadline, f"never said it serves: {line!r}")
        yield addr
        check(p.p.poll() is None, f"exporter died ({p.p.returncode})")
        p.p.send_signal(signal.SIGINT)
        rc, _, err = p.wait(timeout=20)
        check_eq(rc, 0, f"exporter exit after SIGINT ({err.strip()[-300:]})")
    finally:
        p.kill()


def get(addr, path="/metrics", accept=None, method="GET"):
    req = urllib.request.Request(f"http://{addr}{path}", method=method)
    if accept:
        req.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def samples(text):
    """{(name, frozenset of label pairs): value} of an exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        check(m, f"unparsable sample line {line!r}")
        labels = frozenset(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def value(s, name, **labels):
    """The one sample of `name` whose labels include `labels` (None if none)."""
    got = [v for (n, ls), v in s.items() if n == name and set(labels.items()) <= set(ls)]
    check(len(got) <= 1, f"{name}{labels}: {len(got)} samples")
    return got[0] if got else None


def wait_value(addr, name, want, timeout=10, **labels):
    """Scrape until `name{labels}` equals `want`; returns the last scrape's samples."""
    deadline = time.time() + timeout
    while True:
        s = samples(get(addr)[2])
        got = value(s, name, **labels)
        if got == want or time.time() > deadline:
            check_eq(got, want, f"{name}{labels}")
            return s
        time.sleep(0.2)


def udp_traffic(cg, senders=1, gap=0.0, count=COUNT):
    """A sink and `senders` udp-send processes in turn (each `count` x SIZE bytes,
    `gap` seconds apart), all in cgroup `cg`. Returns the senders' pids."""
    sink = Proc([WORKLOAD, "udp-sink", "--count", str(count * senders)], cgroup=cg)
    pids = []
    with started(sink):
        port = ready(sink)["port"]
        for i in range(senders):
            if i and gap:
                time.sleep(gap)
            r = finish(Proc([WORKLOAD, "udp-send", "--port", str(port), "--count", str(count),
                             "--size", str(SIZE)], cgroup=cg))
            check_eq(r["sent"], count * SIZE, "payload the sender sent")
            pids.append(r["pid"])
        finish(sink)
    return pids


@contextlib.contextmanager
def prometheus(target):
    """Debian's prometheus scraping `target` every second, with its storage in a
    temporary directory; killed by PID and the directory removed afterwards."""
    binary = shutil.which("prometheus")
    check(binary, "prometheus not installed (scripts/install-deps.sh)")
    d = tempfile.mkdtemp(prefix="netoproc-prom-")
    port = free_port()
    with open(os.path.join(d, "prometheus.yml"), "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                "scrape_configs:\n  - job_name: netoproc\n    static_configs:\n"
                f"      - targets: ['{target}']\n")
    p = subprocess.Popen([binary, f"--config.file={d}/prometheus.yml",
                          f"--storage.tsdb.path={d}/data", f"--web.listen-address=127.0.0.1:{port}"],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "log"), "w"))
    try:
        api = f"127.0.0.1:{port}"
        deadline = time.time() + 30
        while True:
            try:
                if get(api, "/-/ready")[0] == 200:
                    break
            except OSError:
                pass
            check(p.poll() is None, f"prometheus exited: {open(d + '/log').read()[-500:]}")
            check(time.time() < deadline, "prometheus not ready in 30 s")
            time.sleep(0.2)
        yield api
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(d, ignore_errors=True)


def promql(api, query, at=None):
    """An instant query's result vector (at Unix time `at`, else now): [(labels, value)]."""
    from urllib.parse import quote
    status, _, body = get(api, "/api/v1/query?query=" + quote(query) +
                          (f"&time={at:.3f}" if at else ""))
    check_eq(status, 200, f"query {query}: {body[:300]}")
    r = json.loads(body)
    check_eq(r["status"], "success", f"query {query}")
    return [(x["metric"], float(x["value"][1])) for x in r["data"]["result"]]


def wait_promql(api, query, want, timeout=20):
    deadline = time.time() + timeout
    while True:
        got = [v for _, v in promql(api, query)]
        if got == [want] or time.time() > deadline:
            check_eq(got, [want], f"PromQL {query}")
            return
        time.sleep(0.5)


def test_prometheus_scrape_agrees_with_workload():
    """Prometheus scrapes the exporter (OpenMetrics, as it asks for it); the last value
    of the senders' series is exactly their IP bytes, two processes of one name add
    up in one series without a reset, and the target is healthy."""
    with test_cgroup("export-prom") as cg, exporter(cg) as addr, prometheus(addr) as api:
        wait_promql(api, 'up{job="netoproc"}', 1.0)
        wait_promql(api, 'netoproc_build_info{capture_mode="ebpf",attach="tracepoint"}', 1.0)
        udp_traffic(cg, senders=1)
        sel = '{job="netoproc",process="np_workload"}'
        wait_promql(api, f"netoproc_tx_bytes_total{sel}", float(SENT_IP))
        wait_promql(api, f"netoproc_tx_packets_total{sel}", float(COUNT))
        time.sleep(1.5)	# a scrape or two of the first value
        t1 = time.time()
        # A second process of the same name, after the first exited: the same series.
        udp_traffic(cg, senders=1)
        wait_promql(api, f"netoproc_tx_bytes_total{sel}", float(2 * SENT_IP))
        time.sleep(1.5)
        # The increase over the window [t1, now] exactly: the last value minus the one
        # at t1 (increase() itself extrapolates to the window's edges).
        t2 = time.time()
        window = promql(api, f"netoproc_tx_bytes_total{sel} - netoproc_tx_bytes_total{sel} "
                        f"offset {int((t2 - t1) * 1000)}ms", at=t2)
        check_eq([v for _, v in window], [float(SENT_IP)], "increase over the second window")
        wait_promql(api, f"netoproc_rx_bytes_total{sel}", float(2 * SENT_IP))
        wait_promql(api, f"resets(netoproc_tx_bytes_total{sel}[5m])", 0.0)
        rate = promql(api, f"rate(netoproc_tx_bytes_total{sel}[1m])")
        check(len(rate) == 1 and rate[0][1] > 0, f"rate over 1m: {rate}")
        inc = promql(api, f"increase(netoproc_tx_bytes_total{sel}[1m])")
        check(len(inc) == 1 and inc[0][1] >= SENT_IP, f"increase over 1m: {inc}")
        wait_promql(api, 'netoproc_lost_events_total{job="netoproc",source="capture"}', 0.0)
        # Scraped as OpenMetrics: only there is netoproc_build an info family.
        meta = json.loads(get(api, "/api/v1/targets/metadata?metric=netoproc_build")[2])["data"]
        check_eq([m["type"] for m in meta], ["info"], "netoproc_build's type as Prometheus saw it")
        targets = json.loads(get(api, "/api/v1/targets")[2])["data"]["activeTargets"]
        check_eq([(t["health"], t["lastError"]) for t in targets], [("up", "")], "target")
        print(f"    PromQL tx bytes {2 * SENT_IP} = 2 x {COUNT} x ({SIZE} + 28); second "
              f"sender's window {SENT_IP}; rate {rate[0][1]:.0f} B/s, "
              f"increase[1m] {inc[0][1]:.0f}")


def test_exposition_formats():
    """promtool accepts the text format; OpenMetrics when asked, ending in # EOF, with
    counter families named without _total; the same values in both; / says what it
    is; other paths 404, other methods 405, HEAD has no body."""
    with test_cgroup("export-fmt") as cg, exporter(cg) as addr:
        udp_traffic(cg)
        s = wait_value(addr, "netoproc_tx_bytes_total", SENT_IP, process="np_workload")
        check_eq(value(s, "netoproc_tx_packets_total", process="np_workload"), COUNT, "packets")
        check_eq(value(s, "netoproc_rx_bytes_total", process="np_workload"), SENT_IP, "rx")
        check_eq(value(s, "netoproc_build_info", capture_mode="ebpf"), 1, "build_info")
        check_eq(value(s, "netoproc_lost_events_total", source="capture"), 0, "lost")
        check_eq(value(s, "netoproc_lost_events_total", source="skipped_runs"), 0, "runs skipped")
        status, ctype, text = get(addr)
        check_eq((status, ctype), (200, "text/plain; version=0.0.4; charset=utf-8"), "text")
        r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                           text=True)
        check_eq((r.returncode, r.stdout + r.stderr), (0, ""), "promtool check metrics")
        check('np_workload",container="",pod="",unit=""}' in text, "default labels (no container)")
        status, ctype, om = get(addr, accept=OM_ACCEPT)
        check_eq((status, ctype), (200, "application/openmetrics-text; version=1.0.0; "
                                   "charset=utf-8"), "OpenMetrics")
        check(om.endswith("# EOF\n"), "OpenMetrics ends with # EOF")
        check("# TYPE netoproc_tx_bytes counter" in om, "counter family without _total")
        check("# TYPE netoproc_build info" in om, "info family")
        so = samples(om.replace("# EOF\n", ""))
        check_eq(value(so, "netoproc_tx_bytes_total", process="np_workload"), SENT_IP, "OM value")
        # Prometheus' own preference order picks OpenMetrics; text/plain alone does not.
        check_eq(get(addr, accept="text/plain;version=0.0.4")[1],
                 "text/plain; version=0.0.4; charset=utf-8", "text/plain asked")
        status, ctype, page = get(addr, "/")
        check(status == 200 and "/metrics" in page and ctype.startswith("text/html"), "index")
        check_eq(get(addr, "/nope")[0], 404, "other path")
        check_eq(get(addr, "/metrics", method="POST")[0], 405, "POST")
        status, _, body = get(addr, "/metrics", method="HEAD")
        check_eq((status, body), (200, ""), "HEAD")


def test_series_ttl_and_monotonic_across_exits():
    """Exited processes keep their bytes in the series; a new process of the same name
    adds to it; with no process left the series goes --series-ttl after its last
    change, and the same name later starts a new series."""
    with test_cgroup("export-ttl") as cg, exporter(cg, ["--series-ttl", "3",
                                                        "--interval", "0.5"]) as addr:
        udp_traffic(cg)
        wait_value(addr, "netoproc_tx_bytes_total", SENT_IP, process="np_workload")
        udp_traffic(cg)
        wait_value(addr, "netoproc_tx_bytes_total", 2 * SENT_IP, process="np_workload")
        t0 = time.time()
        time.sleep(1.5)
        s = samples(get(addr)[2])
        check_eq(value(s, "netoproc_tx_bytes_total", process="np_workload"), 2 * SENT_IP,
                 "series kept within the TTL")
        wait_value(addr, "netoproc_tx_bytes_total", None, timeout=10, process="np_workload")
        gone = time.time() - t0
        check(2.5 <= gone <= 9, f"series went {gone:.1f} s after its last change (TTL 3 s)")
        udp_traffic(cg)
        wait_value(addr, "netoproc_tx_bytes_total", SENT_IP, process="np_workload")


def test_unit_label():
    """A process in a cgroup named like a systemd service is labelled with it; the
    innermost .service or .scope wins."""
    with test_cgroup("export-unit") as cg:
        svc = os.path.join(cg, "np-export-test.service")
        scope = os.path.join(svc, "inner.slice", "np-run-1.scope")
        made = []
        try:
            for d in (svc, os.path.dirname(scope), scope):
                os.mkdir(d)
                made.append(d)
            with exporter(cg, ["--labels", "process,unit"]) as addr:
                sink = Proc([WORKLOAD, "udp-sink", "--count", str(2 * COUNT)], cgroup=svc)
                with started(sink):
                    port = ready(sink)["port"]
                    for where in (svc, scope):
                        finish(Proc([WORKLOAD, "udp-send", "--port", str(port), "--count",
                                     str(COUNT), "--size", str(SIZE)], cgroup=where))
                    finish(sink)
                s = wait_value(addr, "netoproc_tx_bytes_total", SENT_IP, process="np_workload",
                               unit="np-run-1.scope")
                check_eq(value(s, "netoproc_tx_bytes_total", process="np_workload",
                               unit="np-export-test.service"), SENT_IP, "service's sender")
                check_eq(value(s, "netoproc_rx_bytes_total", process="np_workload",
                               unit="np-export-test.service"), 2 * SENT_IP, "service's sink")
        finally:
            for d in reversed(made):
                for _ in range(50):
                    try:
                        os.rmdir(d)
                        break
                    except OSError:
                        time.sleep(0.05)


def test_afpacket_mode():
    """The same exporter on AF_PACKET capture: 2000 datagrams (a sender that lives long
    enough for AF_PACKET to find it, as in the monitor's AF_PACKET suite), exact."""
    n = 2000
    with test_cgroup("export-afp") as cg, exporter(cg, mode="afpacket") as addr:
        udp_traffic(cg, count=n)
        s = wait_value(addr, "netoproc_tx_bytes_total", n * (SIZE + UDP_HDR[4]),
                       process="np_workload")
        check_eq(value(s, "netoproc_build_info", capture_mode="afpacket"), 1, "build_info")
        check_eq(value(s, "netoproc_lost_events_total", source="capture"), 0, "lost")


def test_max_series_other():
    """--labels process,pid --max-series 3: the sink and the first two senders get
    series of their own; the next two senders' bytes go to process="other", counted
    in netoproc_series_dropped_total; nothing is lost from the totals."""
    with test_cgroup("export-max") as cg, exporter(cg, ["--labels", "process,pid",
                                                        "--max-series", "3",
                                                        "--interval", "0.3"]) as addr:
        pids = udp_traffic(cg, senders=4, gap=1.0)
        time.sleep(1)
        s = samples(get(addr)[2])
        for pid in pids[:2]:
            check_eq(value(s, "netoproc_tx_bytes_total", pid=str(pid)), SENT_IP, f"pid {pid}")
        for pid in pids[2:]:
            check_eq(value(s, "netoproc_tx_bytes_total", pid=str(pid)), None, f"pid {pid}")
        check_eq(value(s, "netoproc_tx_bytes_total", process="other"), 2 * SENT_IP, "other")
        check_eq(value(s, "netoproc_series_dropped_total"), 2, "dropped")
        total = sum(v for (n, _), v in s.items() if n == "netoproc_tx_bytes_total")
        check_eq(total, 4 * SENT_IP, "all bytes")
        check('pid="",process="other"' in get(addr)[2] or 'process="other",pid=""'
              in get(addr)[2], "other series labels")


def raw(addr, data, timeout=3):
    """Send `data` on a new connection and return what comes back until close."""
    host, port = addr.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            try:
                b = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not b:
                break
            out += b
    return out


def test_slow_clients_and_garbage():
    """100 clients that connect and send nothing (or a byte a second) and a set of
    garbage requests: each bad request gets its status, slow clients are closed at
    their deadline, capture meanwhile loses nothing and counts a workload exactly,
    and /metrics answers afterwards."""
    with test_cgroup("export-slow") as cg, exporter(cg) as addr:
        host, port = addr.rsplit(":", 1)
        garbage = [
            (b"POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n", b"HTTP/1.1 405"),
            (b"DELETE / HTTP/1.1\r\n\r\n", b"HTTP/1.1 405"),
            (b"GET /metrics HTTP/9.9\r\n\r\n", b"HTTP/1.1 505"),
            (b"GET /metrics\r\n\r\n", b"HTTP/1.1 400"),
            (b"GET  /metrics HTTP/1.1\r\n\r\n", b"HTTP/1.1 400"),
            (b"get /metrics HTTP/1.1\r\n\r\n", b"HTTP/1.1 405"),	# methods are case-sensitive
            (b"G{T /metrics HTTP/1.1\r\n\r\n", b"HTTP/1.1 400"),
            (b"GET metrics HTTP/1.1\r\n\r\n", b"HTTP/1.1 400"),
            (b"GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n", b"HTTP/1.1 400"),
            (b"GET /metrics HTTP/1.1\r\n folded: x\r\n\r\n", b"HTTP/1.1 400"),
            (b"GET /\x00 HTTP/1.1\r\n\r\n", b"HTTP/1.1 400"),
            (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) + b"\r\n\r\n",
             b"HTTP/1.1 400"),
            (b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n", b"HTTP/1.1 431"),
            (b"GET /../../etc/passwd HTTP/1.1\r\n\r\n", b"HTTP/1.1 404"),
        ]
        for req, want in garbage:
            got = raw(addr, req)
            check(got.startswith(want), f"{req[:40]!r}: got {got[:60]!r}, expected {want!r}")
        # Random bytes, and random mutations of a good request: an error status each
        # (a mutation may still be a request that is served or not found).
        import random
        rnd = random.Random(13)
        good = b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"
        for i in range(200):
            if i % 2:
                req = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 3000)))
                req += b"\r\n\r\n"
            else:
                req = bytearray(good)
                for _ in range(rnd.randrange(1, 6)):
                    req[rnd.randrange(len(req) - 4)] = rnd.randrange(256)
                req = bytes(req)
            got = raw(addr, req)
            check(re.match(rb"HTTP/1\.1 (200|404|405|400|431|505) ", got),
                  f"{req[:60]!r}: got {got[:60]!r}")
        slow = []
        stop = threading.Event()
        try:
            for i in range(100):
                s = socket.socket()
                s.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    s.connect((host, int(port)))
                slow.append(s)
            dribblers = slow[:20]

            def dribble():	# one byte a second, never a whole request
                while not stop.is_set():
                    for s in dribblers:
                        with contextlib.suppress(OSError):
                            s.send(b"G")
                    stop.wait(1)
            t = threading.Thread(target=dribble)
            t.start()
            t0 = time.time()
            udp_traffic(cg)
            # The exporter is full (64 connections): it closes newcomers at once
            # and serves again once the slow ones reach their deadline (5 s).
            deadline = time.time() + 15
            while True:
                try:
                    status, _, text = get(addr)
                    if status == 200:
                        break
                except OSError:
                    pass
                check(time.time() < deadline, "no /metrics within 15 s of 100 slow clients")
                time.sleep(0.25)
            waited = time.time() - t0
            s = samples(text)
            check_eq(value(s, "netoproc_tx_bytes_total", process="np_workload"), SENT_IP,
                     "workload bytes with slow clients")
            check_eq(value(s, "netoproc_lost_events_total", source="capture"), 0, "lost")
            # The slow ones were closed by the server (EOF or reset), none left hanging.
            time.sleep(0.5)
            open_ = 0
            for sk in slow:
                try:
                    if sk.recv(1, socket.MSG_DONTWAIT) != b"":
                        open_ += 1
                except BlockingIOError:
                    open_ += 1
                except OSError:
                    pass
            check_eq(open_, 0, "slow connections still open after their deadline")
            print(f"    /metrics answered {waited:.1f} s into 100 slow clients; "
                  f"tx {SENT_IP} exact, lost 0")
        finally:
            stop.set()
            for sk in slow:
                sk.close()
        status, _, text = get(addr)
        check_eq(status, 200, "/metrics after the storm")


DNS_SERVER = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
while True:
    q, a = s.recvfrom(512)
    s.sendto(q[:2] + bytes([0x81, 0x83]) + q[4:6] + b"\0\0\0\0\0\0" + q[12:], a)  # NXDOMAIN
"""

DNS_CLIENT = r"""
import socket, struct, sys
q = struct.pack("!HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + b"\7missing\4test\0" + struct.pack("!HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
try:
    s.recv(512)
except socket.timeout:
    pass
"""


def test_dns_metrics():
    """A query answered NXDOMAIN and one never answered: netoproc_dns_queries_total by
    process and rcode (timeout after --dns-timeout), the answered one in the histogram."""
    answer_port, silent_port = free_port(), free_port()
    with test_cgroup("export-dns") as cg, exporter(cg, [
            "--dns-port", str(answer_port), "--dns-port", str(silent_port),
            "--dns-timeout", "1", "--interval", "0.3"]) as addr:
        server = Proc(["python3", "-c", DNS_SERVER, str(answer_port)])
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind(("127.0.0.1", silent_port))
        with started(server):
            check_eq(server.p.stdout.readline().strip(), "ready", "DNS server")
            for port in (answer_port, silent_port):
                c = Proc(["python3", "-c", DNS_CLIENT, str(port)], cgroup=cg)
                rc, _, err = c.wait(timeout=10)
                check_eq(rc, 0, f"DNS client ({err.strip()})")
            s = wait_value(addr, "netoproc_dns_queries_total", 1, process="python3",
                           rcode="timeout")
        silent.close()
        check_eq(value(s, "netoproc_dns_queries_total", process="python3", rcode="NXDOMAIN"),
                 1, "NXDOMAIN")
        check_eq(value(s, "netoproc_dns_latency_seconds_count"), 1, "histogram count")
        check_eq(value(s, "netoproc_dns_latency_seconds_bucket", le="+Inf"), 1, "+Inf bucket")
        check(0 < value(s, "netoproc_dns_latency_seconds_sum") < 0.5, "latency sum")


def test_drops():
    """--drops: datagrams to a closed port in a namespace of the test's own are
    netoproc_drops_total{reason="NO_SOCKET",location="__udp4_lib_rcv"}, each of them;
    promtool still accepts the exposition."""
    from npt import in_ns, netns
    n = 50
    sender = ("import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
              f"for i in range({n}): s.sendto(b'x', ('127.0.0.1', 9))\n")
    with test_cgroup("export-drops") as cg, exporter(cg, ["--drops"]) as addr, \
            netns("npexport") as (ns,):
        labels = {"reason": "NO_SOCKET", "location": "__udp4_lib_rcv"}
        before = value(samples(get(addr)[2]), "netoproc_drops_total", **labels) or 0
        r = subprocess.run(in_ns(ns) + ["python3", "-c", sender], capture_output=True, text=True,
                           timeout=30)
        check_eq(r.returncode, 0, f"sender: {r.stderr.strip()}")
        deadline = time.time() + 10
        while True:
            s = samples(get(addr)[2])
            got = (value(s, "netoproc_drops_total", **labels) or 0) - before
            if got >= n or time.time() > deadline:
                break
            time.sleep(0.2)
        # Drops are counted machine-wide: another test sending to a closed port at the
        # same moment (test_drop does) adds to it, so only the lower bound is certain.
        check(got >= n, f"NO_SOCKET drops in __udp4_lib_rcv: {got}, sent {n}")
        check_eq(value(s, "netoproc_lost_events_total", source="drops"), 0, "drops lost")
        r = subprocess.run(["promtool", "check", "metrics"], input=get(addr)[2],
                           capture_output=True, text=True)
        check_eq((r.returncode, r.stdout + r.stderr), (0, ""), "promtool check metrics")
        print(f"    {got} NO_SOCKET drops counted for {n} datagrams to a closed port")


def test_bad_options_and_port_in_use():
    """Bad values are one line and exit 2; a port in use is said at once."""
    from test_cli import bad
    bad(["export", "--labels", "process,bogus"], needle="--labels")
    bad(["export", "--labels", "pid,pid"], needle="--labels")
    bad(["export", "--max-series", "0"], needle="--max-series")
    bad(["export", "--series-ttl", "0"], needle="--series-ttl")
    bad(["export", "--listen", "nohost"], needle="--listen")
    bad(["export", "--listen", "127.0.0.1:99999"], needle="--listen")
    bad(["export", "--drops", "x"], needle="unexpected argument 'x'")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        bad(["export", "--listen", f"127.0.0.1:{s.getsockname()[1]}"],
            needle="Address already in use")


def test_unit_capabilities_suffice():
    """With only the capabilities netoproc-export.service grants (ambient, as user
    nobody, no new privileges, the bounding set cut to them), eBPF capture attaches
    and counts a workload exactly."""
    from npt import ROOT
    with open(os.path.join(ROOT, "support", "netoproc-export.service.in")) as f:
        unit = f.read()
    caps = re.search(r"\nAmbientCapabilities=(.*)\n", unit).group(1).split()
    check_eq(re.search(r"\nCapabilityBoundingSet=(.*)\n", unit).group(1).split(), caps,
             "bounding set = ambient set")
    names = ",".join("+" + c[len("CAP_"):].lower() for c in caps)
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs",
              f"--inh-caps=-all,{names}", f"--ambient-caps=-all,{names}",
              f"--bounding-set=-all,{names}", "--"]
    with test_cgroup("export-caps") as cg, exporter(cg, prefix=prefix) as addr:
        udp_traffic(cg)
        s = wait_value(addr, "netoproc_tx_bytes_total", SENT_IP, process="np_workload")
        check_eq(value(s, "netoproc_build_info", capture_mode="ebpf"), 1, "eBPF")
        check_eq(value(s, "netoproc_lost_events_total", source="capture"), 0, "lost")


def test_latency():
    """--latency-send-calls (--latency with tx_stack and tx_total): connects refused by a
    closed port in a namespace of the test's own are
    netoproc_tcp_connects_total{result="ECONNREFUSED"}, each of them (counted machine-wide:
    only the lower bound is certain); the stage histograms are there (a TCP exchange in
    the namespace is timed), their counts grow and promtool accepts the exposition."""
    from npt import in_ns, netns
    n = 7
    refused = ("import socket\n"
               f"for i in range({n}):\n"
               "    try:\n"
               "        socket.create_connection(('127.0.0.1', 9))\n"
               "    except ConnectionRefusedError:\n"
               "        pass\n"
               "l = socket.socket(); l.bind(('127.0.0.1', 40300)); l.listen(1)\n"
               "c = socket.create_connection(('127.0.0.1', 40300)); a, _ = l.accept()\n"
               "for i in range(20):\n"
               "    c.send(b'x' * 100); a.recv(100)\n")
    with test_cgroup("export-latency") as cg, exporter(cg, ["--latency-send-calls"]) as addr, \
            netns("npexport") as (ns,):
        s = samples(get(addr)[2])
        before = value(s, "netoproc_tcp_connects_total", result="ECONNREFUSED") or 0
        rx_before = value(s, "netoproc_latency_seconds_count", stage="rx_socket_queue") or 0
        r = subprocess.run(in_ns(ns) + ["python3", "-c", refused], capture_output=True,
                           text=True, timeout=30)
        check_eq(r.returncode, 0, f"client: {r.stderr.strip()}")
        deadline = time.time() + 10
        while True:
            s = samples(get(addr)[2])
            got = (value(s, "netoproc_tcp_connects_total", result="ECONNREFUSED") or 0) - before
            rx = (value(s, "netoproc_latency_seconds_count", stage="rx_socket_queue") or 0)
            if (got >= n and rx - rx_before >= 20) or time.time() > deadline:
                break
            time.sleep(0.2)
        check(got >= n, f"ECONNREFUSED connects: {got}, made {n}")
        check(rx - rx_before >= 20, f"rx_socket_queue samples grew by {rx - rx_before}")
        for stage in ("rx_stack", "rx_total", "tx_device", "tx_total"):
            check((value(s, "netoproc_latency_seconds_count", stage=stage) or 0) > 0,
                  f"netoproc_latency_seconds for {stage}")
        check(value(s, "netoproc_tcp_retransmits_total") is not None, "retransmits family")
        r = subprocess.run(["promtool", "check", "metrics"], input=get(addr)[2],
                           capture_output=True, text=True)
        check_eq((r.returncode, r.stdout + r.stderr), (0, ""), "promtool check metrics")
