# SPDX-License-Identifier: GPL-2.0-only
"""AF_PACKET capture mode: the workloads of test_monitor.py with
--capture-mode afpacket on loopback, the same across a veth pair between two
network namespaces, the share of short-lived processes attributed exactly,
and the automatic fallback when netoproc lacks the eBPF capabilities."""
import contextlib
import json
import re
import subprocess
import sys

import npt
from npt import (NETOPROC, in_ns, WORKLOAD, Proc, check, check_eq, finish, netns, one_proc,
                 monitor, procs_by_pid, ready, started, test_cgroup, wait_attached)

AFP = ["--capture-mode", "afpacket"]
# IP + TCP header bytes per packet: no options .. largest options (the lower bound is used).
TCP_HDR = {4: (40, 80), 6: (60, 100)}
UDP_HDR = {4: 28, 6: 48}
# Capabilities of the honest fallback test: AF_PACKET, sock_diag and /proc, no eBPF.
NO_BPF_CAPS = "net_raw,net_admin,sys_ptrace,dac_read_search"


def setpriv(caps):
    """Prefix that runs a command with exactly `caps` (root keeps only these)."""
    keep = "-all," + ",".join("+" + c for c in caps.split(","))
    return ["setpriv", f"--inh-caps={keep}", f"--ambient-caps={keep}",
            f"--bounding-set={keep}", "--"]


@contextlib.contextmanager
def afp_monitor(cgroup, duration=None, extra=(), prefix=(), mode=AFP):
    """npt.monitor() in a capture mode, with a command prefix (nsenter, setpriv); it also
    requires that the ring dropped nothing, since exactness needs every packet."""
    with monitor(cgroup, duration, list(mode) + list(extra), prefix=prefix) as m:
        yield m
    # -v closing line: "afpacket: N packets, M kernel drops, ..." (exactness needs M == 0).
    drops = re.search(r"afpacket: (\d+) packets, (\d+) kernel drops", m.stderr)
    check(drops, f"no afpacket statistics line: {m.stderr.strip()[-300:]}")
    check_eq(int(drops.group(2)), 0, f"ring drops ({drops.group(0)})")


def check_tcp_headers(row, family, what):
    """Wire bytes beyond the payload: at least a bare header per packet. No upper bound:
    a retransmitted segment is wire bytes again but not payload again."""
    lo = TCP_HDR[family][0]
    for d in ("rx", "tx"):
        hdr = row[f"{d}_bytes"] - row[f"{d}_payload"]
        pk = row[f"{d}_packets"]
        check(pk > 0, f"{what}: no {d} packets")
        check(lo * pk <= hdr, f"{what}: {d} header bytes {hdr} below {lo} x {pk} packets")


def tcp_bulk(family, send, reply, prefix=(), mode=AFP):
    with test_cgroup(f"afpbulk{family}") as cg:
        with afp_monitor(cg, 4, prefix=prefix, mode=mode) as m:
            srv = Proc([WORKLOAD, "tcp-server", "--family", str(family), "--reply", str(reply)],
                       cgroup=cg)
            with started(srv):
                port = ready(srv)["port"]
                c = finish(Proc([WORKLOAD, "tcp-client", "--family", str(family), "--port",
                                 str(port), "--send", str(send), "--expect", str(reply)],
                                cgroup=cg))
                s = finish(srv)
    snap = m.result
    crow, srow = one_proc(snap, c["pid"]), one_proc(snap, s["pid"])
    check_eq((crow["tx_payload"], crow["rx_payload"]), (send, reply), "client payload tx/rx")
    check_eq((srow["tx_payload"], srow["rx_payload"]), (reply, send), "server payload tx/rx")
    check_tcp_headers(crow, family, "client")
    check_tcp_headers(srow, family, "server")
    # On loopback every packet is seen leaving one end and arriving at the other.
    check_eq(crow["tx_packets"], srow["rx_packets"], "client tx packets == server rx packets")
    check_eq(crow["rx_packets"], srow["tx_packets"], "server tx packets == client rx packets")
    check_eq(crow["tx_bytes"], srow["rx_bytes"], "client tx bytes == server rx bytes")
    conns = crow["connections"]
    check_eq(len(conns), 1, "client connections")
    check_eq(conns[0]["proto"], "tcp", "client connection proto")
    check_eq(conns[0]["remote"].rsplit(":", 1)[1], str(port), "client remote port")
    return m


