# SPDX-License-Identifier: GPL-2.0-only
"""netoproc drop against drops the test causes itself, in network namespaces of its
own: an nft rule, a closed UDP port and a full socket receive buffer, each with a
known number of packets, counted exactly by reason."""
import json
import re
import signal
import subprocess
import time

from npt import NETOPROC, Proc, check, check_eq, netns, run, started, wait_attached

PORT = 40000	# any port: the namespaces are the test's own

# Runs inside the namespace: N TCP connection attempts, one SYN each. The initial
# retransmission timeout is 1 s, so closing after 0.2 s means no second SYN.
SYNS = """
import socket, sys
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.settimeout(0.2)
    try:
        s.connect(("127.0.0.1", int(sys.argv[2])))
    except OSError:
        pass
    s.close()
"""

# N datagrams to a port nobody listens on.
UDP_SEND = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[1])):
    s.sendto(b"x" * 100, ("127.0.0.1", int(sys.argv[2])))
"""

# N datagrams into a socket with the smallest receive buffer, then read what fit.
UDP_FLOOD = """
import json, socket, sys, time
n, port = int(sys.argv[1]), int(sys.argv[2])
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
r.bind(("127.0.0.1", port))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(n):
    s.sendto(b"y" * 1000, ("127.0.0.1", port))
time.sleep(0.2)
r.setblocking(False)
got = 0
while True:
    try:
        r.recv(4096)
        got += 1
    except BlockingIOError:
        break
