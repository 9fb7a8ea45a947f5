# SPDX-License-Identifier: GPL-2.0-only
"""AF_PACKET capture mode: the shared monitor scenarios (scenarios.py) with
--capture-mode afpacket on loopback, held to AF_PACKET's promises (exact where
capture can be, the share of short-lived processes attributed exactly), the same
across a veth pair between two network namespaces, and the automatic fallback
when netoproc lacks the eBPF capabilities."""
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import npt
from npt import (NETOPROC, in_ns, WORKLOAD, Proc, check, check_eq, finish, netns, one_proc,
                 monitor, procs_by_pid, ready, started, test_cgroup, wait_attached)
from scenarios import AFPACKET, UDP_HDR, check_tcp_headers, run_case

AFP = ["--capture-mode", "afpacket"]
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


def scenario(name, limit, cgname, prefix=(), mode=AFP):
    """One of the shared monitor scenarios (scenarios.py), held to AF_PACKET's promises."""
    return run_case(name, AFPACKET, cgname,
                    lambda cg: afp_monitor(cg, limit, prefix=prefix, mode=mode))


def test_afpacket_tcp_bulk_loopback_ipv4():
    scenario("tcp_bulk_ipv4", 4, "afpbulk4")


def test_afpacket_tcp_bulk_loopback_ipv6():
    scenario("tcp_bulk_ipv6", 4, "afpbulk6")


def test_afpacket_udp_unconnected_loopback_ipv4():
    scenario("udp_unconnected_ipv4", 4, "afpudp4")


def test_afpacket_udp_unconnected_loopback_ipv6():
    scenario("udp_unconnected_ipv6", 4, "afpudp6")


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
    """The parent makes the listener, a child accepts and serves: the child gets the bytes."""
    scenario("prefork_server", 5, "afpprefork")


def test_afpacket_short_lived_share():
    """100 client processes living a few ms each: the share attributed exactly (>= 50%)."""
    scenario("short_lived_clients", 6, "afpshort")


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
    check_tcp_headers(srow, family, "A server", AFPACKET)
    crow = one_proc(snap, ca["pid"])
    check_eq((crow["tx_payload"], crow["rx_payload"]), (send, reply), "A client payload tx/rx")
    check_tcp_headers(crow, family, "A client", AFPACKET)
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


def test_afpacket_flood_rests_the_ring_and_stays_exact():
    """50,000 datagrams/s on the loopback of a namespace of our own (bursts of 500 every
    10 ms): drains that find a block's worth of packets leave the ring unpolled for 5 ms
    (RING_BUSY in capture_afpacket.c), and the sender's and sink's counts stay exact."""
    size = 100
    with netns("npafflood") as (ns,), test_cgroup("afpflood") as cg:
        with afp_monitor(cg, 4, prefix=in_ns(ns)) as m:
            sink = Proc(in_ns(ns) + [WORKLOAD, "udp-sink", "--count", "1000000", "--idle", "1"],
                        cgroup=cg)
            with started(sink):
                port = ready(sink)["port"]
                flood = finish(Proc(in_ns(ns) + [WORKLOAD, "udp-flood", "--port", str(port),
                                                 "--rate", "50000", "--size", str(size),
                                                 "--hold", "1"], cgroup=cg))
                got = finish(sink)
    rests = re.search(r"ring rested (\d+) times", m.stderr)
    check(rests and int(rests.group(1)) > 0, f"the ring rested under the flood: {rests}")
    n = flood["datagrams"]
    check(n > 20000, f"datagrams sent: {n}")
    srow = one_proc(m.result, flood["pid"])
    check_eq((srow["tx_packets"], srow["tx_payload"], srow["tx_bytes"]),
             (n, n * size, n * (size + 28)), "sender packets/payload/bytes")
    rrow = one_proc(m.result, got["pid"])
    check_eq(rrow["rx_packets"], n, "sink's packets (its socket may drop some: counted at the ring)")


# A listener whose only descriptor is in flight in a unix socket (sent with SCM_RIGHTS,
# never received, the sender's own closed): no process holds it, as with the kernel's
# own sockets (VXLAN, WireGuard). Prints its port, then holds the unix pair until killed.
HELD_BY_NOBODY = """
import json, socket, time
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen()
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
socket.send_fds(a, [b"x"], [l.fileno()])
print(json.dumps({"ready": True, "port": l.getsockname()[1]}), flush=True)
l.close()
time.sleep(120)
"""


