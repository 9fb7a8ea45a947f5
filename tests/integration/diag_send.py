# SPDX-License-Identifier: GPL-2.0-only
"""Traffic for the diagnose tests, run inside a test namespace: each subcommand makes
one kind of traffic or fault. Servers print {"ready": true} and wait to be killed."""
import argparse
import errno
import json
import os
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ready(**kw):
    print(json.dumps(dict(ready=True, **kw)), flush=True)


def hold():
    while True:
        time.sleep(3600)


def udp(o):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if o.src:
        s.bind((o.src, 0))
    if o.ttl:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, o.ttl)
    if o.df:	# IP_MTU_DISCOVER = IP_PMTUDISC_PROBE: DF set, the route's PMTU ignored
        s.setsockopt(socket.IPPROTO_IP, 10, 3)
    failed = 0
    if o.connect:	# errors the kernel reports to the socket come back from send()
        s.connect((o.dst, o.port))
    if o.before:	# a command first, with no interpreter start-up between it and the sends
        import subprocess
        subprocess.run(o.before, shell=True, check=True)
    errors = []
    for _ in range(o.n):
        try:
            if o.connect:
                try:
                    s.send(b"x" * o.size)
                except OSError as e:	# the previous datagram's error, then this one
                    errors.append(errno.errorcode.get(e.errno, str(e.errno)))
                    s.send(b"x" * o.size)
            else:
                s.sendto(b"x" * o.size, (o.dst, o.port))
        except OSError:
            failed += 1
        if o.gap:
            time.sleep(o.gap)
    if o.connect:	# the socket held a moment, as a client waiting for its answer
        time.sleep(0.3)
    print(json.dumps({"sent": o.n, "failed": failed, "errors": errors, "pid": os.getpid(),
                      "sport": s.getsockname()[1]}))


def raw(o):
    """Ethernet frames built by hand on dev: IPv4 with one fault, or another ethertype."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((o.dev, 0))
    smac = s.getsockname()[4]
    dmac = bytes.fromhex(o.dmac.replace(":", ""))
    src, dst = socket.inet_aton(o.src), socket.inet_aton(o.dst)
    for i in range(o.n):
        if o.fault == "ethertype":
            s.send(dmac + smac + b"\x88\xb5" + b"netoproc diagnose test frame".ljust(46))
            continue
        if o.fault in ("tcpcsum", "syn", "synfin"):
            flags = {"syn": 0x02, "synfin": 0x03, "tcpcsum": 0x02}[o.fault]
            sport = 20000 + i if o.fault == "syn" else 5555
            l4 = struct.pack("!HHIIBBHHH", sport, o.port, 1000 + i, 0, 5 << 4, flags, 65535, 0, 0)
            proto = 6
            ck = csum(src + dst + struct.pack("!BBH", 0, 6, len(l4)) + l4)
            if o.fault == "tcpcsum":
                ck ^= 0x5a5a
            l4 = l4[:16] + struct.pack("!H", ck) + l4[18:]
        else:
            payload = b"diagnose"
            ul = 8 + len(payload)
            l4 = struct.pack("!HHHH", 5555, o.port, ul, 0) + payload
            proto = 17
            ck = csum(src + dst + struct.pack("!BBH", 0, 17, ul) + l4) or 0xffff
            if o.fault == "udpcsum":
                ck ^= 0x5a5a
            l4 = l4[:6] + struct.pack("!H", ck) + l4[8:]
        ver_ihl = 0x43 if o.fault == "ihl" else 0x45
        # "frag": the first fragment alone (more fragments flag, offset 0)
        frag = 0x2000 if o.fault == "frag" else 0
        ip = struct.pack("!BBHHHBBH4s4s", ver_ihl, 0, 20 + len(l4), i + 1, frag, 64, proto, 0,
                         src, dst)
        ick = csum(ip)
        if o.fault == "ipcsum":
            ick ^= 0x5a5a
        ip = ip[:10] + struct.pack("!H", ick) + ip[12:]
        s.send(dmac + smac + b"\x08\x00" + ip + l4)
    print(json.dumps({"sent": o.n}))


def ipproto(o):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, o.proto)
    for _ in range(o.n):
        s.sendto(b"diagnose", (o.dst, 0))


def filtered(o):
    """A UDP socket whose classic BPF filter refuses everything (ret #0); n datagrams to it."""
    import ctypes
    insns = (ctypes.c_uint8 * 8)(*struct.pack("HBBI", 0x06, 0, 0, 0))	# BPF_RET|BPF_K 0
    prog = struct.pack("HL", 1, ctypes.addressof(insns))	# struct sock_fprog
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if o.refuse:
        r.setsockopt(socket.SOL_SOCKET, 26, prog)	# SO_ATTACH_FILTER
    r.bind((o.dst, o.port))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(o.n):
        s.sendto(b"f" * 10, (o.dst, o.port))
    r.setblocking(False)
    got = 0
    while True:
        try:
            r.recv(100)
            got += 1
        except BlockingIOError:
            break
    print(json.dumps({"sent": o.n, "received": got}))


def tcpconn(o):
    """n connection attempts, one SYN each (the initial RTO is 1 s; we give up at 0.2 s)."""
    res = {"refused": 0, "timeout": 0, "ok": 0}
    for _ in range(o.n):
        s = socket.socket()
        s.settimeout(0.2)
        try:
            s.connect((o.dst, o.port))
            res["ok"] += 1
        except ConnectionRefusedError:
            res["refused"] += 1
        except OSError:
            res["timeout"] += 1
        s.close()
    print(json.dumps(res))


def udpflood(o):
    """n datagrams into a socket with the smallest receive buffer, that never reads until
    the end; then what fit."""
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if o.small:
        r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    r.bind((o.dst, o.port))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(o.n):
        s.sendto(b"y" * 1000, (o.dst, o.port))
    time.sleep(0.2)
    r.setblocking(False)
    got = 0
    while True:
        try:
            r.recv(4096)
            got += 1
        except BlockingIOError:
            break
    print(json.dumps({"sent": o.n, "received": got}))


def udpsink(o):
    """A UDP socket with the smallest receive buffer that never reads (--read: an
    ordinary one that reads all it gets)."""
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if not o.read:
        r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    r.bind((o.addr, o.port))
    ready()
    if not o.read:
        hold()
    while True:
        r.recv(65536)


def listener(o):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if o.rcvbuf:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, o.rcvbuf)
    ls.bind((o.addr, o.port))
    ls.listen(o.backlog)
    ready()
    held = []
    if not o.accept:
        hold()
    while True:
        c, _ = ls.accept()
        if o.read:
            c.settimeout(5)
            try:
                while c.recv(65536):
                    pass
            except OSError:
                pass
            c.close()
        else:
            held.append(c)	# accepted, never read


