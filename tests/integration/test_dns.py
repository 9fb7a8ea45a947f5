# SPDX-License-Identifier: GPL-2.0-only
"""DNS (issue 18) against real servers and clients: dnsmasq in a namespace of its
own, queries from dig (UDP and TCP), glibc (getent) and Python, NXDOMAIN, a resolver
that answers late by a known delay and one that never answers, malformed and
truncated messages, names on the monitor's connections from DNS answers and from a
TLS ClientHello (openssl). Each test names its capture mode and fails if it did not
get it."""
import json
import socket
import subprocess
import time

from npt import NETOPROC, Proc, check, check_eq, started, test_cgroup, wait_attached
import dns_lab
from dns_lab import SLOW_DELAY, dns_watch, events_of, lab, query, run_ok

PY_RESOLVE = r"""
import socket, sys, time
print(sorted({a[4][0] for a in socket.getaddrinfo(sys.argv[1], 80, proto=socket.IPPROTO_TCP)}),
      flush=True)
time.sleep(float(sys.argv[2]))
"""


def one_event(events, pid, qtype):
    got = [e for e in events_of(events, pid) if e["type"] == qtype]
    check(len(got) == 1, f"pid {pid} {qtype}: {len(got)} events in {events}")
    return got[0]


def check_answered(e, query, qtype, rcode, answers, resolver, proto, process):
    check_eq(e["query"], query, "query")
    check_eq(e["type"], qtype, "type")
    check_eq(e["rcode"], rcode, f"rcode of {query}")
    check_eq(sorted(e["answers"]), sorted(answers), f"answers of {query}")
    check_eq(e["resolver"], resolver, "resolver")
    check_eq(e["proto"], proto, "proto")
    check_eq(e["process"], process, "process")
    check_eq(e["timeout"], False, "timeout")
    check(e["latency_ms"] is not None and 0 <= e["latency_ms"] < 100,
          f"{query}: latency {e['latency_ms']} ms on a local veth")
    for key in ("time", "pid", "container"):
        check(key in e, f"no {key} in {e}")


# A client that asks one question itself (UDP or TCP), then stays a moment: the same
# bytes in both capture modes, from a process AF_PACKET can still find in /proc.
PY_QUERY = r"""
import socket, struct, sys, time
server, name, qtype, proto = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
q = struct.pack("!HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
q += struct.pack("!HH", qtype, 1)
fam = socket.AF_INET6 if ":" in server else socket.AF_INET
if proto == "udp":
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.sendto(q, (server, 53))
    r = s.recv(4096)
else:
    s = socket.create_connection((server, 53))
    s.sendall(struct.pack("!H", len(q)) + q)
    n = struct.unpack("!H", s.recv(2))[0]
    r = b""
    while len(r) < n:
        r += s.recv(n - len(r))
print(r[3] & 15, struct.unpack("!H", r[6:8])[0], flush=True)
time.sleep(0.3)
"""

QUERIES = [	# (what, server attribute, name, qtype, proto)
    ("a", "dns", "web.test.lan", 1, "udp"),
    ("aaaa", "dns", "web.test.lan", 28, "udp"),
    ("tcp_txt", "dns", "txt.test.lan", 16, "tcp"),
    ("nx", "dns", "missing.test.lan", 1, "udp"),
    ("v6_cname", "dns6", "alias.test.lan", 1, "udp"),
    ("mx", "dns", "test.lan", 15, "udp"),
    ("srv", "dns", "_sip._udp.test.lan", 33, "udp"),
    ("ptr", "dns", None, 12, "udp"),
]


def reverse_name(addr):
    return ".".join(reversed(addr.split("."))) + ".in-addr.arpa"


def py_clients(lb):
    """Each of QUERIES from its own Python process: {what: pid}."""
    pids = {}
    for what, server, name, qtype, proto in QUERIES:
        pids[what], _ = run_ok(["python3", "-c", PY_QUERY, getattr(lb, server),
                                name or reverse_name(lb.web), str(qtype), proto],
                               f"python {what}")
    return pids