def test_afpacket_idle_socket_nobody_holds_costs_no_scans():
    """An idle socket no process holds is looked for once, when first met, and not again
    while it moves no packet: the owner search's full pass (every process's descriptors
    read again, a third of the capture's CPU at 10,000 sockets) ran every 1-2 s for it
    before. Over 5 s, exactly one full pass: the start's own."""
    with netns("npafnobody") as (ns,), test_cgroup("afpnobody") as cg:
        holder = Proc(in_ns(ns) + [sys.executable, "-c", HELD_BY_NOBODY], cgroup=cg)
        with started(holder):
            port = ready(holder)["port"]
            rc, out, _ = npt.run(in_ns(ns) + ["ss", "-Htlnp", f"sport = :{port}"])
            check(rc == 0 and out.count("LISTEN") == 1 and "users:" not in out,
                  f"the listener exists and no process holds it: {out!r}")
            with afp_monitor(cg, 10, prefix=in_ns(ns)) as m:
                time.sleep(5)
    passes = re.search(r"/proc fd scans \((\d+) full passes\)", m.stderr)
    check(passes, f"no fd scan statistics: {m.stderr.strip()[-300:]}")
    check_eq(int(passes.group(1)), 1, "full passes over every process's descriptors")


def test_afpacket_tcp_both_families_in_one_walk():
    """With IPv4 and IPv6 TCP sockets alive in the namespace, a socket-table dump walks
    the kernel's TCP table once for both families (the legacy TCPDIAG_GETSOCK request),
    where SOCK_DIAG_BY_FAMILY walks all of it once per family; both exchanges exact."""
    send, reply = 2_000_000, 100_000
    with netns("npafboth") as (ns,), test_cgroup("afpboth") as cg:
        with afp_monitor(cg, 10, prefix=in_ns(ns)) as m:
            s4 = peer(ns, "tcp-server", "127.0.0.1", 0, reply, cgroup=cg)
            s6 = peer(ns, "tcp-server", "::1", 0, reply, cgroup=cg)
            with started(s4, s6):
                p4, p6 = ready(s4)["port"], ready(s6)["port"]
                time.sleep(2.5)	# at least two dumps (one a second) with both listening
                c4 = finish(peer(ns, "tcp-client", "127.0.0.1", p4, send, cgroup=cg))
                c6 = finish(peer(ns, "tcp-client", "::1", p6, send, cgroup=cg))
                r4, r6 = finish(s4), finish(s6)
    for c, s, fam in ((c4, r4, 4), (c6, r6, 6)):
        crow, srow = one_proc(m.result, c["pid"]), one_proc(m.result, s["pid"])
        check_eq((crow["tx_payload"], crow["rx_payload"]), (send, reply),
                 f"IPv{fam} client payload tx/rx")
        check_eq((srow["rx_payload"], srow["tx_payload"]), (send, reply),
                 f"IPv{fam} server payload rx/tx")
    walks = re.search(r"(\d+) socket-table walks \((\d+) of TCP's two families at once\)",
                      m.stderr)
    check(walks, f"no socket-table walk statistics: {m.stderr.strip()[-300:]}")
    check(int(walks.group(2)) >= 2, f"TCP walked once for both families: {walks.group(0)}")
    check("refused a TCP dump" not in m.stderr, f"the legacy request refused: {m.stderr[-300:]}")


# ---- mode selection without the eBPF capabilities ----

def test_afpacket_auto_fallback_without_bpf_caps():
    """auto with CAP_NET_RAW/NET_ADMIN/SYS_PTRACE/DAC_READ_SEARCH only: one line, then exact."""
    scenario("tcp_bulk_ipv4", 4, "afpfallbackbulk", prefix=setpriv(NO_BPF_CAPS),
             mode=["--capture-mode", "auto"])
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


# ---- a long-lived server and short-lived clients, against nftables' own counters ----

SERVER_N, SERVER_SEND, SERVER_REPLY = 100, 2000, 500


@contextlib.contextmanager
def nft_counters(ns):
    """An nftables table in namespace `ns` counting every IP packet in and out, and those
    to and from one TCP port (set by .watch(port)): the kernel's own IP-layer figures, the
    ground truth for AF_PACKET's. Loopback's 64 KiB MTU: no GSO, one skb per packet."""
    table = f"npafp{os.getpid()}"

    def nft(script):
        subprocess.run(in_ns(ns) + ["nft", "-f", "-"], input=script, text=True, check=True,
                       capture_output=True)

    class C:
        def watch(self, port):
            nft(f"add rule inet {table} in tcp dport {port} counter name port_rx\n"
                f"add rule inet {table} out tcp sport {port} counter name port_tx\n")

        def read(self):
            out = subprocess.run(in_ns(ns) + ["nft", "-j", "list", "counters", "table", "inet",
                                              table], check=True, capture_output=True,
                                 text=True).stdout
            got = {}
            for item in json.loads(out)["nftables"]:
                if "counter" in item:
                    c = item["counter"]
                    got[c["name"]] = (c["packets"], c["bytes"])
            return got
    nft(f"add table inet {table}\n"
        f"add counter inet {table} all_rx\nadd counter inet {table} all_tx\n"
        f"add counter inet {table} port_rx\nadd counter inet {table} port_tx\n"
        f"add chain inet {table} in {{ type filter hook input priority 0; }}\n"
        f"add chain inet {table} out {{ type filter hook output priority 0; }}\n"
        f"add rule inet {table} in counter name all_rx\n"
        f"add rule inet {table} out counter name all_tx\n")
    try:
        yield C()
    finally:
        subprocess.run(in_ns(ns) + ["nft", "delete", "table", "inet", table],
                       capture_output=True)


