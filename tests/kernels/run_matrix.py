#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Kernel matrix: boot each Debian kernel under qemu (TCG) with the initramfs of
build-initramfs.sh, collect what vm-init.sh prints between its @@NP markers, and assert
on it exactly as tests/integration/test_monitor.py does on this machine.

Prints a kernel x tier x scenario table, the tier `--attach auto` picked on each kernel,
the reason of every failure (with netoproc's relevant stderr lines) and a closing
"kernel-matrix: N passed, N failed" line; exits 1 on any failure.

  run_matrix.py --initramfs build-vm/initramfs.cpio.gz [--kernels /var/cache/netoproc/kernels]
                [--series 5.10,6.1,6.12,6.18,7.x,7.x:no-slab-debug] [--jobs N] [--timeout SECS] [--logs DIR]
                [--append "np_tiers=fentry,auto np_scen=tcp_bulk_ipv4"] [--from-logs]
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
# The integration tests' own checks and header bounds, so the two never drift apart.
from npt import Fail, check, check_eq  # noqa: E402
import scenarios as monitor_scenarios  # noqa: E402

TIERS = ("tracepoint", "fentry", "kprobe")
SCENARIOS = tuple(monitor_scenarios.SCENARIOS)
SHORT = {"tcp_bulk_ipv4": "tcp4", "tcp_bulk_ipv6": "tcp6", "short_lived_clients": "short",
         "udp_unconnected_ipv4": "udp4", "udp_unconnected_ipv6": "udp6",
         "prefork_server": "prefork", "kfunc_ping": "kfunc", "all_skb": "allskb",
         "kfunc_fentry": "fentry", "closed_port": "drop", "track_copies": "copies",
         "paged_payload": "paged", "selfcheck_ebpf": "self", "selfcheck_auto": "self-a", "dns": "dns",
         "delayed_reader": "lat"}
TRACE_SCENARIOS = ("kfunc_ping", "all_skb", "kfunc_fentry", "paged_payload", "track_copies")
DROP_SCENARIOS = ("closed_port",)
DNS_SCENARIOS = ("dns",)
LATENCY_SCENARIOS = ("delayed_reader",)


# ---- what the VM printed ----------------------------------------------------------

class Block:
    def __init__(self, tier, scenario):
        self.tier, self.scenario = tier, scenario
        self.out, self.err, self.wl, self.wlerr, self.wlfail = [], [], [], [], []
        self.status = {}

    def wl_lines(self, role):
        return [json.loads(l) for r, l in self.wl if r == role and l.startswith("{")]

    def result(self, role):
        lines = [j for j in self.wl_lines(role) if "ready" not in j]
        check(lines, f"workload {role} printed no result")
        return lines[-1]

    def ready(self, role):
        lines = [j for j in self.wl_lines(role) if j.get("ready")]
        check(lines, f"workload {role} never became ready")
        return lines[0]

    def results(self, role):
        return [j for j in self.wl_lines(role) if "ready" not in j]

    def argv(self, role):
        return self.result(f"{role}-argv")["argv"]

    def snapshot(self):
        text = "\n".join(self.out)
        try:
            return json.loads(text)
        except ValueError as e:
            raise Fail(f"netoproc JSON does not parse ({e}): {text[:200]!r}")


class VM:
    def __init__(self, series):
        self.series = series
        self.kernel = None
        self.facts = {}
        self.blocks = {}	# (tier, scenario) -> Block
        self.done = False
        self.dmesg = []
        self.ends = []	# (uptime, "tier/scenario") as each block was reported, in order
        self.selfcheck_ms = None
        self.degraded = None
        self.secs = 0.0
        self.error = None


def during(vm, line):
    """ " (during TIER/SCENARIO)": the block running when a dmesg line was logged, the
    first reported after it (vm-init.sh reports a block once it has run)."""
    m = re.match(r"\[\s*(\d+\.\d+)\]", line)
    if not m:
        return ""
    at = float(m.group(1))
    names = [name for t, name in vm.ends if t >= at]
    return f" (during {names[0]})" if names else ""


# What in dmesg says the kernel objected while netoproc ran. A WARNING taints the kernel:
# seen once, Debian 6.18.15's verifier warning "REG INVARIANTS VIOLATION" while trace's
# route-lookup program loaded (see np_match_packet in src/bpf/skb.bpf.h).
KERNEL_TROUBLE = re.compile(r"WARNING|Oops|BUG|panic|Call Trace|verifier bug")


def kernel_trouble(vm):
    return [l + during(vm, l) for l in vm.dmesg
            if KERNEL_TROUBLE.search(l) and "ommand line" not in l]


def parse(series, text):
    vm = VM(series)
    cur = None
    for raw in text.splitlines():
        i = raw.find("@@NP ")
        if i < 0:
            continue
        line = raw[i + 5:].rstrip("\r")
        kind, _, rest = line.partition(" ")
        if kind == "FACTS":
            vm.facts = dict(kv.split("=", 1) for kv in rest.split() if "=" in kv)
            vm.kernel = vm.facts.get("kernel")
        elif kind == "BEGIN":
            kv = dict(x.split("=", 1) for x in rest.split() if "=" in x)
            cur = Block(kv.get("tier"), kv.get("scenario"))
            if "uptime" in kv:
                vm.ends.append((float(kv["uptime"]), f"{cur.tier}/{cur.scenario}"))
        elif kind == "END":
            if cur:
                vm.blocks[(cur.tier, cur.scenario)] = cur
            cur = None
        elif kind == "DONE":
            vm.done = True
        elif kind == "DMESG":
            vm.dmesg.append(rest)
        elif cur is None:
            continue
        elif kind == "OUT":
            cur.out.append(rest)
        elif kind == "ERR":
            cur.err.append(rest)
        elif kind == "WL":
            role, _, js = rest.partition(" ")
            cur.wl.append((role, js))
        elif kind == "WLERR":
            cur.wlerr.append(rest)
        elif kind == "WLFAIL":
            cur.wlfail.append(rest)
        elif kind == "STATUS":
            cur.status = dict(x.split("=", 1) for x in rest.split() if "=" in x)
    return vm


# ---- the monitor's scenarios, on the VM's output ------------------------------------
# Defined once in tests/integration/scenarios.py: vm-init.sh runs its generated shell
# functions, and the checks here are its own, with the VM's expectations (scenarios.VM).

def check_scenario(b, scenario):
    monitor_scenarios.SCENARIOS[scenario].check(b, monitor_scenarios.VM)


# ---- netoproc trace with kernel-function probes (vm-init.sh trace_run) -----------------
# busybox `ping -c 5 -A 127.0.0.1` while `netoproc trace --probes full icmp` runs.

PINGS = 5
# How each kernel attaches kernel functions, as seen in these VMs: kprobe-multi needs
# fprobe (CONFIG_FPROBE), which Debian's 6.1 cloud kernel is built without (the attach
# type is refused with EOPNOTSUPP there) and 5.10 predates (5.18).
KFUNC_METHOD = {"5.10": "kprobe", "6.1": "kprobe", "6.12": "kprobe-multi", "6.18": "kprobe-multi",
                "7.x": "kprobe-multi"}
# Each echo request's skb on loopback, in this order: sent (IP out, device queue), looped
# back by netif_rx, received (IP in, ICMP). The reply is a new skb along the same
# functions. Every one of them runs exactly once per packet on all three kernels.
# (ip_rcv_finish runs out of line only on 5.10, the others inline it into ip_rcv;
# nf_hook_slow depends on which netfilter hooks the kernel registers: neither is counted.)
KFUNC_PATH = ("__ip_local_out", "ip_output", "ip_finish_output", "ip_finish_output2",
              "__dev_queue_xmit", "dev_hard_start_xmit", "ip_rcv", "ip_local_deliver",
              "ip_local_deliver_finish", "icmp_rcv")
KFUNC_LINE = re.compile(r"netoproc: probe kfunc:(\S+) (attached \(([\w-]+),|missing)")
# How the tracepoint programs read the kernel's objects: through untrusted typed pointers
# where the kernel has bpf_rdonly_cast (6.2+), through typed pointers before.
TP_FLAVOUR = {"5.10": "tp_btf", "6.1": "tp_btf", "6.12": "tp_btf, untrusted",
              "6.18": "tp_btf, untrusted", "7.x": "tp_btf, untrusted"}
TP_LINE = re.compile(r"netoproc: probe (?!kfunc:)\w+:\w+ attached \((.*), [\w-]+\)$")


def trace_events(b):
    evs = []
    for l in b.out:
        if l.startswith("{"):
            try:
                evs.append(json.loads(l))
            except ValueError as e:
                raise Fail(f"trace JSON does not parse ({e}): {l[:200]!r}")
    return evs


def per_skb(evs, icmp_type):
    """Events of one ICMP type grouped per packet, in time order: an skb address is
    reused once freed, so a free ends a packet."""
    done, cur = [], {}
    for e in sorted(evs, key=lambda e: e["time"]):
        if e.get("icmp_type") != icmp_type:
            continue
        cur.setdefault(e["skb"], []).append(e)
        if e["probe"] in ("kfree_skb", "consume_skb"):
            done.append(cur.pop(e["skb"]))
    return done + list(cur.values())


def sc_trace_kfunc(vm, b, method=None):
    check_eq(b.status.get("attached"), "yes", "netoproc trace attached")
    check_eq(b.status.get("rc"), "0", "netoproc trace exit status")
    check_eq(b.result("ping").get("rc"), 0, "busybox ping exit status")
    said = {}
    for l in b.err:
        m = KFUNC_LINE.search(l)
        if m:
            said[m.group(1)] = m.group(3) or "missing"
    flavours = sorted({m.group(1) for m in map(TP_LINE.search, b.err) if m})
    check_eq(flavours, [TP_FLAVOUR.get(vm.series)], "-v: how the tracepoints attached")
    want = method or KFUNC_METHOD.get(vm.series)
    for f in KFUNC_PATH:
        check_eq(said.get(f), want, f"-v: kfunc:{f} attached by")
    evs = trace_events(b)
    check(not any(e["probe"].startswith("0x") for e in evs),
          "every kernel-function event resolves to a function name")
    for f in KFUNC_PATH:
        for t, what in ((8, "echo requests"), (0, "echo replies")):
            n = sum(1 for e in evs if e["probe"] == f and e.get("icmp_type") == t)
            check_eq(n, PINGS, f"{what} at {f}")
    check(all(e["layer"] != "function" for e in evs if e["probe"] in KFUNC_PATH),
          "kernel functions carry their layer")
    for t in (8, 0):
        pkts = [p for p in per_skb(evs, t) if any(e["probe"] == "icmp_rcv" for e in p)]
        check_eq(len(pkts), PINGS, f"packets of ICMP type {t} that reach icmp_rcv")
        for p in pkts:
            seq = [e["probe"] for e in p if e["probe"] in KFUNC_PATH]
            check_eq(seq, list(KFUNC_PATH), f"ICMP type {t}: functions of one skb in time order")


def sc_trace_all_skb(vm, b):
    if KFUNC_METHOD.get(vm.series) != "kprobe-multi":
        lines = [l for l in b.err if l.strip()]
        check_eq(b.status.get("rc"), "2", "--probes all-skb without kprobe-multi: exit status")
        check_eq(len(lines), 1, f"--probes all-skb refusal: one line ({lines[:3]})")
        check("kprobe-multi" in lines[0], f"the refusal names kprobe-multi: {lines[0]}")
        return
    check_eq(b.status.get("rc"), "0", "netoproc trace --probes all-skb exit status")
    check_eq(b.result("ping").get("rc"), 0, "busybox ping exit status")
    n = clones = None
    for l in b.err:
        m = re.search(r"all-skb: (\d+) kernel functions taking an skb attached \(kprobe-multi, "
                      r"\d+ links\), (\d+) of them as compiler clones", l)
        if m:
            n, clones = int(m.group(1)), int(m.group(2))
    # How many functions take an skb differs per kernel build: a bound, not a figure.
    check(n is not None and n > 500, f"all-skb attached {n} functions, expected > 500")
    # GCC leaves some skb functions only as .isra/.constprop/.part clones (16 on Debian's
    # 6.12): they are attached under the clone's name. How many depends on the build.
    check(clones, f"all-skb attached no compiler clone ({clones})")
    evs = trace_events(b)
    for t in (8, 0):
        got = sum(1 for e in evs if e["probe"] == "icmp_rcv" and e.get("icmp_type") == t)
        check_eq(got, PINGS, f"all-skb: icmp_rcv events of ICMP type {t}")


ATTACHED = re.compile(r"eBPF capture attached: .*?(\w+) tier")


def attached_tier(b):
    for l in b.err:
        m = ATTACHED.search(l)
        if m:
            return m.group(1)
    for l in b.err:
        if "AF_PACKET capture attached" in l:
            return "afpacket"
    return None


def expected_auto(vm):
    """Stable interfaces first: the tracepoints where the kernel has them (>= 6.3, seen
    in its tracefs), otherwise fentry, otherwise kprobe."""
    if vm.facts.get("tp_sock_send_length") == "yes":
        return ("tracepoint",)
    return ("fentry", "kprobe")


def check_run(vm, b, tier, scenario):
    st = b.status
    if st.get("attached") != "yes":
        raise Fail(f"netoproc --attach {tier} did not attach (exit {st.get('rc')})")
    got = attached_tier(b)
    want = expected_auto(vm) if tier == "auto" else (tier,)
    check(got in want, f"attached tier {got!r}, expected {' or '.join(want)}")
    check(not b.wlfail, "; ".join(b.wlfail))
    check_eq(st.get("rc"), "0", "netoproc exit status")
    try:
        check_scenario(b, scenario)
    except Fail as e:
        # Retransmitted bytes are IP bytes without new payload: say so beside the failure.
        n = int(st.get("retrans", "0") or 0)
        if n:
            raise Fail(f"{e} [{n} TCP segments retransmitted in the VM meanwhile]") from None
        raise


def check_probe(vm, probe):
    """The probe's tier list against what the kernel shows, and auto's choice, made by
    loading and self-checking as the monitor does."""
    check_eq(probe.status.get("rc"), "0", "netoproc probe exit status")
    p = probe.snapshot()
    if variant(vm.series) == BROKEN_STORAGE:
        check_eq(p.get("capture_mode"), "afpacket", "probe where sk storage cannot be allocated")
        check(STORAGE_WHY in (p.get("reason") or ""), f"probe's reason: {p.get('reason')!r}")
        return
    check_eq(p.get("capture_mode"), "ebpf", f"probe capture mode ({p.get('reason')})")
    check(p.get("self_check_ms"), f"probe self_check_ms {p.get('self_check_ms')!r}")
    tiers = p.get("tiers")
    check(isinstance(tiers, dict) and all(t in tiers for t in TIERS),
          f"probe has no tiers object with {', '.join(TIERS)}")
    has_tp = vm.facts.get("tp_sock_send_length") == "yes"
    check_eq(tiers["tracepoint"]["available"], has_tp,
             "probe: tracepoint tier available == sock_send_length in tracefs")
    if vm.facts.get("kprobe_pmu") == "yes":
        check(tiers["kprobe"]["available"],
              f"probe: kprobe unavailable ({tiers['kprobe'].get('reason')}) on a kernel with "
              "a kprobe PMU")
    check(p.get("attach") in expected_auto(vm),
          f"probe: auto would pick {p.get('attach')!r}, expected "
          f"{' or '.join(expected_auto(vm))}")


def records(b):
    """netoproc's --interval JSON records (one per line)."""
    try:
        return [json.loads(l) for l in b.out if l.startswith("{")]
    except ValueError as e:
        raise Fail(f"record JSON does not parse ({e}): {b.out[:2]!r}")


STORAGE_WHY = "could not allocate BPF socket storage"


def check_selfcheck(vm, b, mode):
    """netoproc on the whole VM: the self-check passes where the kernel side attributes
    (its time is kept for the summary); where it cannot, forced eBPF exits 2 naming the
    cause and auto falls back to AF_PACKET saying why."""
    broken = variant(vm.series) == BROKEN_STORAGE
    recs = records(b)
    if broken and mode == "ebpf":
        check_eq(b.status.get("rc"), "2", "forced eBPF on a kernel that cannot attribute: exit")
        check(any(l.startswith("netoproc: self-check:") and STORAGE_WHY in l for l in b.err),
              f"the refusal names the self-check and sk storage: {b.err[-3:]}")
        check_eq(recs, [], "no records from an eBPF capture that failed its self-check")
        return
    check_eq(b.status.get("rc"), "0", f"--capture-mode {mode}: exit status")
    check(recs, "no interval record")
    if broken:
        check_eq({r["mode"] for r in recs}, {"afpacket"}, "auto's mode where eBPF cannot attribute")
        check(any("eBPF capture unavailable (self-check:" in l for l in b.err),
              f"auto says why it fell back: {b.err[-3:]}")
        return
    check_eq({r["mode"] for r in recs}, {"ebpf"}, f"--capture-mode {mode}: mode")
    ms = recs[0]["self_check_ms"]
    check(isinstance(ms, (int, float)) and ms > 0, f"self_check_ms {ms!r}")
    if mode == "ebpf":
        vm.selfcheck_ms = ms
        vm.degraded = [d["part"] for d in recs[0]["degraded"]]
        # Every kernel of the matrix has a ring buffer: DNS and SNI capture must load.
        check("dns-and-sni" not in vm.degraded,
              f"DNS capture given up on {vm.series}: {recs[0]['degraded']}")


def check_refuse(b, tier):
    lines = [l for l in b.err if l.strip()]
    check_eq(b.status.get("rc"), "2", f"--attach {tier} on a kernel without it: exit status")
    check_eq(len(lines), 1, f"--attach {tier} refusal: lines on stderr ({lines[:3]})")


def interesting(err):
    """netoproc's own lines, libbpf errors and verifier logs: what a failure is about."""
    keep, in_log = [], False
    for l in err:
        if "BEGIN PROG LOAD LOG" in l:
            in_log = True
        if in_log or l.startswith("netoproc") or (
                "relo #" not in l and
                re.search(r"fail|error|invalid|denied|unsupported|not found|-E[A-Z]{3,}", l, re.I)):
            keep.append(l)
        if "END PROG LOAD LOG" in l:
            in_log = False
    return keep


# ---- running ---------------------------------------------------------------------

# A variant of a series boots the same kernel differently: "7.x:no-slab-debug" leaves out
# the slab_debug that makes BPF socket storage allocatable under our cx16-less CPU (see
# kernel_args), so the kernel side cannot attribute anything. Only the probe and the
# self-check run there: netoproc must notice, say why, and not report eBPF numbers.
BROKEN_STORAGE = "no-slab-debug"


def kernel_dir(series):
    return series.split(":")[0]


def variant(series):
    return series.partition(":")[2]


def series_version(series):
    """(major, minor) of a series name: "6.12" -> (6, 12), "7.x" -> (7, 0)."""
    m = re.match(r"(\d+)\.(\d+)?", series)
    return (int(m.group(1)), int(m.group(2) or 0)) if m else (0, 0)


def kernel_args(series, args):
    """Kernel command line of a series' guest. From 6.19 BPF local storage (sk storage
    from 7.x) allocates only with kmalloc_nolock(), which returns NULL for every size when
    the CPU lacks cmpxchg16b (our -cx16) unless the kmalloc cache is a debug cache: every
    bpf_sk_storage_get(F_CREATE) and sk-storage map update then fails (ENOMEM).
    slab_debug=F on the kmalloc caches (kmalloc-cg-*, kmalloc-rnd-* included) makes them
    debug caches, which kmalloc_nolock() allocates from under a trylock."""
    extra = ""
    if "-cx16" in args.cpu and series_version(series) >= (6, 19) and \
            variant(series) != BROKEN_STORAGE:
        extra = " slab_debug=F,kmalloc-*"
    if variant(series) == BROKEN_STORAGE:
        extra += " np_tiers=none np_trace=0 np_drop=0 np_copies=0"
    return "console=ttyS0 quiet loglevel=3 panic=-1" + extra + (
        f" {args.append}" if args.append else "")


def boot(series, args):
    kernel = os.path.join(args.kernels, kernel_dir(series), "vmlinuz")
    cmd = ["qemu-system-x86_64", "-nographic", "-m", "1024", "-no-reboot", "-smp",
           str(args.smp), "-cpu", args.cpu, "-kernel", kernel, "-initrd", args.initramfs, "-append",
           kernel_args(series, args)]
    log = os.path.join(args.logs, f"{series.replace(':', '-')}.log")
    t0 = time.time()
    error = None
    with open(log, "wb") as f:
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            rc = p.wait(timeout=args.timeout)
            if rc != 0:
                error = f"qemu exited {rc}"
        except subprocess.TimeoutExpired:
            p.kill()	# our own qemu, by its Popen handle (pid)
            p.wait()
            error = f"VM timed out after {args.timeout} s"
    with open(log, "rb") as f:
        vm = parse(series, f.read().decode("utf-8", "replace"))
    vm.secs = time.time() - t0
    vm.error = error
    if not vm.done and not error:
        vm.error = "VM stopped before @@NP DONE"
    return vm


# ---- netoproc drop (vm-init.sh drop_run) -------------------------------------------
# np_workload udp-send: 5 datagrams of 100 bytes to 127.0.0.1:9, where nothing listens,
# under `netoproc drop 'udp and dst port 9'`.

def sc_drop_closed_port(vm, b):
    check_eq(b.status.get("attached"), "yes", "netoproc drop attached")
    check_eq(b.status.get("rc"), "0", "netoproc drop exit status")
    evs = trace_events(b)
    check_eq(len(evs), 5, f"drops of the 5 datagrams: {[(e.get('proto'), e.get('dport')) for e in evs]}")
    for e in evs:
        check_eq((e["probe"], e["proto"], e["dst"], e["dport"], e["ifname"], e["len"]),
                 ("kfree_skb", "udp", "127.0.0.1", 9, "lo", 108),
                 "each drop: probe, protocol, destination, device and length (100 + UDP header)")
        # 7.x inlines __udp4_lib_rcv() into udp_rcv() (its BTF has no __udp4_lib_rcv).
        where = "udp_rcv+" if series_version(vm.series) >= (7, 0) else "__udp4_lib_rcv+"
        check(e["location"].startswith(where),
              f"freed where UDP finds no socket ({where}...): {e['location']}")
    # Debian's 5.10 predates enum skb_drop_reason (5.17): the location alone, and a note.
    predates = vm.series == "5.10"
    check_eq({e["reason"] for e in evs}, {None} if predates else {"NO_SOCKET"},
             "drop reasons, from this kernel's BTF")
    check_eq(any("predates drop reasons" in l for l in b.err), predates,
             "the note that tcp_drop() drops are not seen, exactly where reasons are missing")


# ---- a filter on paged payload (vm-init.sh wl_paged) --------------------------------
# 5000 bytes of 'n' from np_workload tcp-client to 127.0.0.1:5302 under
# `trace --probes basic 'tcp and dst port 5302 and <first payload byte> == 0x6e'`:
# sendmsg() put the data in page fragments, so only a trace that reads them matches.

def sc_paged_payload(vm, b):
    check_eq(b.status.get("attached"), "yes", "netoproc trace attached")
    check_eq(b.status.get("rc"), "0", "netoproc trace exit status")
    check_eq(b.result("client").get("sent"), 5000, "the client's bytes")
    check(any("a filter reads paged payload too" in l for l in b.err),
          f"paged payload read (Debian's kernels list page_offset_base): {b.err[-3:]}")
    evs = trace_events(b)
    data = [e for e in evs if e["len"] > 1000]
    check(data, f"the data segment matched: {[(e['probe'], e['len']) for e in evs]}")
    check(all(e["dport"] == 5302 and e["proto"] == "tcp" for e in evs),
          f"only the client's data: {[(e['proto'], e['dport']) for e in evs]}")
    queued = [e["len"] for e in data if e["probe"] == "net_dev_queue"]
    check_eq(sum(queued), 5000 + 66 * len(queued),
             "the data at the device queue: 5000 payload bytes and 66 of headers a segment "
             "(loopback's Ethernet 14, IP 20, TCP with timestamps 32)")
    check(not any("packets not matched because the filter needs" in l for l in b.err),
          f"undecided packets: {b.err[-3:]}")


# ---- --track through copies (vm-init.sh copies_run) --------------------------------
# One 3000-byte datagram sent with UDP_SEGMENT=1000; the sink's socket segments the GSO
# skb (skb_segment) into three 1000-byte datagrams, which the filter ('greater 2000')
# does not match: only --track's kretprobe on skb_segment can show them.

def sc_track_copies(vm, b):
    check_eq(b.status.get("attached"), "yes", "netoproc trace attached")
    check_eq(b.status.get("rc"), "0", "netoproc trace exit status")
    check_eq(b.result("sink")["datagrams"], 3, "the sink received the three segments")
    check(any("follows copies from 4 of 4 functions" in l for l in b.err),
          f"copy probes attached: {[l for l in b.err if 'cop' in l]}")
    evs = trace_events(b)
    big = {e["skb"] for e in evs if e["probe"] == "net_dev_queue"}
    check_eq(len(big), 1, f"the GSO skb leaves once: {[(e['probe'], e['len']) for e in evs]}")
    segs = [e for e in evs if e["probe"] == "skb_copy_datagram_iovec"]
    check_eq(sorted(e["len"] for e in segs), [1000, 1000, 1000],
             f"the three segments reach the socket: {[(e['probe'], e['len']) for e in evs]}")
    check_eq(len({e["skb"] for e in segs} | big), 4, "each segment is an skb of its own")


# ---- netoproc latency (vm-init.sh wl_lat) ------------------------------------------
# One connection under 'tcp and port 5303': the client's 5000 bytes (one skb over
# loopback) wait on the server's queue until it accepts, 1 s after it was ready; the
# server's 100-byte reply is read at once. Each direction is one timed skb read.

def sc_latency_delayed_reader(vm, b):
    check_eq(b.status.get("attached"), "yes", "netoproc latency attached")
    check_eq(b.status.get("rc"), "0", "netoproc latency exit status")
    check(any("capture attached" in l and "(tp_btf)" in l for l in b.err),
          f"tp_btf programs: {b.err[-3:]}")
    check_eq((b.result("client")["sent"], b.result("server")["received"]), (5000, 5000),
             "the client's bytes reached the server")
    rows = {}
    for l in b.out:
        if l.startswith("{"):
            r = json.loads(l)
            if r["scope"] == "total":
                rows[r["stage"]] = r
    said = " ".join(b.err)
    check(re.search(r"\b0 skbs not timed", said), f"every skb timed: {b.err[-2:]}")
    no_queue = "stage rx_socket_queue missing" in said
    want = ["rx_total", "tx_stack", "tx_device", "tx_total"] + \
        ([] if no_queue else ["rx_stack", "rx_socket_queue"])
    for st in want:
        check(st in rows, f"stage {st} reported: {sorted(rows)} ({b.err[-3:]})")
    for st in ("rx_total", "tx_stack", "tx_total") + (() if no_queue else ("rx_socket_queue",)):
        check_eq(rows[st]["count"], 2, f"{st}: one sample per direction")
    waited = rows["rx_total" if no_queue else "rx_socket_queue"]
    # At most the accept delay (the data came after the server was ready); at least that
    # less the client's start in an emulated VM (120-150 ms seen).
    check(500000 <= waited["max_us"] < 1100000,
          f"the delayed read waited up to 1 s: {waited['max_us']} us")
    check(waited["min_us"] < 50000, f"the prompt read did not wait: {waited['min_us']} us")


# ---- netoproc dns under each tier (vm-init.sh wl_dns) -------------------------------
# np_dns answers web.test's A record with 10.9.8.7 after 100 ms (UDP, then TCP) and
# never answers lost.test; `netoproc dns --attach TIER --dns-timeout 1`.

def sc_dns(vm, b, tier):
    check_eq(b.status.get("attached"), "yes", "netoproc dns attached")
    check_eq(b.status.get("rc"), "0", "netoproc dns exit status")
    check(any(f"{tier} tier" in l for l in b.err), f"the {tier} tier: {b.err[-3:]}")
    udp, tcp, lost = b.result("udp"), b.result("tcp"), b.result("lost")
    check_eq((udp["rcode"], udp["answers"], tcp["rcode"], tcp["answers"], lost["timeout"]),
             (0, 1, 0, 1, True), "what the clients themselves got")
    evs = [e for e in trace_events(b) if e.get("query") in ("web.test", "lost.test")]
    check_eq(sorted(e["pid"] for e in evs), sorted([udp["pid"], tcp["pid"], lost["pid"]]),
             f"one event per client query: {evs}")
    by_pid = {e["pid"]: e for e in evs}
    for res, proto in ((udp, "udp"), (tcp, "tcp")):
        e = by_pid[res["pid"]]
        check_eq((e["query"], e["type"], e["rcode"], e["answers"], e["resolver"], e["proto"],
                  e["process"], e["timeout"]),
                 ("web.test", "A", "NOERROR", ["10.9.8.7"], "127.0.0.1:53", proto, "np_dns",
                  False), f"the {proto} query")
        check(100 <= e["latency_ms"] < 1000, f"{proto} latency {e['latency_ms']} ms: the "
              "server holds each answer 100 ms")
    e = by_pid[lost["pid"]]
    check_eq((e["query"], e["rcode"], e["answers"], e["latency_ms"], e["timeout"], e["proto"]),
             ("lost.test", None, [], None, True, "udp"), "the unanswered query")


def evaluate(vm, results):
    """results: list of (series, tier, scenario, ok, message, stderr lines)."""
    def rec(tier, scen, fn):
        b = vm.blocks.get((tier, scen))
        try:
            if b is None:
                raise Fail("not run" + (f" ({vm.error})" if vm.error else ""))
            fn(b)
            results.append((vm.series, tier, scen, True, "", []))
        except Fail as e:
            results.append((vm.series, tier, scen, False, str(e),
                            interesting(b.err) if b else []))
        except (KeyError, IndexError, TypeError, ValueError) as e:
            results.append((vm.series, tier, scen, False, f"{type(e).__name__}: {e}",
                            interesting(b.err) if b else []))

    if vm.error and not vm.blocks:
        results.append((vm.series, "-", "boot", False, vm.error, vm.dmesg))
        return None, []
    # A VM that did not finish (timed out, stopped before DONE) fails, even when every
    # block it did report passed: the groups after its last block are not checked below.
    if vm.error:
        last = max(vm.ends)[1] if vm.ends else "none"
        results.append((vm.series, "-", "vm", False, f"{vm.error} (last block reported: {last})",
                        vm.dmesg))
    probe = vm.blocks.get(("-", "probe"))
    rec("-", "probe", lambda b: check_probe(vm, b))
    for m in ("ebpf", "auto"):
        rec("-", f"selfcheck_{m}", lambda b, m=m: check_selfcheck(vm, b, m))
    if variant(vm.series) == BROKEN_STORAGE:
        return None, []
    trouble = kernel_trouble(vm)
    results.append((vm.series, "-", "dmesg", not trouble,
                    f"{len(trouble)} lines of kernel warnings in dmesg" if trouble else "",
                    trouble))
    try:
        p = probe.snapshot() if probe else {}
    except Fail:
        p = {}
    tiers = p.get("tiers") if isinstance(p.get("tiers"), dict) else None
    run, refused = [], []
    for t in TIERS:
        if tiers is None or tiers.get(t, {}).get("available"):
            run.append(t)
        else:
            refused.append(t)
    for t in refused:
        rec(t, "refuse", lambda b, t=t: check_refuse(b, t))
    for t in run + ["auto"]:
        for s in SCENARIOS:
            if (t, s) not in vm.blocks and any(k[0] == t for k in vm.blocks):
                # vm-init.sh stops a tier at its first scenario that cannot attach.
                first = [k for k in vm.blocks if k[0] == t][0]
                if vm.blocks[first].status.get("attached") != "yes":
                    results.append((vm.series, t, s, False,
                                    f"not run: tier did not attach in {first[1]}", []))
                    continue
            rec(t, s, lambda b, t=t, s=s: check_run(vm, b, t, s))
    if any(k[0] == "trace" for k in vm.blocks) or not vm.error:
        rec("trace", "kfunc_ping", lambda b: sc_trace_kfunc(vm, b))
        rec("trace", "all_skb", lambda b: sc_trace_all_skb(vm, b))
        # NETOPROC_KFUNC_METHOD=fentry: fentry attaches on all three kernels.
        rec("trace", "kfunc_fentry", lambda b: sc_trace_kfunc(vm, b, "fentry"))
        rec("trace", "paged_payload", lambda b: sc_paged_payload(vm, b))
        rec("trace", "track_copies", lambda b: sc_track_copies(vm, b))
    if any(k[0] == "drop" for k in vm.blocks) or not vm.error:
        rec("drop", "closed_port", lambda b: sc_drop_closed_port(vm, b))
    if any(k[0] == "latency" for k in vm.blocks) or not vm.error:
        rec("latency", "delayed_reader", lambda b: sc_latency_delayed_reader(vm, b))
    if any(k[1] == "dns" for k in vm.blocks) or not vm.error:
        for t in run:
            rec(t, "dns", lambda b, t=t: sc_dns(vm, b, t))
    auto = None
    for s in SCENARIOS:
        b = vm.blocks.get(("auto", s))
        if b and attached_tier(b):
            auto = attached_tier(b)
            break
    return auto, refused


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernels", default=os.environ.get("KERNEL_CACHE",
                                                         "/var/cache/netoproc/kernels"))
    ap.add_argument("--initramfs", default="build-vm/initramfs.cpio.gz")
    ap.add_argument("--series", default=f"5.10,6.1,6.12,6.18,7.x,7.x:{BROKEN_STORAGE}")
    ap.add_argument("--jobs", type=int, default=3, help="VMs at once")
    ap.add_argument("--smp", type=int, default=1, help="vCPUs per VM")
    # qemu 7.2's TCG cmpxchg16b sometimes leaves garbage in EFLAGS: 6.12 guests then
    # double-fault in the SLUB fast path (__kmalloc_noprof, "EFLAGS: c3cb6242" beside
    # "RAX: ...c3cb6000"). Without CX16 the guest uses its own cmpxchg16b emulation.
    ap.add_argument("--cpu", default="qemu64,-cx16", help="qemu -cpu model")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per VM")
    ap.add_argument("--logs", default="build-vm/logs", help="serial console logs")
    ap.add_argument("--append", default="", help="extra kernel command line (np_tiers=...)")
    ap.add_argument("--from-logs", action="store_true",
                    help="no VMs: assert on the serial logs of the last run")
    args = ap.parse_args()
    os.makedirs(args.logs, exist_ok=True)
    series = [s for s in args.series.split(",") if s]
    t0 = time.time()
    if args.from_logs:
        vms = []
        for s in series:
            with open(os.path.join(args.logs, f"{s.replace(':', '-')}.log"), "rb") as f:
                vm = parse(s, f.read().decode("utf-8", "replace"))
            vm.error = None if vm.done else "VM stopped before @@NP DONE"
            vms.append(vm)
    else:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
            vms = list(ex.map(lambda s: boot(s, args), series))
    elapsed = time.time() - t0

    results, autos = [], {}
    for vm in vms:
        autos[vm.series] = evaluate(vm, results)

    # The table: one row per kernel and tier, one column per scenario.
    cols = (["probe", "selfcheck_ebpf", "selfcheck_auto"] + list(SCENARIOS) +
            list(TRACE_SCENARIOS) + list(DROP_SCENARIOS) + list(DNS_SCENARIOS) +
            list(LATENCY_SCENARIOS))
    kw = max([len(f"{vm.series} ({vm.kernel or '?'})") for vm in vms] + [6])
    head = f"{'kernel':<{kw}} {'tier':<11} " + " ".join(f"{SHORT.get(c, c):<7}" for c in cols)
    print(head)
    print("-" * len(head))
    for vm in vms:
        kname = f"{vm.series} ({vm.kernel or '?'})"
        cell = {(t, s): ok for (ser, t, s, ok, _, _) in results if ser == vm.series}
        for t in ("-",) + TIERS + ("auto", "trace", "drop", "latency"):
            row = []
            for c in cols:
                key = (t, "refuse") if c in SCENARIOS and (t, "refuse") in cell else (t, c)
                if c in ("probe", "selfcheck_ebpf", "selfcheck_auto") and t != "-":
                    row.append("")
                elif key in cell:
                    ok = cell[key]
                    row.append(("n/a" if key[1] == "refuse" else "pass") if ok else "FAIL")
                else:
                    row.append("")
            if any(row):
                print(f"{kname:<{kw}} {t if t != '-' else '':<11} " +
                      " ".join(f"{x:<7}" for x in row))
    print("(n/a: the kernel lacks the tier; netoproc refused --attach with exit 2 and one "
          "line, as required)")
    print()
    for vm in vms:
        auto, refused = autos[vm.series]
        rt = sum(int(b.status.get("retrans", "0") or 0) for b in vm.blocks.values())
        if variant(vm.series) == BROKEN_STORAGE:
            print(f"{vm.series}: {vm.kernel or '?'}: sk storage unallocatable: probe, forced "
                  f"eBPF and auto checked to refuse eBPF; VM {vm.secs:.0f} s"
                  + (f"; {vm.error}" if vm.error else ""))
            continue
        sc = f"{vm.selfcheck_ms:.1f} ms" if vm.selfcheck_ms else "?"
        print(f"{vm.series}: {vm.kernel or '?'}: auto picked {auto or '?'}, expected "
              f"{' or '.join(expected_auto(vm))}; tiers without support: "
              f"{', '.join(refused) or 'none'}; self-check {sc}; degraded: "
              f"{', '.join(vm.degraded) if vm.degraded else 'nothing' if vm.degraded == [] else '?'}"
              f"; VM {vm.secs:.0f} s; {rt} TCP retransmissions"
              + (f"; {vm.error}" if vm.error else ""))
        for l in kernel_trouble(vm):
            print(f"    dmesg: {l}")
    fails = [r for r in results if not r[3]]
    if fails:
        print("\nFailures:")
        last = {}
        for ser, t, s, _, msg, err in fails:
            print(f"  {ser} {t} {s}: {msg}")
            shown = err[-30:]
            # The same failure in every scenario of a tier: show its stderr once.
            key = [re.sub(r"np-\S+|0x[0-9a-f]+|\d+", "#", l) for l in shown]
            if shown and last.get((ser, t)) == key:
                print("      | (netoproc stderr as above)")
                continue
            last[(ser, t)] = key
            for l in shown:
                print(f"      | {l}")
    passed = len(results) - len(fails)
    print(f"\nkernel-matrix: elapsed {elapsed:.0f} s ({len(vms)} VMs, {args.jobs} at once, "
          f"logs in {args.logs})")
    if os.environ.get("NP_MATRIX_T0"):
        total = time.time() - float(os.environ["NP_MATRIX_T0"])
        print(f"kernel-matrix: total {total:.0f} s with build, kernels and initramfs")
    print(f"kernel-matrix: {passed} passed, {len(fails)} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