def check_py_log(lb, events, pids):
    res, res6 = f"{lb.dns}:53", f"[{lb.dns6}]:53"
    want = {
        "a": ("web.test.lan", "A", "NOERROR", [lb.web], res, "udp"),
        "aaaa": ("web.test.lan", "AAAA", "NOERROR", [lb.web6], res, "udp"),
        "tcp_txt": ("txt.test.lan", "TXT", "NOERROR", ['"hello world"'], res, "tcp"),
        "nx": ("missing.test.lan", "A", "NXDOMAIN", [], res, "udp"),
        "v6_cname": ("alias.test.lan", "A", "NOERROR", ["web.test.lan", lb.web], res6, "udp"),
        "mx": ("test.lan", "MX", "NOERROR", ["10 mail.test.lan"], res, "udp"),
        "srv": ("_sip._udp.test.lan", "SRV", "NOERROR", ["1 2 5060 sip.test.lan"], res, "udp"),
        "ptr": (reverse_name(lb.web), "PTR", "NOERROR", ["web.test.lan"], res, "udp"),
    }
    for what, w in want.items():
        check_answered(one_event(events, pids[what], w[1]), *w, "python3")


def normalized(events, pids, lb):
    """The log without what differs from run to run (time, latency, pids, the lab's
    addresses): for comparing the two capture modes."""
    role = {pid: what for what, pid in pids.items()}
    rows = []
    for e in events:
        if e["pid"] not in role:
            continue
        row = (role[e["pid"]], e["query"], e["type"], e["rcode"], tuple(sorted(e["answers"])),
               e["resolver"], e["proto"], e["process"], e["timeout"])
        rows.append(tuple(str(x).replace(lb.v6, "NET6:").replace(lb.net, "NET").replace(
            ".".join(reversed(lb.net.split("."))), "TEN") for x in row))
    return sorted(rows)


def test_dns_query_log_ebpf():
    """eBPF mode: every client's query with its pid, process, answer, rcode and resolver:
    dig (UDP and TCP, IPv4 and IPv6 servers), glibc through getent and Python's
    getaddrinfo in the lab's namespace, and Python asking A, AAAA, TXT over TCP,
    CNAME, MX, SRV and PTR itself; nothing attributed to any other process."""
    with lab() as lb:
        with dns_watch("ebpf") as w:
            pids = py_clients(lb)
            dig = {}
            dig["a"], out = run_ok(["dig", "+short", f"@{lb.dns}", "web.test.lan"], "dig A")
            check_eq(out.strip(), lb.web, "dig's own answer")
            dig["tcp"], _ = run_ok(["dig", "+tcp", "+short", f"@{lb.dns}", "web.test.lan",
                                    "AAAA"], "dig +tcp")
            dig["v6"], _ = run_ok(["dig", "+short", f"@{lb.dns6}", "missing.test.lan"], "dig v6")
            getent, out = run_ok(lb.exec() + ["getent", "ahostsv4", "web.test.lan"], "getent")
            check(lb.web in out, f"getent: {out}")
            gai, out = run_ok(lb.exec() + ["python3", "-c", PY_RESOLVE, "web.test.lan", "0"],
                              "python getaddrinfo")
            check_eq(out.strip(), str(sorted([lb.web, lb.web6])), "getaddrinfo's own answer")
        ev = w.events
        check_py_log(lb, ev, pids)
        res, res6 = f"{lb.dns}:53", f"[{lb.dns6}]:53"
        check_answered(one_event(ev, dig["a"], "A"), "web.test.lan", "A", "NOERROR", [lb.web],
                       res, "udp", "dig")
        check_answered(one_event(ev, dig["tcp"], "AAAA"), "web.test.lan", "AAAA", "NOERROR",
                       [lb.web6], res, "tcp", "dig")
        check_answered(one_event(ev, dig["v6"], "A"), "missing.test.lan", "A", "NXDOMAIN", [],
                       res6, "udp", "dig")
        check_answered(one_event(ev, getent, "A"), "web.test.lan", "A", "NOERROR", [lb.web],
                       res, "udp", "getent")
        # glibc asks A and AAAA from the same process.
        check_answered(one_event(ev, gai, "A"), "web.test.lan", "A", "NOERROR", [lb.web], res,
                       "udp", "python3")
        check_answered(one_event(ev, gai, "AAAA"), "web.test.lan", "AAAA", "NOERROR", [lb.web6],
                       res, "udp", "python3")
        mine = set(pids.values()) | set(dig.values()) | {getent, gai}
        # Only our clients asked about the lab's names (dnsmasq asks nobody: --no-resolv).
        strays = [e for e in ev if ("test.lan" in e["query"] or "in-addr" in e["query"])
                  and e["pid"] not in mine]
        check_eq(strays, [], "the lab's queries from other processes")


