# SPDX-License-Identifier: GPL-2.0-only
"""The monitor's scenarios, defined once: the np_workload steps each runs and what its
snapshot must show. Three suites run them, each its own way and with its own
expectations (an Expect):

  - test_monitor.py, eBPF mode on this machine (EBPF): exact;
  - test_afpacket.py, AF_PACKET mode on this machine (AFPACKET): exact where capture can
    be, shares where it cannot (processes living a millisecond);
  - the kernel matrix (VM): eBPF on Debian kernels under software emulation, whose
    vm-init.sh runs the steps from the shell functions `shell()` writes, and whose
    run_matrix.py holds them to these checks.

A scenario's result `r` offers r.ready(role), r.result(role) (the last result line),
r.results(role) (every one), r.argv(role) (the command line of a role that records it)
and r.snapshot() (netoproc's JSON)."""
import sys

from npt import Fail, check, check_eq, one_proc, procs_by_pid

# IP + TCP header bytes per packet: no options .. largest options.
TCP_HDR = {4: (40, 80), 6: (60, 100)}
UDP_HDR = {4: 28, 6: 48}


class Expect:
    """What a suite's capture promises on a scenario."""
    def __init__(self, name, **kw):
        self.name = name
        self.exact_short = kw.get("exact_short", True)	# every short-lived process exact
        self.cmdline = kw.get("cmdline", True)		# ... and with its command line
        self.tcp_hdr_upper = kw.get("tcp_hdr_upper", True)	# IP bytes bounded above too
        self.loopback_same = kw.get("loopback_same", False)	# one end's tx is the other's rx
        self.synack_quirk = kw.get("synack_quirk", False)	# 6.1: an IPv6 SYN-ACK unseen
        self.conn_payload = kw.get("conn_payload", True)	# per-connection payload checked
        self.conn_ends = kw.get("conn_ends", False)		# accepted socket's ends reversed
        self.udp_count = kw.get("udp_count", 500)
        self.udp_loss_ok = kw.get("udp_loss_ok", False)	# a slow sink may drop datagrams


EBPF = Expect("ebpf", conn_ends=True)
# Senders live a few tens of ms with 2000 datagrams: the UDP wake-up has time for a look.
AFPACKET = Expect("afpacket", exact_short=False, cmdline=False, tcp_hdr_upper=False,
                  loopback_same=True, conn_payload=False, udp_count=2000)
VM = Expect("vm", synack_quirk=True, udp_loss_ok=True)


class Step:
    """One np_workload run. background: a server, started first, waited for ready and
    collected at the end; {port} is the first server's port; repeat: run it n times;
    argv: record its command line (the short-lived clients' expected cmdline)."""
    def __init__(self, role, args, background=False, repeat=1, argv=False):
        self.role, self.args, self.background = role, args, background
        self.repeat, self.argv = repeat, argv

    def words(self, port):
        return self.args.format(port=port).split()


class Scenario:
    def __init__(self, name, steps, check_fn):
        self.name, self._steps, self.check = name, steps, check_fn

    def steps(self, e):
        return self._steps(e)


# ---- the checks ----------------------------------------------------------------------

def check_tcp_headers(row, family, what, e, tx_retrans=0, rx_retrans=0):
    """IP bytes minus payload are the headers, plus any payload sent again (TCP_INFO's
    bytes_retrans of the sender; a loaded loopback does drop). AF_PACKET: a lower bound
    only (a retransmitted segment is wire bytes again but not payload again)."""
    lo, hi = TCP_HDR[family]
    for d, again in (("rx", rx_retrans), ("tx", tx_retrans)):
        hdr = row[f"{d}_bytes"] - row[f"{d}_payload"]
        pk = row[f"{d}_packets"]
        check(pk > 0, f"{what}: no {d} packets")
        if e.tcp_hdr_upper:
            check(lo * pk <= hdr <= hi * pk + again,
                  f"{what}: {d} header bytes {hdr} outside [{lo}, {hi}] x {pk} packets"
                  f" + {again} retransmitted")
        else:
            check(lo * pk <= hdr, f"{what}: {d} header bytes {hdr} below {lo} x {pk} packets")


