# SPDX-License-Identifier: GPL-2.0-only
"""A DNS lab for the DNS tests: a network namespace joined to ours by a veth pair,
dnsmasq (Debian's) serving a local zone on addresses the test owns, a resolver that
answers late by a known delay, one that never answers, and an address where nothing
listens. Processes inside the namespace resolve through it (glibc reads the
namespace's own resolv.conf under `ip netns exec`). Everything is removed afterwards,
even when a test fails."""
import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import time

import npt
from npt import NETOPROC, Fail, Proc, check, netns, wait_attached

SLOW_DELAY = 0.2	# seconds the slow resolver holds each answer


class Lab:
    def __init__(self, ns, n):
        self.ns = ns
        self.net = f"10.{230 + n // 250}.{n % 250}"
        self.host = f"{self.net}.1"
        self.dns = f"{self.net}.2"	# dnsmasq
        self.slow = f"{self.net}.3"	# answers after SLOW_DELAY
        self.mute = f"{self.net}.4"	# reads and never answers
        self.void = f"{self.net}.5"	# nothing listens
        self.fail = f"{self.net}.6"	# answers every query SERVFAIL
        self.web = f"{self.net}.77"	# web.test.lan
        self.tls = f"{self.net}.79"	# no DNS name: its name comes from the ClientHello
        self.other = f"{self.net}.78"	# no name at all
        self.v6 = f"fd00:231:{n:x}::"
        self.dns6 = self.v6 + "2"
        self.web6 = self.v6 + "77"

    def exec(self):
        """Prefix running a command in the lab namespace, with its resolv.conf."""
        return ["ip", "netns", "exec", self.ns]


def reverse(addr):
    """The in-addr.arpa name of an IPv4 address."""
    return ".".join(reversed(addr.split("."))) + ".in-addr.arpa"


def _sh(*args):
    subprocess.run(list(args), check=True, capture_output=True)


SLOW_RESOLVER = r"""
import socket, sys, threading, time
listen, upstream, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((listen, 53))
print("ready", flush=True)
def answer(q, peer):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(2)
    u.sendto(q, (upstream, 53))
    r, _ = u.recvfrom(4096)
    time.sleep(delay - (time.monotonic() - t0[peer]))
    s.sendto(r, peer)
t0 = {}
while True:
    q, peer = s.recvfrom(4096)
    t0[peer] = time.monotonic()
    threading.Thread(target=answer, args=(q, peer), daemon=True).start()
"""

MUTE_RESOLVER = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
print("ready", flush=True)
while True:
    s.recvfrom(4096)
"""


FAIL_RESOLVER = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
print("ready", flush=True)
while True:
    q, peer = s.recvfrom(4096)
    # the query back as a response (QR, RD and RA set) with rcode 2, SERVFAIL
    s.sendto(q[:2] + bytes([0x81 | (q[2] & 0x01), 0x82]) + q[4:], peer)
"""


def _wait_line(proc, what):
    if proc.p.stdout.readline().strip() != "ready":
        raise Fail(f"{what} did not start: {proc.p.stderr.read()[-300:]}")