def test_dns_query_log_afpacket_same_as_ebpf():
    """AF_PACKET mode: the same clients (in this namespace: AF_PACKET sees its own)
    give the same query log as eBPF mode, entry for entry."""
    logs = {}
    for mode in ("ebpf", "afpacket"):
        with lab() as lb:
            with dns_watch(mode) as w:
                pids = py_clients(lb)
            check_py_log(lb, w.events, pids)
            logs[mode] = normalized(w.events, pids, lb)
    check_eq(logs["afpacket"], logs["ebpf"], "AF_PACKET's log against eBPF's")


def test_dns_two_processes_same_name():
    """Two processes asking the same name at the same time are told apart."""
    with lab() as lb:
        with dns_watch("ebpf") as w:
            a = Proc(lb.exec() + ["python3", "-c", PY_RESOLVE, "web.test.lan", "0.2"])
            b = Proc(lb.exec() + ["python3", "-c", PY_RESOLVE, "web.test.lan", "0.2"])
            with started(a, b):
                for p in (a, b):
                    check_eq(p.wait()[0], 0, "resolver client")
        for p in (a, b):
            for t in ("A", "AAAA"):
                e = one_event(w.events, p.p.pid, t)
                check_eq(e["rcode"], "NOERROR", "rcode")


def test_dns_slow_resolver_latency():
    """A resolver that answers 200 ms late: the latency is within 10% of that. It is a
    forwarder (a stub): dig's queries are dig's, its own upstream queries are its."""
    with lab() as lb:
        with dns_watch("ebpf") as w:
            pids = [run_ok(["dig", "+short", "+tries=1", "+timeout=3", f"@{lb.slow}",
                            "web.test.lan"], "dig slow")[0] for _ in range(3)]
        for pid in pids:
            e = one_event(w.events, pid, "A")
            check_eq(e["answers"], [lb.web], "answers through the slow resolver")
            check_eq(e["resolver"], f"{lb.slow}:53", "resolver")
            want = SLOW_DELAY * 1000
            check(abs(e["latency_ms"] - want) <= want * 0.1,
                  f"latency {e['latency_ms']:.1f} ms, expected {want:.0f} ms +-10%")
        upstream = events_of(w.events, lb.slow_pid)
        check_eq(len(upstream), 3, f"the forwarder's own queries: {upstream}")
        for e in upstream:
            check_eq((e["process"], e["query"], e["resolver"], e["rcode"]),
                     ("python3", "web.test.lan", f"{lb.dns}:53", "NOERROR"), "upstream query")
            check(e["latency_ms"] < 50, f"dnsmasq answers its forwarder at once: {e}")