def tcp_bulk(r, e, family, send, reply):
    port = r.ready("server")["port"]
    c, s = r.result("client"), r.result("server")
    snap = r.snapshot()
    crow, srow = one_proc(snap, c["pid"]), one_proc(snap, s["pid"])
    check_eq((crow["tx_payload"], crow["rx_payload"]), (send, reply), "client payload tx/rx")
    check_eq((srow["tx_payload"], srow["rx_payload"]), (reply, send), "server payload tx/rx")
    check_tcp_headers(crow, family, "client", e, c["retrans"], s["retrans"])
    check_tcp_headers(srow, family, "server", e, s["retrans"], c["retrans"])
    if e.loopback_same:
        # Captured on loopback: every packet seen leaving one end and arriving at the other.
        check_eq(crow["tx_packets"], srow["rx_packets"], "client tx packets == server rx packets")
        check_eq(crow["rx_packets"], srow["tx_packets"], "server tx packets == client rx packets")
        check_eq(crow["tx_bytes"], srow["rx_bytes"], "client tx bytes == server rx bytes")
    elif c["retrans"] == 0 and s["retrans"] == 0:
        # Else loopback dropped some and TCP sent them again.
        unseen = 0
        listener = [x for x in srow["connections"] if x["remote"] == "*:*"]
        if e.synack_quirk and family == 6 and (not listener or listener[0]["tx_packets"] == 0):
            # On 6.1 ip6_finish_output runs the cgroup egress hook only when
            # sk == skb->sk, and a SYN-ACK's skb->sk is the request socket: that
            # one packet never reaches cgroup_skb (6.12 shows it on the listener).
            unseen = 1
        check_eq(crow["tx_packets"], srow["rx_packets"], "client tx packets == server rx packets")
        check_eq(crow["rx_packets"], srow["tx_packets"] + unseen,
                 "server tx packets (+ a SYN-ACK the kernel may not show) == client rx packets")
    conns = crow["connections"]
    check_eq(len(conns), 1, "client connections")
    check_eq(conns[0]["proto"], "tcp", "client connection proto")
    check_eq(conns[0]["remote"].rsplit(":", 1)[1], str(port), "client remote port")
    if e.conn_payload:
        check_eq(conns[0]["tx_payload"], send, "client connection tx payload")
    if e.conn_ends:
        # The accepted socket names the same two ends, the other way round.
        sconns = [x for x in srow["connections"] if x["remote"] != "*:*"]
        check_eq([(x["local"], x["remote"]) for x in sconns],
                 [(conns[0]["remote"], conns[0]["local"])], "server connection ends")


SHORT_N, SHORT_SEND, SHORT_REPLY = 100, 3000, 7000


def short_lived(r, e):
    n, send, reply = SHORT_N, SHORT_SEND, SHORT_REPLY
    kids = r.result("clients")["children"]
    s = r.result("server")
    snap = r.snapshot()
    rows = procs_by_pid(snap)
    check_eq(len(kids), n, "children started")
    exact = sum(1 for pid in kids if len(rows.get(pid, [])) == 1 and
                (rows[pid][0]["tx_payload"], rows[pid][0]["rx_payload"]) == (send, reply))
    if not e.exact_short:
        print(f"  {e.name} short-lived clients attributed exactly: {exact}/{n} = "
              f"{100 * exact // n}%", flush=True)
        check(exact * 2 >= n, f"only {exact} of {n} short-lived clients attributed exactly")
        # Found while alive: the command line was read then, though it is gone now.
        argv = r.argv("clients")
        named = sum(1 for pid in kids if len(rows.get(pid, [])) == 1 and
                    rows[pid][0]["cmdline"] == argv)
        print(f"  {e.name} short-lived clients with their command line: {named}/{exact}",
              flush=True)
        check(named * 2 >= exact, f"only {named} of {exact} attributed short-lived clients "
              "with their command line")
        # The server lives on: its accepted sockets, however short, are its own (held by
        # it, or by its listener's holder when gone before anyone looked).
        srow = one_proc(snap, s["pid"])
        check_eq((srow["rx_payload"], srow["tx_payload"]), (n * send, n * reply),
                 f"{e.name} server payload")
        return
    check_eq(exact, n, "short-lived processes attributed exactly")
    if e.cmdline:
        # Gone long before netoproc could read /proc: the kernel kept the command line.
        argv = r.argv("clients")
        named = sum(1 for pid in kids if len(rows.get(pid, [])) == 1 and
                    rows[pid][0]["cmdline"] == argv)
        check_eq(named, n, "short-lived processes with their command line")
    srow = one_proc(snap, s["pid"])
    check_eq((srow["rx_payload"], srow["tx_payload"]), (n * send, n * reply), "server payload")


UDP_SIZE = 1200