def connect_hold(o):
    """n connections kept open; prints how many succeeded and the errno of failures."""
    socks, errs = [], []
    for _ in range(o.n):
        s = socket.socket()
        s.settimeout(2)
        try:
            s.connect((o.dst, o.port))
            socks.append(s)
        except OSError as e:
            errs.append(errno.errorcode.get(e.errno, str(e.errno)))
    ready(ok=len(socks), errors=errs)
    hold()


def shortconns(o):
    """n connections, each closed by us first: they end in TIME-WAIT here."""
    for _ in range(o.n):
        s = socket.create_connection((o.dst, o.port), timeout=2)
        s.close()
    time.sleep(0.3)
    print(json.dumps({"done": o.n}))


def bulk(o):
    """conns connections writing for secs without pause, then aborted (RST: nothing more
    is sent after we return)."""
    socks = [socket.create_connection((o.dst, o.port), timeout=5) for _ in range(o.conns)]
    ready(conns=o.conns)
    for s in socks:
        s.setblocking(False)
    end = time.time() + o.secs
    sent = 0
    while time.time() < end:
        for s in socks:
            try:
                sent += s.send(b"z" * 65536)
            except BlockingIOError:
                pass
        time.sleep(0.01)
    for s in socks:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    print(json.dumps({"sent": sent}))


def routegone(o):
    """A connection whose route is deleted under it (with --delete), then n sends 0.3 s
    apart, then aborted: nothing is left to send afterwards."""
    import subprocess
    s = socket.create_connection((o.dst, o.port), timeout=2)
    s.send(b"x")
    time.sleep(0.2)
    if o.delete:
        subprocess.run(["ip", "route", "del", o.delete], check=True)
    for _ in range(o.n):
        try:
            s.send(b"y" * 100)
        except OSError:
            pass
        time.sleep(0.3)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print(json.dumps({"done": o.n}))


def tcp_segment(src, dst, sport, dport, seq, ack, flags):
    """A TCP header (no options, no payload) with its checksum."""
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ck = csum(socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(h)) + h)
    return h[:16] + struct.pack("!H", ck) + h[18:]