def test_dns_timeout_and_summary():
    """A server that never answers: after --dns-timeout the query is reported as a
    timeout (rcode and latency null); --summary counts it per process, domain and
    resolver next to an answered query and an NXDOMAIN."""
    with lab() as lb:
        with dns_watch("ebpf", ["--dns-timeout", "1"]) as w:
            mute, _ = Proc(["dig", "+tries=1", "+timeout=1", f"@{lb.mute}", "lost.test.lan"]), 0
            mute.wait(timeout=10)	# dig itself fails (no servers reached)
            time.sleep(1.3)		# past --dns-timeout: reported before the end
        e = one_event(w.events, mute.p.pid, "A")
        check_eq((e["timeout"], e["rcode"], e["latency_ms"], e["answers"]),
                 (True, None, None, []), "unanswered query")
        check_eq(e["resolver"], f"{lb.mute}:53", "resolver")
    # --summary: its own run, filtered to the clients.
    with lab() as lb:
        p = Proc([NETOPROC, "dns", "--summary", "--format", "json", "--capture-mode", "ebpf",
                  "--dns-timeout", "1", "--filter", "dig", "-v", "--duration", "60"])
        with started(p):
            wait_attached(p)
            run_ok(["dig", "+short", f"@{lb.dns}", "web.test.lan"], "dig")
            run_ok(["dig", "+short", f"@{lb.dns}", "web.test.lan"], "dig")
            run_ok(["dig", "+short", f"@{lb.dns}", "missing.test.lan"], "dig NX")
            Proc(["dig", "+tries=1", "+timeout=1", f"@{lb.mute}", "lost.test.lan"]).wait(10)
            time.sleep(1.2)
            p.p.send_signal(2)
            rc, out, err = p.wait(30)
        check_eq(rc, 0, f"dns --summary exit ({err[-300:]})")
        s = json.loads(out)
        procs = {r["process"]: r for r in s["processes"]}
        check_eq(set(procs), {"dig"}, "processes (--filter dig)")
        dig = s["processes"]
        check_eq(sum(r["queries"] for r in dig), 4, "dig queries")
        check_eq(sum(r["failures"] for r in dig), 1, "dig failures (NXDOMAIN)")
        check_eq(sum(r["timeouts"] for r in dig), 1, "dig timeouts")
        domains = {d["query"]: d for d in s["domains"]}
        check_eq((domains["web.test.lan"]["queries"], domains["web.test.lan"]["failures"]),
                 (2, 0), "web.test.lan")
        check(domains["web.test.lan"]["p50_ms"] is not None, "p50 of answered queries")
        check_eq(domains["missing.test.lan"]["failures"], 1, "missing.test.lan failures")
        check_eq((domains["lost.test.lan"]["timeouts"], domains["lost.test.lan"]["p50_ms"]),
                 (1, None), "lost.test.lan")
        resolvers = {r["resolver"]: r for r in s["resolvers"]}
        check_eq(resolvers[f"{lb.dns}:53/udp"]["queries"], 3, "queries to dnsmasq")
        check_eq(resolvers[f"{lb.mute}:53/udp"]["timeouts"], 1, "timeouts of the mute server")


def test_dns_malformed_and_truncated_counted():
    """Messages that are not DNS, or stop short, are counted exactly and change
    nothing else: a good query after them is still logged."""
    bad = [
        b"\x00\x01\x02",					# shorter than a header
        query("a.test.lan")[:12] + b"\xc0\x0c" + b"\x00\x01\x00\x01",	# pointer to itself
        query("a.test.lan")[:12] + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01",	# label > 63
    ]
    cut = [query("web.test.lan")[:n] for n in (14, 20)]	# inside the question name
    with lab() as lb:
        p = Proc([NETOPROC, "dns", "--summary", "--format", "json", "--capture-mode", "ebpf",
                  "-v", "--duration", "60"])
        with started(p):
            wait_attached(p)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for m in bad + cut:
                s.sendto(m, (lb.void, 53))	# nobody listens there: seen once, leaving
            s.close()
            pid, _ = run_ok(["dig", "+short", f"@{lb.dns}", "web.test.lan"], "dig after")
            time.sleep(0.3)
            p.p.send_signal(2)
            rc, out, err = p.wait(30)
        check_eq(rc, 0, f"dns exit ({err[-300:]})")
        c = json.loads(out)["counters"]
        check_eq((c["malformed"], c["truncated"]), (len(bad), len(cut)),
                 "malformed and truncated messages")
        check(any(r["pid"] == pid for r in json.loads(out)["processes"]),
              "the query after the bad messages")


