# SPDX-License-Identifier: GPL-2.0-only
"""The eBPF monitor against workloads that know their byte counts, in a cgroup
of their own: exact payload per process, IP bytes within header bounds."""
from npt import (WORKLOAD, Proc, check, check_eq, finish, monitor, one_proc, probe_json,
                 procs_by_pid, ready, started, test_cgroup)

# IP + TCP header bytes per packet: no options .. largest options.
TCP_HDR = {4: (40, 80), 6: (60, 100)}
UDP_HDR = {4: 28, 6: 48}


def check_tcp_headers(row, family, what, tx_retrans=0, rx_retrans=0):
    """IP bytes minus payload are the headers, plus any payload sent again
    (TCP_INFO's bytes_retrans of the sender; a loaded loopback does drop)."""
    lo, hi = TCP_HDR[family]
    for d, again in (("rx", rx_retrans), ("tx", tx_retrans)):
        hdr = row[f"{d}_bytes"] - row[f"{d}_payload"]
        pk = row[f"{d}_packets"]
        check(pk > 0, f"{what}: no {d} packets")
        check(lo * pk <= hdr <= hi * pk + again,
              f"{what}: {d} header bytes {hdr} outside [{lo}, {hi}] x {pk} packets"
              f" + {again} retransmitted")


def tcp_bulk(family, send, reply):
    with test_cgroup(f"bulk{family}") as cg:
        with monitor(cg, 4) as m:
            srv = Proc([WORKLOAD, "tcp-server", "--family", str(family), "--reply", str(reply)],
                       cgroup=cg)
            with started(srv):
                port = ready(srv)["port"]
                cli = Proc([WORKLOAD, "tcp-client", "--family", str(family), "--port", str(port),
                            "--send", str(send), "--expect", str(reply)], cgroup=cg)
                c = finish(cli)
                s = finish(srv)
        snap = m.result
    crow, srow = one_proc(snap, c["pid"]), one_proc(snap, s["pid"])
    check_eq((crow["tx_payload"], crow["rx_payload"]), (send, reply), "client payload tx/rx")
    check_eq((srow["tx_payload"], srow["rx_payload"]), (reply, send), "server payload tx/rx")
    check_tcp_headers(crow, family, "client", c["retrans"], s["retrans"])
    check_tcp_headers(srow, family, "server", s["retrans"], c["retrans"])
    # Both ends are on this host: what one sent, the other received, packet for packet.
    # Both ends are on this host: what one sent, the other received, packet for
    # packet, unless loopback dropped some (then TCP sent them again).
    if c["retrans"] == 0 and s["retrans"] == 0:
        check_eq(crow["tx_packets"], srow["rx_packets"], "client tx packets == server rx packets")
        check_eq(crow["rx_packets"], srow["tx_packets"], "server tx packets == client rx packets")
    conns = crow["connections"]
    check_eq(len(conns), 1, "client connections")
    check_eq(conns[0]["proto"], "tcp", "client connection proto")
    check_eq(conns[0]["remote"].rsplit(":", 1)[1], str(port), "client remote port")
    check_eq(conns[0]["tx_payload"], send, "client connection tx payload")
    # The accepted socket names the same two ends, the other way round.
    sconns = [x for x in srow["connections"] if x["remote"] != "*:*"]
    check_eq([(x["local"], x["remote"]) for x in sconns], [(conns[0]["remote"], conns[0]["local"])],
             "server connection ends")


def test_tcp_bulk_ipv4():
    tcp_bulk(4, 50_000_000, 1_000_000)


def test_tcp_bulk_ipv6():
    tcp_bulk(6, 20_000_000, 123_457)


def test_short_lived_clients():
    """100 client processes, each living a few ms: every one reported exactly."""
    short_lived_clients()


def test_short_lived_clients_through_perf_buffer():
    """The same through the perf buffer, the path for kernels without a ring
    buffer (before 5.8), forced here with NETOPROC_PERF_BUFFER=1."""
    import os
    os.environ["NETOPROC_PERF_BUFFER"] = "1"
    try:
        said = short_lived_clients()
    finally:
        del os.environ["NETOPROC_PERF_BUFFER"]
    check("reported through a perf buffer" in said, f"-v said: {said!r}")


def short_lived_clients():
    """Runs the scenario; returns what netoproc -v said before attaching."""
    n, send, reply = 100, 3000, 7000
    with test_cgroup("short") as cg:
        with monitor(cg, 6) as m:
            srv = Proc([WORKLOAD, "tcp-server", "--reply", str(reply), "--conns", str(n)],
                       cgroup=cg)
            with started(srv):
                port = ready(srv)["port"]
                cl = Proc([WORKLOAD, "short-clients", "--port", str(port), "--count", str(n),
                           "--send", str(send), "--expect", str(reply)], cgroup=cg)
                kids = finish(cl)["children"]
                s = finish(srv)
        snap = m.result
    check_eq(len(kids), n, "children started")
    exact = named = 0
    for pid in kids:
        rows = procs_by_pid(snap).get(pid, [])
        if len(rows) == 1 and (rows[0]["tx_payload"], rows[0]["rx_payload"]) == (send, reply):
            exact += 1
        # Gone long before netoproc could read /proc: the kernel kept the command line.
        if len(rows) == 1 and rows[0]["cmdline"] == " ".join(cl.args):
            named += 1
    check_eq(exact, n, "short-lived processes attributed exactly")
    check_eq(named, n, "short-lived processes with their command line")
    srow = one_proc(snap, s["pid"])
    check_eq((srow["rx_payload"], srow["tx_payload"]), (n * send, n * reply), "server payload")
    return m.said