print(json.dumps({"sent": n, "received": got}))
"""


def nsexec(ns, args, timeout=60):
    rc, out, err = run(["ip", "netns", "exec", ns] + args, timeout=timeout)
    check(rc == 0, f"{args[:3]} in {ns} failed ({rc}): {err.strip()[-300:]}")
    return out


def nspy(ns, code, *args):
    return nsexec(ns, ["python3", "-c", code] + [str(a) for a in args])


def start_drop(ns, expr, extra=()):
    p = Proc([NETOPROC, "drop", "-v", "--format", "json", "--netns", f"/var/run/netns/{ns}"]
             + list(extra) + expr.split())
    wait_attached(p)
    return p


def stop_drop(p):
    """SIGINT, then the JSON events it printed; it must exit 0 and lose nothing."""
    time.sleep(0.3)
    p.p.send_signal(signal.SIGINT)
    rc, out, err = p.wait(timeout=30)
    check_eq(rc, 0, f"netoproc drop exit status (stderr: {err.strip()[-300:]})")
    check("lost" not in err or "no events lost" in err, f"events lost: {err.strip()}")
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def by_reason(events):
    out = {}
    for e in events:
        out[e["reason"]] = out.get(e["reason"], 0) + 1
    return out


def test_nft_drop_tcp_port():
    n = 6
    with netns("npdrop") as (ns,):
        nsexec(ns, ["nft", "add table inet nptest; "
                    "add chain inet nptest input { type filter hook input priority 0; }; "
                    f"add rule inet nptest input tcp dport {PORT} drop"])
        tcp = start_drop(ns, f"tcp dst port {PORT}")
        udp = start_drop(ns, "udp")
        with started(tcp, udp):
            nspy(ns, SYNS, n, PORT)
            ev = stop_drop(tcp)
            other = stop_drop(udp)
    check_eq(by_reason(ev), {"NETFILTER_DROP": n}, "drops by reason")
    for e in ev:
        # nf_hook_slow, or nft_do_chain where the kernel drops from inside nftables
        check(e["location"].startswith(("nf_hook_slow+", "nft_do_chain+")),
              f"netfilter location: {e['location']}")
        check_eq((e["proto"], e["dst"], e["dport"]), ("tcp", "127.0.0.1", PORT), "packet")
        check_eq(e["tcp_flags"], "S", "TCP flags")
        check_eq(e["ifname"], "lo", "device")
        for k in ("time", "cpu", "netns", "ifindex", "probe", "skb", "len", "src", "sport"):
            check(k in e, f"field {k} missing in {e}")
    check_eq(other, [], "events of the udp filter")


def test_udp_closed_port_no_socket():
    n = 25
    with netns("npdrop") as (ns,):
        udp = start_drop(ns, f"udp and dst port {PORT}")
        tcp = start_drop(ns, "tcp")
        with started(udp, tcp):
            nspy(ns, UDP_SEND, n, PORT)
            ev = stop_drop(udp)
            other = stop_drop(tcp)
    check_eq(by_reason(ev), {"NO_SOCKET": n}, "drops by reason")
    for e in ev:
        # len is skb->len where it was freed: the UDP header onwards, 8 + 100 bytes
        check_eq((e["proto"], e["dst"], e["dport"], e["len"]), ("udp", "127.0.0.1", PORT, 108),
                 "packet")
    check_eq(other, [], "events of the tcp filter")


def test_udp_rcvbuf_full():
    n = 200
    with netns("npdrop") as (ns,):
        udp = start_drop(ns, "udp")
        with started(udp):
            res = json.loads(nspy(ns, UDP_FLOOD, n, PORT).strip().splitlines()[-1])
            ev = stop_drop(udp)
    check(0 < res["received"] < n, f"receiver got {res['received']} of {n}")
    check_eq(by_reason(ev), {"SOCKET_RCVBUFF": n - res["received"]}, "drops by reason")
    check(all(e["dport"] == PORT for e in ev), "all drops are to the flooded port")


def test_summary_counts():
    n = 7
    with netns("npdrop") as (ns,):
        p = Proc([NETOPROC, "drop", "-v", "--summary", "--format", "json", "--netns",
                  f"/var/run/netns/{ns}", "udp"])
        with started(p):
            wait_attached(p)
            nspy(ns, UDP_SEND, n, PORT)
            time.sleep(0.3)
            p.p.send_signal(signal.SIGINT)
            rc, out, err = p.wait(timeout=30)
    check_eq(rc, 0, f"exit status ({err.strip()[-300:]})")
    final = json.loads(out.strip().splitlines()[-1])
    check(final["final"], "last summary is the final one")
    rows = final["drops"]
    check_eq(len(rows), 1, f"summary rows {rows}")
    check_eq((rows[0]["count"], rows[0]["reason"], rows[0]["proto"]), (n, "NO_SOCKET", "udp"),
             "summary row")
    check_eq(final["total"], n, "summary total")


def test_count_and_duration_stop():
    with netns("npdrop") as (ns,):
        p = Proc([NETOPROC, "drop", "--count", "3", "--format", "json", "--netns",
                  f"/var/run/netns/{ns}", "-v"])
        with started(p):
            wait_attached(p)
            nspy(ns, UDP_SEND, 10, PORT)
            rc, out, err = p.wait(timeout=30)
        check_eq(rc, 0, "exit status with --count")
        check_eq(len(out.splitlines()), 3, "events printed with --count 3")
        t0 = time.time()
        rc, out, err = run([NETOPROC, "drop", "--duration", "1", "--netns",
                            f"/var/run/netns/{ns}"])
        check_eq(rc, 0, f"exit status with --duration ({err.strip()})")
        check(time.time() - t0 < 10, "--duration 1 stops")


def test_bad_filter_expression():
    rc, out, err = run([NETOPROC, "drop", "tcp", "port", "nosuchport"])
    check_eq(rc, 2, "exit status")
    check_eq(len(err.strip().splitlines()), 1, f"stderr lines: {err!r}")
    check("nosuchport" in err, f"error names the problem: {err!r}")
    check_eq(out, "", "stdout")
    rc, out, err = run([NETOPROC, "drop", "--mark", "x/y"])
    check_eq(rc, 2, "exit status for --mark x/y")
    check_eq(len(err.strip().splitlines()), 1, f"stderr lines: {err!r}")


# Marked and unmarked datagrams to a closed port: n1 with SO_MARK 0x42, n2 without.
UDP_MARKED = """
import socket, sys
n1, n2, port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
m = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
m.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 0x42)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(n1):
    m.sendto(b"m", ("127.0.0.1", port))