def monitor_json(args, body, prefix=(), stop_within=None):
    """A monitor snapshot (JSON) around `body()`; returns (snapshot, -v's lines, body's
    result). `prefix` runs netoproc through a command (ip netns exec); `stop_within`:
    seconds it may take from SIGINT to its exit."""
    p = Proc(list(prefix) + [NETOPROC, "--duration", "60", "--format", "json", "-v"] + args)
    with started(p):
        said = wait_attached(p)
        result = body()
        time.sleep(0.5)
        t0 = time.monotonic()
        p.p.send_signal(2)
        rc, out, err = p.wait(30)
        if stop_within is not None:
            check(time.monotonic() - t0 < stop_within,
                  f"netoproc took {time.monotonic() - t0:.1f} s to stop")
    check_eq(rc, 0, f"monitor exit ({err[-300:]})")
    return json.loads(out), said, result


def conns_of(snap, pid):
    return [c for p in snap if p["pid"] == pid for c in p["connections"]]


CONNECT = r"""
import socket, sys, time
names = sys.argv[1:]
for n in names:
    host = n if n[0].isdigit() else socket.getaddrinfo(n, 80, socket.AF_INET)[0][4][0]
    c = socket.create_connection((host, 8080))
    c.sendall(b"x" * 100)
    c.recv(100)
    c.close()
time.sleep(0.3)
"""

SERVER = r"""
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080))
s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    c.recv(100)
    c.sendall(b"y" * 100)
    c.close()
"""


def test_monitor_remote_name_from_dns_ebpf():
    """eBPF mode: a process that resolved web.test.lan and connected to the answer
    has remote_name "web.test.lan" (name_source "dns"); the same process's connection
    to an address nobody asked for has null; --no-dns turns names off."""
    with lab() as lb:
        srv = Proc(lb.exec() + ["python3", "-c", SERVER])
        with started(srv):
            check_eq(srv.p.stdout.readline().strip(), "ready", "server")
            for args, named in (([], True), (["--no-dns"], False)):
                def body():
                    return run_ok(lb.exec() + ["python3", "-c", CONNECT, "web.test.lan",
                                               lb.other], "client")[0]
                snap, said, pid = monitor_json(["--capture-mode", "ebpf"] + args, body)
                check("eBPF capture attached" in said, "eBPF mode")
                by_remote = {c["remote"]: c for c in conns_of(snap, pid) if c["proto"] == "tcp"}
                web, other = by_remote[f"{lb.web}:8080"], by_remote[f"{lb.other}:8080"]
                want = ("web.test.lan", "dns") if named else (None, None)
                check_eq((web["remote_name"], web["name_source"]), want, f"web {args}")
                check_eq((other["remote_name"], other["name_source"]), (None, None),
                         f"unnamed {args}")


def sni_case(mode):
    with lab() as lb:
        srv = Proc(lb.exec() + ["openssl", "s_server", "-accept", f"{lb.tls}:9443", "-quiet",
                                "-key", "/tmp/netoproc-test-key.pem",
                                "-cert", "/tmp/netoproc-test-cert.pem"])
        with started(srv):
            time.sleep(0.5)

            def body():
                c = Proc(["sh", "-c", f"(echo; sleep 0.5) | openssl s_client -connect "
                          f"{lb.tls}:9443 -servername secure.test.lan"])
                c.wait(timeout=20)
                return c.p.pid
            snap, said, _ = monitor_json(["--capture-mode", mode], body)
        check(("eBPF capture attached" in said) == (mode == "ebpf"), f"{mode} mode")
        hits = [(p["process"], c["remote_name"], c["name_source"]) for p in snap
                for c in p["connections"] if c["remote"] == f"{lb.tls}:9443"]
        check_eq(hits, [("openssl", "secure.test.lan", "sni")], "connections to the TLS server")


def make_cert():
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=secure.test.lan", "-keyout", "/tmp/netoproc-test-key.pem",
                    "-out", "/tmp/netoproc-test-cert.pem"], check=True, capture_output=True)