def udp_unconnected(r, e, family):
    count, size = e.udp_count, UDP_SIZE
    tx, rx = r.result("sender"), r.result("sink")
    snap = r.snapshot()
    srow, rrow = one_proc(snap, tx["pid"]), one_proc(snap, rx["pid"])
    wire = count * (size + UDP_HDR[family])
    check_eq((srow["tx_payload"], srow["tx_packets"], srow["tx_bytes"]),
             (count * size, count, wire), "sender payload/packets/bytes")
    check_eq(srow["connections"][0]["remote"], "*:*", "unconnected sender remote")
    if not e.udp_loss_ok:
        check_eq((rrow["rx_payload"], rrow["rx_packets"], rrow["rx_bytes"]),
                 (count * size, count, wire), "receiver payload/packets/bytes")
        return
    # A loaded emulator can drop datagrams the sink is too slow for. Payload is exactly
    # what the sink read; IP packets are counted as they reach the socket, before a full
    # receive buffer drops them, so between that and what was sent.
    got = rx["datagrams"]
    check(got >= count * 9 // 10, f"sink received only {got} of {count} datagrams")
    check_eq(rrow["rx_payload"], rx["received"], "receiver payload")
    check(got <= rrow["rx_packets"] <= count,
          f"receiver packets {rrow['rx_packets']} outside [{got}, {count}]")
    check_eq(rrow["rx_bytes"], rrow["rx_packets"] * (size + UDP_HDR[family]), "receiver bytes")


PREFORK_N, PREFORK_SEND, PREFORK_REPLY = 5, 40_000, 10_000


def prefork(r, e):
    """The parent makes the listener, a child accepts and serves: the child gets the bytes
    (the parent has closed its copy of the listener, so only the child holds it)."""
    n, send, reply = PREFORK_N, PREFORK_SEND, PREFORK_REPLY
    ready, child = r.ready("server"), r.result("server")
    clients = r.results("client")
    check_eq(len(clients), n, "clients finished")
    check_eq(child["pid"], ready["child"], "serving child")
    snap = r.snapshot()
    for p in procs_by_pid(snap).get(ready["pid"], []):
        check_eq((p["rx_payload"], p["tx_payload"]), (0, 0), "listener parent payload")
    if not e.exact_short:
        # The listener was the parent's before the child's: a refresh that met it in the
        # parent's hands can leave a connection accepted meanwhile to nobody (seen under
        # load: 3 of 5). Whole connections, at least half, until that is exact (issue 16).
        crow = one_proc(snap, ready["child"])
        k = crow["rx_payload"] // send
        check_eq((crow["rx_payload"], crow["tx_payload"]), (k * send, k * reply),
                 "serving child payload in whole connections")
        print(f"  serving child: {k}/{n} short-lived connections attributed", flush=True)
        check(k * 2 >= n, f"serving child: only {k} of {n} connections attributed")
        check_eq(sum(c["sent"] for c in clients), n * send, "clients sent")
        return
    crow = one_proc(snap, ready["child"])
    check_eq((crow["rx_payload"], crow["tx_payload"]), (n * send, n * reply), "child payload")
    for c in clients:
        check_eq(one_proc(snap, c["pid"])["tx_payload"], send, "client payload")


# ---- the scenarios -------------------------------------------------------------------

def _tcp_bulk(family, send, reply):
    return Scenario(
        f"tcp_bulk_ipv{family}",
        lambda e: [Step("server", f"tcp-server --family {family} --reply {reply}", True),
                   Step("client", f"tcp-client --family {family} --port {{port}} --send {send} "
                        f"--expect {reply}")],
        lambda r, e: tcp_bulk(r, e, family, send, reply))


def _udp(family):
    return Scenario(
        f"udp_unconnected_ipv{family}",
        lambda e: [Step("sink", f"udp-sink --family {family} --count {e.udp_count}"
                        + (" --idle 5" if e.udp_loss_ok else ""), True),
                   Step("sender", f"udp-send --family {family} --port {{port}} "
                        f"--count {e.udp_count} --size {UDP_SIZE}")],
        lambda r, e: udp_unconnected(r, e, family))


SCENARIOS = {s.name: s for s in [
    _tcp_bulk(4, 50_000_000, 1_000_000),
    _tcp_bulk(6, 20_000_000, 123_457),
    Scenario("short_lived_clients",
             lambda e: [Step("server", f"tcp-server --reply {SHORT_REPLY} --conns {SHORT_N}", True),
                        Step("clients", f"short-clients --port {{port}} --count {SHORT_N} "
                             f"--send {SHORT_SEND} --expect {SHORT_REPLY}", argv=True)],
             short_lived),
    _udp(4),
    _udp(6),
    Scenario("prefork_server",
             lambda e: [Step("server", f"prefork-server --reply {PREFORK_REPLY} "
                             f"--conns {PREFORK_N}", True),
                        Step("client", f"tcp-client --port {{port}} --send {PREFORK_SEND} "
                             f"--expect {PREFORK_REPLY}", repeat=PREFORK_N)],
             prefork),
]}


# ---- running on this machine ---------------------------------------------------------

class Results:
    """What the workloads of one run printed, by role."""
    def __init__(self, snapshot=None):
        self.ready_lines, self.result_lines, self.argvs = {}, {}, {}
        self.snap = snapshot

    def ready(self, role):
        check(role in self.ready_lines, f"workload {role} never became ready")
        return self.ready_lines[role]

    def results(self, role):
        return self.result_lines.get(role, [])

    def result(self, role):
        check(self.results(role), f"workload {role} printed no result")
        return self.results(role)[-1]

    def argv(self, role):
        return self.argvs[role]

    def snapshot(self):
        return self.snap


def run_here(scn, e, cgroup, monitor):
    """Run @scn's steps in @cgroup inside the monitor context @monitor (an npt.monitor()
    or a wrapper); returns its Results, snapshot included."""
    from npt import WORKLOAD, Proc, finish, ready, started
    r = Results()
    with monitor as m:
        r.said = getattr(m, "said", "")
        servers, port = [], None
        try:
            for st in scn.steps(e):
                if st.background:
                    p = Proc([WORKLOAD] + st.words(port), cgroup=cgroup)
                    servers.append((st.role, p))
                    r.ready_lines[st.role] = ready(p)
                    port = port or r.ready_lines[st.role]["port"]
                    continue
                for _ in range(st.repeat):
                    args = [WORKLOAD] + st.words(port)
                    r.result_lines.setdefault(st.role, []).append(finish(Proc(args, cgroup=cgroup)))
                if st.argv:
                    r.argvs[st.role] = " ".join(args)
            for role, p in servers:
                r.result_lines.setdefault(role, []).append(finish(p))
        finally:
            for _, p in servers:
                p.kill()
    r.snap = m.result
    return r


def run_case(name, e, cgname, monitor_of):
    """Scenario @name in a cgroup of its own, under the netoproc that monitor_of(cgroup)
    starts, held to @e; returns its Results."""
    from npt import test_cgroup
    scn = SCENARIOS[name]
    with test_cgroup(cgname) as cg:
        r = run_here(scn, e, cg, monitor_of(cg))
    scn.check(r, e)
    return r


# ---- the kernel matrix's shell functions ---------------------------------------------

def shell(e):
    """vm-init.sh's scenario functions (busybox sh): sc_NAME runs the steps in $CG and
    writes the workloads' result lines, tagged with their roles, to $T/wl.out."""
    out = ["# Generated by tests/integration/scenarios.py (shell): the monitor's scenarios.",
           "# vm-init.sh's helpers: cg_run, ready, field, ok, wl.",
           f"SCENARIO_NAMES=\"{' '.join(SCENARIOS)}\""]
    for scn in SCENARIOS.values():
        out.append(f"sc_{scn.name}() {{")
        out.append("\t: >$T/wl.out")
        servers, port = [], None
        for st in scn.steps(e):
            f = f"$T/{st.role}.out"
            words = " ".join(st.words('"$port"'))
            if st.background:
                # Emptied here, not by the job's own redirection: `ready` must not
                # see the last scenario's ready line before the new server starts.
                out += [f"\t: >{f}",
                        f"\tcg_run $WL {words} >>{f} 2>>$T/wl.err &",
                        f"\tpid_{st.role}=$!",
                        f"\tready {f} || {{ echo \"@@NP WLFAIL {st.role} never ready\" "
                        ">>$T/wl.fail; return 1; }"]
                if port is None:
                    out.append(f"\tport=$(field {f} port)")
                    port = True
                servers.append(st.role)
                continue
            out.append(f"\t: >{f}")
            run = f"ok {st.role} cg_run $WL {words} >>{f} 2>>$T/wl.err"
            out.append(f"\tfor i in $(seq {st.repeat}); do {run}; done" if st.repeat > 1
                       else f"\t{run}")
            if st.argv:
                out.append(f"\techo \"@@NP WL {st.role}-argv {{\\\"argv\\\":\\\"$WL "
                           f"{' '.join(st.words(chr(36) + 'port'))}\\\"}}\" >>$T/wl.out")
        for role in servers:
            out.append(f"\tok {role} wait $pid_{role}")
        for st in scn.steps(e):
            out.append(f"\twl {st.role} $T/{st.role}.out >>$T/wl.out")
        out.append("}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["shell"]:
        sys.stdout.write(shell(VM))
    else:
        raise SystemExit("usage: scenarios.py shell   (vm-init.sh's scenario functions)")