for _ in range(n2):
    u.sendto(b"u", ("127.0.0.1", port))
"""


def test_mark_and_ifname_filters():
    n1, n2 = 5, 9
    with netns("npdrop") as (ns,):
        exact = start_drop(ns, "udp", ["--mark", "0x42"])
        masked = start_drop(ns, "udp", ["--mark", "0x40/0xf0"])
        lo = start_drop(ns, "udp", ["--ifname", "lo"])
        # A device that exists (--ifname wants one) and carries none of this traffic.
        subprocess.run(["ip", "-n", ns, "link", "add", "npidle0", "type", "veth", "peer", "name",
                        "npidle1"], check=True)
        other = start_drop(ns, "udp", ["--ifname", "npidle0"])
        with started(exact, masked, lo, other):
            nspy(ns, UDP_MARKED, n1, n2, PORT)
            got = [stop_drop(p) for p in (exact, masked, lo, other)]
    check_eq([len(g) for g in got], [n1, n1, n1 + n2, 0], "events for mark 0x42, 0x40/0xf0, "
             "ifname lo, ifname npidle0")
    check(all(e["mark"] == 0x42 for e in got[0]), "marks of --mark 0x42 events")


# Waits for a line on stdin, then sends N datagrams that the nft output chain drops:
# the drop happens in this process's context.
UDP_OUT_DROPPED = """
import socket, sys
sys.stdin.readline()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[1])):
    try:
        s.sendto(b"p", ("127.0.0.1", int(sys.argv[2])))
    except OSError:
        pass