def test_monitor_remote_name_from_sni_ebpf():
    """No DNS answer for the address: the name is the ClientHello's server_name."""
    make_cert()
    sni_case("ebpf")


def test_monitor_remote_name_from_sni_afpacket():
    make_cert()
    sni_case("afpacket")


def test_tui_dns_tab_and_names():
    """The live view: the DNS tab lists the resolver with its query count and the query
    log (process, query, rcode, timeout); the Connections tab shows a resolved remote
    by its name. Scoped to a cgroup of the test's own (--cgroup), so other traffic on
    the host (ten thousand connections of a benchmark) cannot push the rows off screen."""
    from test_tui import Pane
    with lab() as lb, test_cgroup("tuidns") as cg:
        srv = Proc(lb.exec() + ["python3", "-c", SERVER])
        p = Pane(["--capture-mode", "ebpf", "--dns-timeout", "1", "--cgroup", cg], w=160, h=40)
        with started(srv):
            try:
                p.started()
                check_eq(srv.p.stdout.readline().strip(), "ready", "server")
                p.keys("4")
                p.wait_text("[4 DNS]")
                for _ in range(2):
                    run_ok(["dig", "+short", f"@{lb.dns}", "web.test.lan"], "dig", cg)
                run_ok(["dig", "+short", f"@{lb.dns}", "missing.test.lan"], "dig NX", cg)
                Proc(["dig", "+tries=1", "+timeout=1", f"@{lb.mute}", "lost.test.lan"],
                     cgroup=cg).wait(10)
                s = p.wait(lambda s: "lost.test.lan" in s, "the timeout in the log", 10)
                row = [l for l in s.split("\n") if f"{lb.dns}:53/udp" in l and "RESOLVER" not in l
                       and "test.lan" not in l]
                check(row, f"resolver row:\n{s}")
                check_eq(row[0].split()[1:4], ["3", "33.3%", "0"],
                         "dnsmasq: queries, failed share, timeouts")
                lost = [l for l in s.split("\n") if "lost.test.lan" in l][0]
                check("dig" in lost and "timeout" in lost, f"timeout row: {lost}")
                nx = [l for l in s.split("\n") if "missing.test.lan" in l][0]
                check("NXDOMAIN" in nx and "dig" in nx, f"NXDOMAIN row: {nx}")
                run_ok(lb.exec() + ["python3", "-c", CONNECT, "web.test.lan"], "client", cg)
                p.keys("2")
                s = p.wait(lambda s: "web.test.lan:8080" in s, "the named connection", 10)
            finally:
                p.close()


def test_monitor_resolve_reverse_names():
    """--resolve (netoproc in the lab's namespace, whose resolv.conf names dnsmasq): a
    remote no DNS answer named gets its PTR name, name_source "ptr"; a resolver that
    never answers leaves it null and holds up neither the snapshot nor the exit."""
    with lab() as lb:
        srv = Proc(lb.exec() + ["python3", "-c", SERVER])
        with started(srv):
            check_eq(srv.p.stdout.readline().strip(), "ready", "server")

            def body():
                pid = run_ok(lb.exec() + ["python3", "-c", CONNECT, lb.other], "client")[0]
                time.sleep(1.2)		# a naming pass after the lookup came back
                return pid
            for resolver, want in ((lb.dns, ("other.test.lan", "ptr")), (lb.mute, (None, None))):
                with open(f"/etc/netns/{lb.ns}/resolv.conf", "w") as f:
                    f.write(f"nameserver {resolver}\noptions attempts:1 timeout:5\n")
                snap, said, pid = monitor_json(["--capture-mode", "ebpf", "--resolve"], body,
                                               prefix=lb.exec(), stop_within=3)
                check("eBPF capture attached" in said, "eBPF mode")
                conns = [c for c in conns_of(snap, pid) if c["remote"] == f"{lb.other}:8080"]
                check_eq(len(conns), 1, f"connections to {lb.other}")
                check_eq((conns[0]["remote_name"], conns[0]["name_source"]), want,
                         f"name through {resolver}")