def udp_unconnected(family):
    count, size = 500, 1200
    with test_cgroup(f"udp{family}") as cg:
        with monitor(cg, 4) as m:
            sink = Proc([WORKLOAD, "udp-sink", "--family", str(family), "--count", str(count)],
                        cgroup=cg)
            with started(sink):
                port = ready(sink)["port"]
                snd = Proc([WORKLOAD, "udp-send", "--family", str(family), "--port", str(port),
                            "--count", str(count), "--size", str(size)], cgroup=cg)
                tx = finish(snd)
                rx = finish(sink)
        snap = m.result
    srow, rrow = one_proc(snap, tx["pid"]), one_proc(snap, rx["pid"])
    wire = count * (size + UDP_HDR[family])
    check_eq((srow["tx_payload"], srow["tx_packets"], srow["tx_bytes"]),
             (count * size, count, wire), "sender payload/packets/bytes")
    check_eq((rrow["rx_payload"], rrow["rx_packets"], rrow["rx_bytes"]),
             (count * size, count, wire), "receiver payload/packets/bytes")
    check_eq(srow["connections"][0]["remote"], "*:*", "unconnected sender remote")


def test_udp_unconnected_ipv4():
    udp_unconnected(4)


def test_udp_unconnected_ipv6():
    udp_unconnected(6)


def test_prefork_server():
    """The parent makes the listener, a child accepts and serves: the child gets the bytes."""
    n, send, reply = 5, 40_000, 10_000
    with test_cgroup("prefork") as cg:
        with monitor(cg, 5) as m:
            srv = Proc([WORKLOAD, "prefork-server", "--reply", str(reply), "--conns", str(n)],
                       cgroup=cg)
            with started(srv):
                r = ready(srv)
                clients = []
                for _ in range(n):
                    clients.append(finish(Proc([WORKLOAD, "tcp-client", "--port", str(r["port"]),
                                                "--send", str(send), "--expect", str(reply)],
                                               cgroup=cg)))
                child = finish(srv)
        snap = m.result
    check_eq(child["pid"], r["child"], "serving child")
    crow = one_proc(snap, r["child"])
    check_eq((crow["rx_payload"], crow["tx_payload"]), (n * send, n * reply), "child payload")
    parent = procs_by_pid(snap).get(r["pid"], [])
    for p in parent:
        check_eq((p["rx_payload"], p["tx_payload"]), (0, 0), "listener parent payload")
    for c in clients:
        check_eq(one_proc(snap, c["pid"])["tx_payload"], send, "client payload")


def test_pid_reuse_stays_apart():
    """Two processes that share one pid are two rows, each with its own bytes."""
    first, second = 1111, 2222
    with test_cgroup("pidreuse") as cg:
        with monitor(cg, 3) as m:
            sink = Proc([WORKLOAD, "udp-sink", "--count", "2"], cgroup=cg)
            with started(sink):
                port = ready(sink)["port"]
                r = finish(Proc([WORKLOAD, "pid-reuse", "--port", str(port), "--send", str(first),
                                 "--send2", str(second)], cgroup=cg))
                finish(sink)
        snap = m.result
    rows = sorted(procs_by_pid(snap).get(r["pid"], []), key=lambda p: p["start_time"])
    check_eq(len(rows), 2, f"rows for reused pid {r['pid']}")
    check(rows[0]["start_time"] < rows[1]["start_time"], "distinct start times")
    check_eq([p["tx_payload"] for p in rows], [first, second], "payload of each process")
    check_eq([p["tx_bytes"] for p in rows], [first + 28, second + 28], "IP bytes of each process")