@contextlib.contextmanager
def lab():
    n = os.getpid() % 4000
    with netns("npdns") as (ns,):
        lb = Lab(ns, n)
        veth = f"npd{n}"
        confdir = f"/etc/netns/{ns}"
        procs = []
        try:
            _sh("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
            _sh("ip", "addr", "add", f"{lb.host}/24", "dev", veth)
            _sh("ip", "addr", "add", f"{lb.v6}1/64", "dev", veth, "nodad")
            _sh("ip", "link", "set", veth, "up")
            for a in (lb.dns, lb.slow, lb.mute, lb.void, lb.fail, lb.web, lb.tls, lb.other):
                _sh("ip", "-n", ns, "addr", "add", f"{a}/24", "dev", "eth0")
            for a in (lb.dns6, lb.web6):
                _sh("ip", "-n", ns, "addr", "add", f"{a}/64", "dev", "eth0", "nodad")
            _sh("ip", "-n", ns, "link", "set", "eth0", "up")
            os.makedirs(confdir, exist_ok=True)
            with open(f"{confdir}/resolv.conf", "w") as f:
                f.write(f"nameserver {lb.dns}\noptions attempts:1 timeout:2\n")
            dnsmasq = Proc(lb.exec() + [
                "dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts", "--bind-interfaces",
                f"--listen-address={lb.dns}", f"--listen-address={lb.dns6}",
                "--except-interface=lo", "--local=/test.lan/", "--local-ttl=300",
                f"--pid-file=/tmp/netoproc-test-dnsmasq-{os.getpid()}.pid", "--user=root", "--log-facility=-",
                f"--host-record=web.test.lan,{lb.web},{lb.web6}",
                "--txt-record=txt.test.lan,hello world",
                "--mx-host=test.lan,mail.test.lan,10",
                "--srv-host=_sip._udp.test.lan,sip.test.lan,5060,1,2",
                "--cname=alias.test.lan,web.test.lan",
                f"--ptr-record={reverse(lb.other)},other.test.lan"])
            procs.append(dnsmasq)
            slow = Proc(lb.exec() + ["python3", "-c", SLOW_RESOLVER, lb.slow, lb.dns,
                                     str(SLOW_DELAY)])
            procs.append(slow)
            mute = Proc(lb.exec() + ["python3", "-c", MUTE_RESOLVER, lb.mute])
            procs.append(mute)
            _wait_line(slow, "slow resolver")
            lb.slow_pid = slow.p.pid	# ip netns exec execs: the resolver itself
            _wait_line(mute, "mute resolver")
            fail = Proc(lb.exec() + ["python3", "-c", FAIL_RESOLVER, lb.fail])
            procs.append(fail)
            _wait_line(fail, "failing resolver")
            # dnsmasq answers once it has bound.
            for _ in range(50):
                r = subprocess.run(["dig", "+short", "+tries=1", "+timeout=1", f"@{lb.dns}",
                                    "web.test.lan"], capture_output=True, text=True)
                if r.stdout.strip() == lb.web:
                    break
                if dnsmasq.p.poll() is not None:
                    raise Fail(f"dnsmasq exited: {dnsmasq.p.stderr.read()[-300:]}")
                time.sleep(0.1)
            else:
                raise Fail("dnsmasq never answered")
            yield lb
        finally:
            for p in procs:
                p.kill()
            subprocess.run(["ip", "link", "del", veth], capture_output=True)
            shutil.rmtree(confdir, ignore_errors=True)


@contextlib.contextmanager
def dns_watch(mode="ebpf", extra=()):
    """`netoproc dns --format json` in capture mode `mode` (forced: it fails rather
    than fall back); yields once attached. At the end of the block it is stopped
    with SIGINT (pending queries flushed) and .events holds its JSON lines."""
    class W:
        events = None
        stderr = ""
    w = W()
    p = Proc([NETOPROC, "dns", "--format", "json", "--capture-mode", mode, "-v",
              "--duration", "120"] + list(extra))
    try:
        said = wait_attached(p)
        check(("eBPF capture attached" in said) == (mode == "ebpf"),
              f"--capture-mode {mode}: -v said {said[-300:]!r}")
        yield w
        time.sleep(0.3)
        p.p.send_signal(signal.SIGINT)
        rc, out, err = p.wait(timeout=30)
        w.stderr = err
        check(rc == 0, f"netoproc dns exited {rc}: {err.strip()[-500:]}")
        w.events = [json.loads(l) for l in out.splitlines() if l.strip()]
    finally:
        p.kill()


def run_ok(args, what, cgroup=None):
    """Run a client to completion (in @cgroup if given); returns its pid and stdout."""
    p = Proc(args, cgroup=cgroup)
    rc, out, err = p.wait(timeout=30)
    check(rc == 0, f"{what} failed ({rc}): {err.strip()[-300:]}")
    return p.p.pid, out


def query(qname, qtype=1, qid=0x1234):
    """A DNS query message as a stub resolver sends it."""
    labels = b"".join(bytes([len(l)]) + l.encode() for l in qname.split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels + struct.pack("!HH", qtype, 1)


def events_of(events, pid):
    return [e for e in events if e["pid"] == pid]
