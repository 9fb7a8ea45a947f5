# SPDX-License-Identifier: GPL-2.0-only
"""Fixtures of the `netoproc diagnose` tests: namespaces joined by veth pairs (IPv6
off, so its background chatter drops nothing), `netoproc diagnose` run inside a
namespace, senders that make one fault each (UDP with chosen TTL/DF/source, raw
Ethernet frames with broken headers), and kernel counters read directly, to
compare with what diagnose reports."""
import contextlib
import json
import os
import signal
import subprocess
import sys
import time

from npt import NETOPROC, Fail, Proc, check, check_eq, wait_attached

HERE = os.path.dirname(os.path.abspath(__file__))
SENDERS = os.path.join(HERE, "diag_send.py")


def sh(cmd, check_rc=True):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60)
    if check_rc and r.returncode:
        raise Fail(f"{cmd!r} failed ({r.returncode}): {r.stderr.strip()[-300:]}")
    return r.stdout


@contextlib.contextmanager
def lab(*names):
    """Namespaces NAME-PID with lo up and IPv6 off; deleted afterwards, with whatever
    processes we started in them killed first."""
    made = []
    try:
        for n in names:
            full = f"npdg{n}-{os.getpid()}"
            sh(f"ip netns add {full}")
            made.append(full)
            sh(f"ip -n {full} link set lo up")
            sh(f"ip netns exec {full} sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
               "net.ipv6.conf.default.disable_ipv6=1")
        yield made
    finally:
        for n in made:
            for pid in sh(f"ip netns pids {n}", check_rc=False).split():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            sh(f"ip netns del {n}", check_rc=False)


MAC = "02:00:00:00:{:02x}:{:02x}"


def link(a, b, net, ia=1, ib=2, dev_a="va", dev_b="vb"):
    """veth dev_a in a (10.<net>.0.<ia>/24) <-> dev_b in b (10.<net>.0.<ib>/24), fixed MACs."""
    sh(f"ip link add {dev_a} netns {a} type veth peer name {dev_b} netns {b}")
    for ns, dev, i in ((a, dev_a, ia), (b, dev_b, ib)):
        sh(f"ip -n {ns} link set {dev} address {MAC.format(net, i)}")
        sh(f"ip -n {ns} addr add 10.{net}.0.{i}/24 dev {dev}")
        sh(f"ip -n {ns} link set {dev} up")


def routed(a, b, c=None):
    """a (10.1.0.1) - b (10.1.0.2, forwarding on) [- c (10.2.0.2)]; a's default via b."""
    link(a, b, 1)
    sh(f"ip -n {a} route add default via 10.1.0.2")
    sh(f"ip netns exec {b} sysctl -qw net.ipv4.ip_forward=1")
    if c:
        link(b, c, 2, 1, 2, "vc", "vd")
        sh(f"ip -n {c} route add default via 10.2.0.1")


def nspy(ns, *args, timeout=60):
    """Run diag_send.py in ns (None: in ours); returns its stdout."""
    r = subprocess.run((["ip", "netns", "exec", ns] if ns else []) + [sys.executable, SENDERS] +
                       [str(a) for a in args], capture_output=True, text=True,
                       timeout=timeout)
    if r.returncode:
        raise Fail(f"diag_send {args} in {ns} failed ({r.returncode}): {r.stderr.strip()[-400:]}")
    return r.stdout


def nspy_bg(ns, *args):
    """diag_send.py in ns, in the background (a server): returns the Proc once it says ready."""
    p = Proc(["ip", "netns", "exec", ns, sys.executable, SENDERS] + [str(a) for a in args])
    line = p.p.stdout.readline()
    if "ready" not in line:
        p.kill()
        raise Fail(f"diag_send {args} did not get ready: {line!r} {p.p.stderr.read()[-300:]}")
    p.ready = json.loads(line)
    return p


def counter(ns, name):
    """A kernel counter of ns by its nstat name (TcpRetransSegs), from /proc/net/snmp|netstat."""
    out = sh(f"ip netns exec {ns} cat /proc/net/snmp /proc/net/netstat")
    lines = out.splitlines()
    for i in range(0, len(lines) - 1, 2):
        keys, vals = lines[i].split(), lines[i + 1].split()
        prefix = keys[0].rstrip(":")
        for k, v in zip(keys[1:], vals[1:]):
            if prefix + k == name:
                return int(v)
    raise Fail(f"no counter {name}")


class Diagnose:
    """`netoproc diagnose --format json` in namespace ns (its counters), drops filtered
    to ns, until stop(): SIGINT, exit 0, the final JSON document parsed."""
    def __init__(self, ns, extra=(), prefix=(), netns_filter=True, outside=False):
        # outside: run in our own namespace; --netns makes it read ns's counters
        args = ([] if outside else ["ip", "netns", "exec", ns]) + list(prefix) + [
            NETOPROC, "diagnose", "--format", "json", "-v", "--duration", "120"]
        if netns_filter:
            args += ["--netns", f"/var/run/netns/{ns}"]
        self.p = Proc(args + list(extra))
        self.said = wait_attached(self.p)
        # the DNS capture says it is attached first; diagnose's own line follows it
        while "diagnose: capture attached" not in self.said:
            self.said += wait_attached(self.p)
        self.doc = None

    def stop(self, settle=0.4):
        time.sleep(settle)
        self.p.p.send_signal(signal.SIGINT)
        rc, out, err = self.p.wait(timeout=30)
        self.stderr = err
        check_eq(rc, 0, f"diagnose exit status (stderr: {err.strip()[-400:]})")
        docs = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
        check(docs and docs[-1]["final"], f"no final report: {out[-300:]!r}")
        self.doc = docs[-1]
        check_eq(self.doc["lost"] or 0, 0, "drop events lost")
        return self.doc

    def kill(self):
        self.p.kill()


@contextlib.contextmanager
def diagnosing(ns, **kw):
    d = Diagnose(ns, **kw)
    try:
        yield d
        if d.doc is None:
            d.stop()
    finally:
        d.kill()


def by_rule(doc):
    """rule id -> list of findings."""
    out = {}
    for f in doc["findings"]:
        out.setdefault(f["rule"], []).append(f)
    return out


def one(doc, rule):
    """The single finding of rule; fails when there is none or several."""
    got = by_rule(doc).get(rule, [])
    check(len(got) == 1, f"{len(got)} findings of {rule}; all: "
          f"{[(f['rule'], f['count']) for f in doc['findings']]}")
    return got[0]


def expect(doc, rule, count=None, **evidence):
    """rule's finding with exactly count (if given) and these evidence values."""
    f = one(doc, rule)
    if count is not None:
        check_eq(f["count"], count, f"{rule} count")
    for k, v in evidence.items():
        check_eq(f["evidence"][k], v, f"{rule} evidence {k}")
    for k in ("level", "rule", "summary", "advice", "count", "evidence", "command"):
        check(k in f, f"{rule}: key {k} missing")
    check("?" not in f["summary"].split(" ")[0], f"{rule} summary: {f['summary']}")
    return f


def absent(doc, *rules):
    got = by_rule(doc)
    for r in rules:
        check(r not in got, f"{r} found in a clean run: {got.get(r)}")


def no_errors(doc, *rules):
    """The clean run of a scenario: no error-level finding at all, and not the fault's rules."""
    errs = [(f["rule"], f["count"], f["summary"]) for f in doc["findings"] if f["level"] == "error"]
    check_eq(errs, [], "error-level findings in the clean run")
    absent(doc, *rules)