def test_interval_records_add_up():
    """--interval json: one object per line, and the intervals add up to what was sent."""
    import json
    import time
    from npt import NETOPROC, wait_attached
    count, size = 300, 500
    with test_cgroup("interval") as cg:
        np = Proc([NETOPROC, "--cgroup", cg, "--duration", "3", "--interval", "0.5",
                   "--format", "json", "--capture-mode", "ebpf", "-v"])
        with started(np):
            wait_attached(np)
            sink = Proc([WORKLOAD, "udp-sink", "--count", str(count)], cgroup=cg)
            with started(sink):
                port = ready(sink)["port"]
                for _ in range(3):	# spread over several intervals
                    tx = finish(Proc([WORKLOAD, "udp-send", "--port", str(port), "--count",
                                      str(count // 3), "--size", str(size)], cgroup=cg))
                    time.sleep(0.4)
                finish(sink)
            rc, out, err = np.wait(timeout=30)
    check_eq(rc, 0, f"netoproc exit ({err.strip()[-300:]})")
    lines = [json.loads(l) for l in out.splitlines()]
    check(5 <= len(lines) <= 7, f"{len(lines)} interval records for 3 s / 0.5 s")
    probe = probe_json()
    for rec in lines:
        check_eq(sorted(k for k in rec if k != "counters"),
                 ["attach", "degraded", "interval", "lost", "mode", "processes", "self_check_ms",
                  "time"], "record keys")
        check_eq((rec["mode"], rec["attach"], rec["lost"]), ("ebpf", "tracepoint", 0),
                 "mode/attach/lost")
        # What probe predicted is what the monitor did; --cgroup skips the self-check.
        check_eq(rec["degraded"], probe["degraded"], "degraded parts, monitor vs probe")
        check_eq(rec["self_check_ms"], None, "self-check with --cgroup")
    sent = sum(p["tx_payload"] for rec in lines for p in rec["processes"]
               if p["process"] == "np_workload")
    check_eq(sent, count * size, "tx payload summed over the intervals")


def test_server_started_before_netoproc():
    """A listener that existed before netoproc is adopted at start: its accepted
    connection is attributed from the handshake on, nothing goes to unknown."""
    send, reply = 30_000, 4_000
    with test_cgroup("adopt") as cg:
        srv = Proc([WORKLOAD, "tcp-server", "--reply", str(reply)], cgroup=cg)
        with started(srv):
            port = ready(srv)["port"]
            with monitor(cg) as m:
                c = finish(Proc([WORKLOAD, "tcp-client", "--port", str(port), "--send", str(send),
                                 "--expect", str(reply)], cgroup=cg))
                s = finish(srv)
        snap = m.result
    crow, srow = one_proc(snap, c["pid"]), one_proc(snap, s["pid"])
    check_eq((srow["rx_payload"], srow["tx_payload"]), (send, reply), "server payload")
    if c["retrans"] == 0:	# else loopback dropped some and TCP sent them again
        check_eq((srow["rx_packets"], srow["rx_bytes"]), (crow["tx_packets"], crow["tx_bytes"]),
                 "server received every packet the client sent")
    check_eq(procs_by_pid(snap).get(None, []), [], "unknown rows")


def test_udp_peers_of_unconnected_socket():
    """One unconnected socket sending to two peers: its connection lists each
    peer with exactly its own datagrams."""
    count, size = 200, 700
    with test_cgroup("peers") as cg:
        with monitor(cg) as m:
            a = Proc([WORKLOAD, "udp-sink", "--count", str(count)], cgroup=cg)
            b = Proc([WORKLOAD, "udp-sink", "--count", str(count)], cgroup=cg)
            with started(a, b):
                pa, pb = ready(a)["port"], ready(b)["port"]
                tx = finish(Proc([WORKLOAD, "udp-send", "--port", str(pa), "--port2", str(pb),
                                  "--count", str(count), "--size", str(size)], cgroup=cg))
                finish(a)
                finish(b)
        snap = m.result
    conns = one_proc(snap, tx["pid"])["connections"]
    check_eq(len(conns), 1, "sender connections")
    peers = {p["remote"]: (p["tx_packets"], p["tx_bytes"]) for p in conns[0]["peers"]}
    want = (count, count * (size + UDP_HDR[4]))
    check_eq(peers, {f"127.0.0.1:{pa}": want, f"127.0.0.1:{pb}": want}, "per-peer counts")


def test_without_cgroup2_mounted():
    """A host with no cgroup v2 mounted (here: a mount namespace without it): netoproc
    mounts one privately, attaches to its root and attributes as usual."""
    import json
    import signal
    import time
    from npt import NETOPROC, cgroup2_root, wait_attached
    count, size = 200, 500
    sink = Proc([WORKLOAD, "udp-sink", "--count", str(count)])
    with started(sink):
        port = ready(sink)["port"]
        # exec: SIGINT must reach netoproc itself.
        np = Proc(["unshare", "-m", "sh", "-c",
                   f"umount {cgroup2_root()} && exec {NETOPROC} --duration 120 --format json "
                   "--capture-mode ebpf -v"])
        with started(np):
            said = wait_attached(np)
            check("attached to its root through a private mount" in said, f"-v said: {said!r}")
            tx = finish(Proc([WORKLOAD, "udp-send", "--port", str(port), "--count", str(count),
                              "--size", str(size)]))
            rx = finish(sink)
            time.sleep(0.3)
            np.p.send_signal(signal.SIGINT)
            rc, out, err = np.wait(timeout=30)
    check_eq(rc, 0, f"netoproc exit ({err.strip()[-300:]})")
    snap = json.loads(out)
    check_eq(one_proc(snap, tx["pid"])["tx_payload"], count * size, "sender payload")
    check_eq(one_proc(snap, rx["pid"])["rx_payload"], count * size, "receiver payload")