def handshakes(o):
    """Handshakes made by hand (raw sockets; the caller keeps this kernel from resetting
    them) so that one connection's final ACK reaches a listener of backlog B whose accept
    queue has filled since that connection's SYN: B connections complete, then the SYNs of
    two more, the first of them completes (the queue is full now), and the other's final
    ACK is sent n times: each is refused for the full accept queue."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.settimeout(2)
    isn = {}

    def syn(port):
        s.sendto(tcp_segment(o.src, o.dst, port, o.port, 1000, 0, 0x02), (o.dst, 0))
        while True:	# the SYN-ACK (this raw socket sees every TCP segment coming in)
            b, _ = s.recvfrom(4096)
            ihl = (b[0] & 15) * 4
            sport, dport, seq, ack, _, flags = struct.unpack("!HHIIBB", b[ihl:ihl + 14])
            if sport == o.port and dport == port and flags & 0x12 == 0x12:
                isn[port] = seq
                return

    def ack(port):
        s.sendto(tcp_segment(o.src, o.dst, port, o.port, 1001, isn[port] + 1, 0x10), (o.dst, 0))

    for i in range(o.backlog):
        syn(31000 + i)
        ack(31000 + i)
    last, late = 31000 + o.backlog, 31000 + o.backlog + 1
    syn(last)
    syn(late)
    ack(last)
    time.sleep(0.1)
    for _ in range(o.n):
        ack(late)
        time.sleep(0.05)
    print(json.dumps({"completed": o.backlog + 1, "late_acks": o.n}))


def neigh_state(dev, addr):
    import subprocess
    out = subprocess.run(["ip", "-j", "neigh", "show", "dev", dev, "to", addr],
                         capture_output=True, text=True, check=True).stdout
    ent = json.loads(out or "[]")
    return ent[0]["state"][0] if ent else "NONE"


def unanswered(o):
    """n datagrams to an address on dev's link, each sent once the previous one's
    neighbour resolution has ended (FAILED, or REACHABLE when someone answers): one
    resolution each. Prints the states the resolutions ended in."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ends = []
    for _ in range(o.n):
        try:
            s.sendto(b"arp?", (o.dst, o.port))
        except OSError:	# the previous resolution's failure, reported on the socket
            s.sendto(b"arp?", (o.dst, o.port))
        deadline = time.time() + 10
        while neigh_state(o.dev, o.dst) == "INCOMPLETE" and time.time() < deadline:
            time.sleep(0.02)
        ends.append(neigh_state(o.dev, o.dst))
        if ends[-1] != "FAILED":	# answered: resolve again next time
            import subprocess
            subprocess.run(["ip", "neigh", "del", o.dst, "dev", o.dev], check=True)
    print(json.dumps({"sent": o.n, "ends": ends}))


def flows(o):
    """n UDP flows of one datagram each (distinct source and destination ports), sent as
    fast as they go: a conntrack entry each where conntrack is on."""
    socks, sent = [], 0
    while sent < o.n:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        socks.append(s)
        for port in range(1024, 65536):
            if sent == o.n:
                break
            s.sendto(b"", (o.dst, port))
            sent += 1
    print(json.dumps({"flows": sent, "sockets": len(socks)}))


def dnsq(o):
    """n DNS queries for name to server, one socket, each waited for up to --wait seconds
    (no retry); prints our pid and the answer codes (None: no answer)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(o.wait)
    labels = b"".join(bytes([len(x)]) + x.encode() for x in o.name.split(".")) + b"\0"
    codes = []
    for i in range(o.n):
        qid = 0x4000 + i
        s.sendto(struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels +
                 struct.pack("!HH", 1, 1), (o.server, 53))
        try:
            while True:
                b = s.recv(4096)
                if struct.unpack("!H", b[:2])[0] == qid:
                    codes.append(b[3] & 15)
                    break
        except socket.timeout:
            codes.append(None)
    # alive a moment after the last answer: diagnose reads the payloads every 10 ms and
    # the asker's namespace from /proc then (one gone sooner counts as dns_unknown_netns)
    time.sleep(0.1)
    print(json.dumps({"pid": os.getpid(), "rcodes": codes}))


def main():
    a = argparse.ArgumentParser()
    sub = a.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("udp")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    p.add_argument("--src")
    p.add_argument("--ttl", type=int)
    p.add_argument("--size", type=int, default=10)
    p.add_argument("--df", action="store_true")
    p.add_argument("--gap", type=float, default=0)
    p.add_argument("--before")
    p.add_argument("--connect", action="store_true")
    p = sub.add_parser("raw")
    for k in ("dev", "dmac", "src", "dst"):
        p.add_argument(k)
    p.add_argument("n", type=int)
    p.add_argument("--port", type=int, default=4000)
    p.add_argument("--fault", default="none")
    p = sub.add_parser("ipproto")
    p.add_argument("dst")
    p.add_argument("proto", type=int)
    p.add_argument("n", type=int)
    for name in ("tcpconn", "shortconns"):
        p = sub.add_parser(name)
        p.add_argument("dst")
        p.add_argument("port", type=int)
        p.add_argument("n", type=int)
    p = sub.add_parser("connect_hold")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    p = sub.add_parser("filtered")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    p.add_argument("--refuse", action="store_true")
    p = sub.add_parser("routegone")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    p.add_argument("--delete")
    p = sub.add_parser("udpflood")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    p.add_argument("--small", action="store_true")
    p = sub.add_parser("udpsink")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--read", action="store_true")
    p = sub.add_parser("listener")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--backlog", type=int, default=128)
    p.add_argument("--accept", action="store_true")
    p.add_argument("--read", action="store_true")
    p.add_argument("--rcvbuf", type=int, default=0)
    p = sub.add_parser("handshakes")
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    p.add_argument("--backlog", type=int, default=2)
    p = sub.add_parser("unanswered")
    p.add_argument("dev")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    p = sub.add_parser("flows")
    p.add_argument("dst")
    p.add_argument("n", type=int)
    p = sub.add_parser("dnsq")
    p.add_argument("server")
    p.add_argument("name")
    p.add_argument("n", type=int)
    p.add_argument("--wait", type=float, default=0.5)
    p = sub.add_parser("bulk")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("conns", type=int)
    p.add_argument("secs", type=float)
    o = a.parse_args()
    globals()[o.cmd](o)


if __name__ == "__main__":
    main()