def summed_rows(records):
    """--interval records: each process's (and unknown's) counters summed over them."""
    rows = {}
    for rec in records:
        for p in rec["processes"]:
            key = (p["pid"], p["start_time"])
            r = rows.setdefault(key, dict.fromkeys(
                ("rx_bytes", "tx_bytes", "rx_packets", "tx_packets", "rx_payload",
                 "tx_payload"), 0))
            r["process"] = p["process"]
            for k in ("rx_bytes", "tx_bytes", "rx_packets", "tx_packets"):
                r[k] += p[k]
            for k in ("rx_payload", "tx_payload"):
                r[k] += p[k] or 0
    return rows


def long_lived_server(tag, server_args, client_args, scoped):
    """A server process living through 100 short-lived client connections (each client a
    process of its own), in a network namespace of its own, netoproc refreshing every
    second: the server's IP bytes and packets both ways equal nftables' counters for its
    port, its payload is exact, a client with a row has exact figures, and every packet
    of the namespace is in some row (process or unknown): nothing lost. `scoped`: with
    --cgroup (processes listed from cgroup.procs), else every process of the machine."""
    n, send, reply = SERVER_N, SERVER_SEND, SERVER_REPLY
    with netns(f"npafs{tag}") as (ns,), test_cgroup(f"afpsrv{tag}") as cg, \
            nft_counters(ns) as nft:
        with afp_monitor(cg if scoped else None, 60, prefix=in_ns(ns),
                         extra=["--interval", "1"]) as m:
            srv = Proc(in_ns(ns) + [WORKLOAD, "tcp-server", "--reply", str(reply), "--conns",
                                    str(n), "--send", str(send), "--linger", "1.5"]
                       + server_args, cgroup=cg)
            with started(srv):
                port = ready(srv)["port"]
                nft.watch(port)
                kids = finish(Proc(in_ns(ns) + [WORKLOAD, "short-clients", "--port", str(port),
                                                "--count", str(n), "--send", str(send),
                                                "--expect", str(reply)] + client_args,
                                   cgroup=cg))["children"]
                s = finish(srv)
            time.sleep(1.2)	# one more refresh: the last sockets' close is seen
        truth = nft.read()
    rows = summed_rows(m.records)
    check_eq((s["received"], s["sent"]), (n * send, n * reply), "server's own figures")
    srow = [r for (pid, _), r in rows.items() if pid == s["pid"]]
    check_eq(len(srow), 1, f"server rows (pid {s['pid']})")
    srow = srow[0]
    got = {"rx": (srow["rx_packets"], srow["rx_bytes"]), "tx": (srow["tx_packets"],
                                                                srow["tx_bytes"])}
    if got != {"rx": truth["port_rx"], "tx": truth["port_tx"]}:
        # Where the rest went: every row's packets, and the capture's own account.
        others = {f"{pid}/{r['process']}": (r["rx_packets"], r["rx_bytes"], r["tx_packets"],
                                             r["tx_bytes"])
                  for (pid, _), r in rows.items() if pid != s["pid"]}
        stats = re.search(r"afpacket: .*", m.stderr)
        print(f"  other rows (rx packets, bytes, tx packets, bytes): {others}\n"
              f"  {stats.group(0) if stats else 'no afpacket line'}", flush=True)
    check_eq(got, {"rx": truth["port_rx"], "tx": truth["port_tx"]},
             "server IP packets/bytes (nftables: port_rx, port_tx)")
    check_eq((srow["rx_payload"], srow["tx_payload"]), (n * send, n * reply), "server payload")
    check_eq(srow["process"], "np_workload", "server's name")
    exact = 0
    for pid in kids:
        crow = [r for (p, _), r in rows.items() if p == pid]
        if crow:
            check_eq((crow[0]["tx_payload"], crow[0]["rx_payload"]), (send, reply),
                     f"client {pid} payload")
            exact += 1
    print(f"  {tag}: server exact; {exact}/{n} clients with a row, each exact", flush=True)
    total = {"rx": tuple(sum(r[f"rx_{k}"] for r in rows.values()) for k in ("packets", "bytes")),
             "tx": tuple(sum(r[f"tx_{k}"] for r in rows.values()) for k in ("packets", "bytes"))}
    check_eq(total, {"rx": truth["all_rx"], "tx": truth["all_tx"]},
             "every packet of the namespace in a row (nftables: all_rx, all_tx)")