def test_afpacket_tcp_bulk_loopback_ipv4():
    tcp_bulk(4, 50_000_000, 1_000_000)


def test_afpacket_tcp_bulk_loopback_ipv6():
    tcp_bulk(6, 20_000_000, 123_457)


def udp_unconnected(family):
    # Senders live a few tens of ms: the UDP wake-up has time for a second look.
    count, size = 2000, 1200
    with test_cgroup(f"afpudp{family}") as cg:
        with afp_monitor(cg, 4) as m:
            sink = Proc([WORKLOAD, "udp-sink", "--family", str(family), "--count", str(count)],
                        cgroup=cg)
            with started(sink):
                port = ready(sink)["port"]
                tx = finish(Proc([WORKLOAD, "udp-send", "--family", str(family), "--port",
                                  str(port), "--count", str(count), "--size", str(size)],
                                 cgroup=cg))
                rx = finish(sink)
    snap = m.result
    srow, rrow = one_proc(snap, tx["pid"]), one_proc(snap, rx["pid"])
    wire = count * (size + UDP_HDR[family])
    check_eq((srow["tx_payload"], srow["tx_packets"], srow["tx_bytes"]),
             (count * size, count, wire), "sender payload/packets/bytes")
    check_eq((rrow["rx_payload"], rrow["rx_packets"], rrow["rx_bytes"]),
             (count * size, count, wire), "receiver payload/packets/bytes")
    check_eq(srow["connections"][0]["remote"], "*:*", "unconnected sender remote")


def test_afpacket_udp_unconnected_loopback_ipv4():
    udp_unconnected(4)


def test_afpacket_udp_unconnected_loopback_ipv6():
    udp_unconnected(6)


def test_afpacket_udp_peers_of_unconnected_socket():
    """One unconnected socket sending to two peers: each peer with its own datagrams,
    and the receiving sockets see the sender as their peer."""
    count, size = 1000, 700
    with test_cgroup("afppeers") as cg:
        with afp_monitor(cg, 4) as m:
            a = Proc([WORKLOAD, "udp-sink", "--count", str(count)], cgroup=cg)
            b = Proc([WORKLOAD, "udp-sink", "--count", str(count)], cgroup=cg)
            with started(a, b):
                pa, pb = ready(a)["port"], ready(b)["port"]
                tx = finish(Proc([WORKLOAD, "udp-send", "--port", str(pa), "--port2", str(pb),
                                  "--count", str(count), "--size", str(size)], cgroup=cg))
                ra, rb = finish(a), finish(b)
    snap = m.result
    want = (count, count * (size + UDP_HDR[4]))
    conns = one_proc(snap, tx["pid"])["connections"]
    check_eq(len(conns), 1, "sender connections")
    peers = {p["remote"]: (p["tx_packets"], p["tx_bytes"]) for p in conns[0]["peers"]}
    check_eq(peers, {f"127.0.0.1:{pa}": want, f"127.0.0.1:{pb}": want}, "per-peer counts")
    for r in (ra, rb):
        rconns = one_proc(snap, r["pid"])["connections"]
        rpeers = [(p["rx_packets"], p["rx_bytes"]) for p in rconns[0]["peers"]]
        check_eq(rpeers, [want], "receiver's one peer")