print("done", flush=True)
"""


def test_pid_filter_and_process_context():
    n = 4
    with netns("npdrop") as (ns,):
        nsexec(ns, ["nft", "add table inet nptest; "
                    "add chain inet nptest output { type filter hook output priority 0; }; "
                    f"add rule inet nptest output udp dport {PORT} drop"])
        # `ip netns exec` execs python in place: the pid is the sender's.
        sender = Proc(["ip", "netns", "exec", ns, "python3", "-c", UDP_OUT_DROPPED, str(n),
                       str(PORT)], stdin=subprocess.PIPE)
        with started(sender):
            mine = start_drop(ns, "udp", ["--pid", str(sender.p.pid)])
            other = start_drop(ns, "udp", ["--pid", "1"])
            with started(mine, other):
                sender.p.stdin.write("go\n")
                sender.p.stdin.flush()
                check_eq(sender.p.stdout.readline().strip(), "done", "sender finished")
                ev = stop_drop(mine)
                none = stop_drop(other)
    check_eq(by_reason(ev), {"NETFILTER_DROP": n}, "drops by reason for --pid")
    for e in ev:
        check_eq((e.get("pid"), e.get("comm")), (sender.p.pid, "python3"), "process")
    check_eq(none, [], "events for --pid 1")


def test_lost_events_counted():
    """A reader that cannot keep up loses events, counts every one and keeps going:
    events printed + events lost == drops caused."""
    n = 100000
    with netns("npdrop") as (ns,):
        # stdout is not read until the end: the pipe fills, then the ring buffer.
        p = start_drop(ns, "udp")
        with started(p):
            nspy(ns, UDP_SEND, n, PORT)
            time.sleep(1.5)
            p.p.send_signal(signal.SIGINT)
            rc, out, err = p.wait(timeout=60)
    check_eq(rc, 0, f"exit status ({err.strip()[-300:]})")
    m = re.search(r"drop: (\d+) drops seen, (\d+) matched the filters, (\d+) lost in the ring "
                  r"buffer, (\d+) missed", err)
    check(m, f"closing counts on stderr: {err!r}")
    matched, lost, missed = int(m.group(2)), int(m.group(3)), int(m.group(4))
    check(lost > 0, "the stalled reader lost events")
    check(re.search(rf"{lost + missed} in total", err), f"loss reported as it happened: {err!r}")
    check_eq(len(out.splitlines()) + lost, matched, "events printed + lost in the ring buffer")
    # A drop elsewhere nesting in ours is skipped by the kernel (and counted as missed).
    check(n - missed <= matched <= n, f"matched {matched} of {n} drops ({missed} missed)")


UDP6_SEND = UDP_SEND.replace("socket.AF_INET", "socket.AF_INET6").replace('"127.0.0.1"', '"::1"')


def test_udp6_closed_port_and_ip_filter():
    """IPv6: NO_SOCKET with the addresses parsed; an IPv4-only filter sees none of it."""
    n = 11
    with netns("npdrop") as (ns,):
        v6 = start_drop(ns, f"ip6 and udp dst port {PORT}")
        v4 = start_drop(ns, "ip")
        with started(v6, v4):
            nspy(ns, UDP6_SEND, n, PORT)
            ev = stop_drop(v6)
            other = stop_drop(v4)
    check_eq(by_reason(ev), {"NO_SOCKET": n}, "drops by reason")
    for e in ev:
        check_eq((e["proto"], e["src"], e["dst"], e["dport"]), ("udp", "::1", "::1", PORT),
                 "packet")
    check_eq(other, [], "events of the ip (v4) filter")


def test_summary_interval_records_and_text_header():
    """--summary --interval 1 --duration 3: the tables at 1 s and 2 s, then the final one
    at 3 s (not a periodic table and the final one for the same moment); text output
    without --summary starts with a header row naming the fields."""
    n = 4
    with netns("npdrop") as (ns,):
        p = Proc([NETOPROC, "drop", "-v", "--summary", "--interval", "1", "--duration", "3",
                  "--format", "json", "--netns", f"/var/run/netns/{ns}", "udp"])
        t = Proc([NETOPROC, "drop", "-v", "--duration", "3", "--netns",
                  f"/var/run/netns/{ns}", "udp"])
        with started(p, t):
            wait_attached(p)
            wait_attached(t)
            nspy(ns, UDP_SEND, n, PORT)
            rc, out, err = p.wait(timeout=30)
            trc, tout, terr = t.wait(timeout=30)
    check_eq(rc, 0, f"exit status ({err.strip()[-300:]})")
    tables = [json.loads(l) for l in out.strip().splitlines()]
    check_eq([r["final"] for r in tables], [False, False, True], "tables and which is final")
    check_eq(tables[-1]["total"], n, "final total")
    check_eq(trc, 0, f"text run exit status ({terr.strip()[-300:]})")
    lines = tout.splitlines()
    check_eq(lines[0], "# TIME CPU NETNS DEVICE:IFINDEX PROTO SRC > DST LEN SKB REASON LOCATION "
             "[PROCESS:PID] [ct:CONTAINER(NAME)]", "header row")
    check_eq(len(lines), 1 + n, f"header and one line per drop: {lines}")


def test_ifname_must_exist_somewhere():
    """--ifname names a device of some network namespace (a container's end of a veth
    counts), else one line and exit 2, for drop and trace alike."""
    for cmd in ("drop", "trace"):
        rc, out, err = run([NETOPROC, cmd, "--ifname", "nosuch0", "--duration", "1"])
        check_eq(rc, 2, f"{cmd} --ifname nosuch0: exit status")
        check_eq(err.strip().splitlines(),
                 ["netoproc: --ifname nosuch0: no such interface in any network namespace"],
                 f"{cmd}: the error")
    with netns("npdrop") as (ns,):
        subprocess.run(["ip", "-n", ns, "link", "add", "npifx0", "type", "veth", "peer", "name",
                        "npifx1"], check=True)
        rc, out, err = run([NETOPROC, "trace", "--ifname", "npifx0", "--duration", "0.5"])
        check_eq(rc, 0, f"a device of another namespace is accepted ({err.strip()[-200:]})")