def test_afpacket_long_lived_server_client_closes():
    """Clients one after another, each shutting down first; the server reads to EOF."""
    long_lived_server("seq", [], [], scoped=True)


def test_afpacket_long_lived_server_closes_first():
    """HTTP/1.0-like: the server reads the request, replies and closes first (its ends go
    to TIME_WAIT, without a file); ten clients at a time; every process of the machine
    watched."""
    long_lived_server("srvclose", ["--server-closes"], ["--server-closes", "--parallel", "10"],
                      scoped=False)


def test_afpacket_long_lived_server_backlog():
    """The server accepts slowly: connections wait in the backlog (no file yet) while
    their data arrives, 20 clients at a time."""
    long_lived_server("backlog", ["--server-closes", "--accept-delay", "5"],
                      ["--server-closes", "--parallel", "20"], scoped=True)


# ---- names after exec ----

def test_afpacket_name_after_exec():
    """A process found (and reported) under one image that exec's another with its socket
    open: AF_PACKET mode reports it under the final name and command line, with every
    byte of both images, and --filter finds it by that name. A server started by
    `timeout` is reported under its own name, not timeout's."""
    count, size, hold = 300, 500, 2.5
    with contextlib.ExitStack() as st:
        tmp = st.enter_context(tempfile.TemporaryDirectory(prefix="npexec"))
        reborn = os.path.join(tmp, "np_reborn")
        os.symlink(WORKLOAD, reborn)
        cg = st.enter_context(test_cgroup("afpexec"))
        m = st.enter_context(afp_monitor(cg, 20, extra=["--interval", "1"]))
        mf = st.enter_context(afp_monitor(cg, 20, extra=["--filter", "np_reborn"]))
        sink = Proc([WORKLOAD, "udp-sink", "--count", str(2 * count)], cgroup=cg)
        # It holds its listener a second before accepting: AF_PACKET names a process
        # from /proc while it holds a socket, and one that served and left within a
        # few ms under load could be gone before the capture looked.
        srv = Proc(["timeout", "30", WORKLOAD, "tcp-server", "--reply", "700", "--conns", "1",
                    "--accept-delay", "1000"], cgroup=cg)
        st.enter_context(started(sink, srv))
        port, sport = ready(sink)["port"], ready(srv)["port"]
        snd = Proc([WORKLOAD, "exec-send", "--port", str(port), "--count", str(count),
                    "--size", str(size), "--hold", str(hold), "--exec-as", reborn,
                    "--linger", "1.5"], cgroup=cg)
        finish(Proc([WORKLOAD, "tcp-client", "--port", str(sport), "--send", "900",
                     "--expect", "700"], cgroup=cg))
        s = finish(srv)
        tx = finish(snd)
        finish(sink)
        final_argv = " ".join([reborn, "exec-send", "--fd", "3", "--port", str(port), "--count",
                               str(count), "--size", str(size), "--linger", "1.5", "--family",
                               "4"])
    want = (2 * count, 2 * count * size, 2 * count * (size + UDP_HDR[4]))
    # Every interval record names it as it was then; the first image's came first.
    names = [p["process"] for rec in m.records for p in rec["processes"]
             if p["pid"] == tx["pid"]]
    check(names and names[0] == "np_workload" and names[-1] == "np_reborn",
          f"names of the exec'ing process over the intervals: {names}")
    rows = summed_rows(m.records)
    got = [r for (pid, _), r in rows.items() if pid == tx["pid"]]
    check_eq(len(got), 1, "rows of the exec'ing process (one process, two images)")
    check_eq((got[0]["tx_packets"], got[0]["tx_payload"], got[0]["tx_bytes"]), want,
             "exec'ing process: packets, payload, bytes of both images")
    last = [p for rec in m.records for p in rec["processes"] if p["pid"] == tx["pid"]][-1]
    check_eq(last["cmdline"], final_argv, "command line after exec")
    frow = one_proc(mf.result, tx["pid"])
    check_eq((frow["process"], frow["tx_packets"], frow["tx_payload"], frow["tx_bytes"]),
             ("np_reborn",) + want, "--filter np_reborn: the process, all its traffic")
    check_eq(len(mf.result), 1, "--filter np_reborn rows")
    srow = [r for (pid, _), r in rows.items() if pid == s["pid"]]
    check_eq([(r["process"], r["rx_payload"], r["tx_payload"]) for r in srow],
             [("np_workload", 900, 700)], "server started by timeout: its own name")