def test_afpacket_prefork_server():
    """The parent makes the listener, a child accepts and serves: the child gets the bytes
    (the parent has closed its copy of the listener, so only the child holds it)."""
    n, send, reply = 5, 40_000, 10_000
    with test_cgroup("afpprefork") as cg:
        with afp_monitor(cg, 5) as m:
            srv = Proc([WORKLOAD, "prefork-server", "--reply", str(reply), "--conns", str(n)],
                       cgroup=cg)
            with started(srv):
                r = ready(srv)
                clients = [finish(Proc([WORKLOAD, "tcp-client", "--port", str(r["port"]),
                                        "--send", str(send), "--expect", str(reply)], cgroup=cg))
                           for _ in range(n)]
                finish(srv)
    snap = m.result
    # Each connection lives about a millisecond: held to the short-lived share.
    check_whole_connections(one_proc(snap, r["child"]), n, send, reply, "serving child")
    for p in procs_by_pid(snap).get(r["pid"], []):
        check_eq((p["rx_payload"], p["tx_payload"]), (0, 0), "listener parent payload")
    # The clients live about a millisecond each: short-lived, measured by the share test.
    check_eq(sum(c["sent"] for c in clients), n * send, "clients sent")


def test_afpacket_short_lived_share():
    """100 client processes living a few ms each: the share attributed exactly (>= 50%)."""
    n, send, reply = 100, 3000, 7000
    with test_cgroup("afpshort") as cg:
        with afp_monitor(cg, 6) as m:
            srv = Proc([WORKLOAD, "tcp-server", "--reply", str(reply), "--conns", str(n)],
                       cgroup=cg)
            with started(srv):
                port = ready(srv)["port"]
                kids = finish(Proc([WORKLOAD, "short-clients", "--port", str(port), "--count",
                                    str(n), "--send", str(send), "--expect", str(reply)],
                                   cgroup=cg))["children"]
                s = finish(srv)
    snap = m.result
    check_eq(len(kids), n, "children started")
    rows = procs_by_pid(snap)
    exact = sum(1 for pid in kids if len(rows.get(pid, [])) == 1 and
                (rows[pid][0]["tx_payload"], rows[pid][0]["rx_payload"]) == (send, reply))
    print(f"  afpacket short-lived clients attributed exactly: {exact}/{n} = {100 * exact // n}%",
          flush=True)
    check(exact * 2 >= n, f"only {exact} of {n} short-lived clients attributed exactly")
    # The server lives on, but each accepted socket lives milliseconds too: its
    # connections are held to the same share, each one whole or not at all.
    check_whole_connections(one_proc(snap, s["pid"]), n, send, reply, "server")


def check_whole_connections(row, n, rx, tx, what):
    """row received rx and sent tx per connection on k of n short-lived connections:
    whole connections only, and k at least half (the short-lived target)."""
    k = row["rx_payload"] // rx
    check_eq((row["rx_payload"], row["tx_payload"]), (k * rx, k * tx),
             f"{what} payload in whole connections")
    print(f"  afpacket {what}: {k}/{n} short-lived connections attributed", flush=True)
    check(k * 2 >= n, f"{what}: only {k} of {n} connections attributed")


# ---- across a veth pair between two network namespaces ----

# Tiny peers with exact byte counts: np_workload speaks loopback only.
PEER = r"""
import json, os, socket, sys
mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
def out(**kw):
    kw["pid"] = os.getpid(); print(json.dumps(kw), flush=True)
def send_all(s, n):
    buf, done = b"v" * 65536, 0
    while done < n:
        done += s.send(buf[:min(65536, n - done)])
    return done
def read_eof(s):
    total = 0
    while True:
        b = s.recv(65536)
        if not b: return total
        total += len(b)
if mode == "tcp-server":
    ls = socket.socket(fam, socket.SOCK_STREAM); ls.bind((host, 0)); ls.listen(8)
    out(ready=True, port=ls.getsockname()[1])
    c, _ = ls.accept(); rx = read_eof(c); tx = send_all(c, int(sys.argv[4])); c.close()
    out(received=rx, sent=tx)
elif mode == "tcp-client":
    s = socket.create_connection((host, port)); tx = send_all(s, int(sys.argv[4]))
    s.shutdown(socket.SHUT_WR); rx = read_eof(s); s.close()
    out(sent=tx, received=rx)
elif mode == "udp-sink":
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20); s.bind((host, 0))
    out(ready=True, port=s.getsockname()[1])
    n = int(sys.argv[4]); rx = sum(len(s.recvfrom(65536)[0]) for _ in range(n))
    out(received=rx, datagrams=n)
elif mode == "udp-send":
    import time
    s = socket.socket(fam, socket.SOCK_DGRAM); n, size = int(sys.argv[4]), int(sys.argv[5])
    tx = 0
    for i in range(n):
        tx += s.sendto(b"u" * size, (host, port))
        if i % 64 == 63: time.sleep(0.001)
    out(sent=tx, datagrams=n)
"""

VETH = {4: ("10.231.0.1", "10.231.0.2"), 6: ("fd00:231::1", "fd00:231::2")}
VETH_A, VETH_B = VETH[4]


@contextlib.contextmanager
def veth_pair():
    """Namespaces A and B joined by a veth pair: A = 10.231.0.1/24 and fd00:231::1/64,
    B = 10.231.0.2/24 and fd00:231::2/64."""
    with netns("npafa", "npafb") as (a, b):
        va, vb = f"npva{a.rsplit('-', 1)[1]}"[:15], f"npvb{a.rsplit('-', 1)[1]}"[:15]
        for cmd in (["ip", "link", "add", va, "netns", a, "type", "veth", "peer", "name", vb,
                     "netns", b],
                    ["ip", "-n", a, "addr", "add", f"{VETH_A}/24", "dev", va],
                    ["ip", "-n", b, "addr", "add", f"{VETH_B}/24", "dev", vb],
                    ["ip", "-n", a, "addr", "add", f"{VETH[6][0]}/64", "dev", va, "nodad"],
                    ["ip", "-n", b, "addr", "add", f"{VETH[6][1]}/64", "dev", vb, "nodad"],
                    ["ip", "-n", a, "link", "set", va, "up"],
                    ["ip", "-n", b, "link", "set", vb, "up"]):
            subprocess.run(cmd, check=True, capture_output=True)
        yield a, b, va


def peer(ns, *args, cgroup=None):
    return Proc(in_ns(ns) + [sys.executable, "-c", PEER] + [str(x) for x in args],
                cgroup=cgroup)


def veth_tcp(family):
    """netoproc in namespace A: A's server and A's client, each talking to B, exact."""
    send, reply = 5_000_000, 300_000
    va_addr, vb_addr = VETH[family]
    with veth_pair() as (a, b, va), test_cgroup(f"afpveth{family}") as cg:
        with afp_monitor(cg, 5, prefix=in_ns(a)) as m:
            srv = peer(a, "tcp-server", va_addr, 0, reply, cgroup=cg)
            rsrv = peer(b, "tcp-server", vb_addr, 0, reply, cgroup=cg)
            with started(srv, rsrv):
                port, rport = ready(srv)["port"], ready(rsrv)["port"]
                cb = finish(peer(b, "tcp-client", va_addr, port, send, cgroup=cg))
                ca = finish(peer(a, "tcp-client", vb_addr, rport, send, cgroup=cg))
                s = finish(srv)
                finish(rsrv)
    snap = m.result
    check_eq((cb["sent"], cb["received"]), (send, reply), "remote client transfer")
    srow = one_proc(snap, s["pid"])
    check_eq((srow["rx_payload"], srow["tx_payload"]), (send, reply), "A server payload rx/tx")
    check_tcp_headers(srow, family, "A server")
    crow = one_proc(snap, ca["pid"])
    check_eq((crow["tx_payload"], crow["rx_payload"]), (send, reply), "A client payload tx/rx")
    check_tcp_headers(crow, family, "A client")
    # B's processes live in a namespace netoproc does not watch: never attributed.
    check(cb["pid"] not in procs_by_pid(snap), "B's client must not appear")


def test_afpacket_veth_tcp_ipv4():
    veth_tcp(4)


def test_afpacket_veth_tcp_ipv6():
    veth_tcp(6)


def test_afpacket_veth_udp():
    """Unconnected UDP across the veth pair: A's sender and A's sink, exact."""
    count, size = 2000, 1000
    with veth_pair() as (a, b, va), test_cgroup("afpvethudp") as cg:
        with afp_monitor(cg, 5, prefix=in_ns(a),
                         extra=["--interface", va]) as m:
            sink_a = peer(a, "udp-sink", VETH_A, 0, count, cgroup=cg)
            sink_b = peer(b, "udp-sink", VETH_B, 0, count, cgroup=cg)
            with started(sink_a, sink_b):
                pa, pb = ready(sink_a)["port"], ready(sink_b)["port"]
                finish(peer(b, "udp-send", VETH_A, pa, count, size, cgroup=cg))
                tx = finish(peer(a, "udp-send", VETH_B, pb, count, size, cgroup=cg))
                rx = finish(sink_a)
                finish(sink_b)
    snap = m.result
    wire = count * (size + UDP_HDR[4])
    rrow = one_proc(snap, rx["pid"])
    check_eq((rrow["rx_payload"], rrow["rx_packets"], rrow["rx_bytes"]),
             (count * size, count, wire), "A sink payload/packets/bytes")
    srow = one_proc(snap, tx["pid"])
    check_eq((srow["tx_payload"], srow["tx_packets"], srow["tx_bytes"]),
             (count * size, count, wire), "A sender payload/packets/bytes")


# ---- mode selection without the eBPF capabilities ----

def test_afpacket_auto_fallback_without_bpf_caps():
    """auto with CAP_NET_RAW/NET_ADMIN/SYS_PTRACE/DAC_READ_SEARCH only: one line, then exact."""
    tcp_bulk(4, 50_000_000, 1_000_000, prefix=setpriv(NO_BPF_CAPS), mode=["--capture-mode", "auto"])
    with test_cgroup("afpfallback") as cg:
        p = Proc(setpriv(NO_BPF_CAPS) + [NETOPROC, "--cgroup", cg, "--duration", "1",
                                         "--interval", "1", "--format", "json"])
        rc, out, err = p.wait(timeout=30)
    check_eq(rc, 0, f"netoproc exit status ({err.strip()})")
    err_lines = [l for l in err.splitlines() if l.strip()]
    check_eq(len(err_lines), 1, f"stderr lines ({err_lines})")
    check("using AF_PACKET" in err_lines[0] and "CAP_BPF" in err_lines[0],
          f"fallback line names the reason: {err_lines[0]!r}")
    rec = json.loads(out.splitlines()[0])
    check_eq(rec["mode"], "afpacket", "mode of the interval record")
    check_eq(rec["lost"], 0, "lost")


def test_afpacket_forced_ebpf_without_caps_exits_1():
    with test_cgroup("afpforced") as cg:
        p = Proc(setpriv(NO_BPF_CAPS) + [NETOPROC, "--cgroup", cg, "--duration", "1",
                                         "--capture-mode", "ebpf"])
        rc, out, err = p.wait(timeout=30)
    check_eq(rc, 1, "exit status of forced ebpf without CAP_BPF")
    check("CAP_BPF" in err, f"names the capability: {err.strip()!r}")


def test_afpacket_needs_net_raw():
    with test_cgroup("afpnoraw") as cg:
        p = Proc(setpriv("net_admin,sys_ptrace") + [NETOPROC, "--cgroup", cg, "--duration",
                                                    "1", "--capture-mode", "afpacket"])
        rc, out, err = p.wait(timeout=30)
    check_eq(rc, 1, "exit status of afpacket without CAP_NET_RAW")
    check("CAP_NET_RAW" in err, f"names the capability: {err.strip()!r}")
