#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Seed corpora for the fuzz harnesses (tests/fuzz/corpus/{dns_msg,tls_sni}/).

  make-corpus.py real   (root) messages from real tools, in a network namespace
                        of its own: dig's queries and dnsmasq's replies through
                        a recording UDP/TCP relay, the ClientHellos of openssl
                        s_client, curl and Python's ssl module
  make-corpus.py edge   hand-made edge cases: compression loops, pointers
                        forward and out of range, long labels and names, counts
                        larger than the data, EDNS extended rcodes, SVCB/HTTPS,
                        cuts at every field boundary

Files are named for what they hold (real-*, edge-*); the fuzzer's own finds,
merged in with -merge=1, are named by their SHA-1.
"""
import os
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DNS_DIR = os.path.join(HERE, "corpus", "dns_msg")
TLS_DIR = os.path.join(HERE, "corpus", "tls_sni")
NETNS = "np-fuzzcorpus"
DNS_PORT = 53		# dnsmasq, authoritative for "test"
DNS_PORT2 = 5353	# dnsmasq, not authoritative (ra set, local data only)
RELAY_PORT = 5300
TLS_PORT = 4433


def save(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- real: DNS

def https_rdata():
    """An HTTPS record in ServiceMode with every key dnsmasq cannot spell."""
    def param(key, value):
        return struct.pack("!HH", key, len(value)) + value
    rd = struct.pack("!H", 1) + b"\x00"
    rd += param(1, b"\x02h2\x02h3")
    rd += param(3, struct.pack("!H", 8443))
    rd += param(4, socket.inet_aton("192.0.2.1") + socket.inet_aton("192.0.2.2"))
    rd += param(5, bytes(range(10)))
    rd += param(6, socket.inet_pton(socket.AF_INET6, "2001:db8::1"))
    return rd.hex()


def svcb_alias_rdata():
    return (struct.pack("!H", 0) + b"\x04svc2\x04test\x00").hex()


def svcb_mandatory_rdata():
    def param(key, value):
        return struct.pack("!HH", key, len(value)) + value
    rd = struct.pack("!H", 16) + b"\x03foo\x04test\x00"
    rd += param(0, struct.pack("!HH", 1, 3))
    rd += param(1, b"\x08http/1.1")
    rd += param(2, b"")
    rd += param(3, struct.pack("!H", 53))
    rd += param(7, b"/dns-query{?dns}")
    return rd.hex()


LONG_NAME = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 52, "test"])  # 253 characters


def dnsmasq_args():
    common = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
              "--bind-interfaces", "--log-facility=-"]
    auth = common + [
        "--listen-address=127.0.0.1", f"--port={DNS_PORT}",
        "--auth-server=ns.test,lo", "--auth-zone=test",
        "--auth-soa=2024010101,hostmaster.test",
        "--host-record=host.test,192.0.2.10,2001:db8::10",
        "--host-record=mail.test,192.0.2.25",
        "--cname=www.test,host.test", "--cname=alias.test,www.test",
        "--txt-record=txt.test,v=spf1 -all,second string",
        "--txt-record=esc.test,quote\"back\\slash",
        "--srv-host=_sip._tcp.test,sip.test,5060,10,20",
        "--srv-host=_sip._tcp.test,sip2.test,5061,20,30",
        "--mx-host=test,mail.test,10", "--mx-host=test,mail2.test,20",
        "--naptr-record=naptr.test,100,10,S,SIP+D2U,,_sip._udp.test",
        f"--dns-rr=svc.test,65,{https_rdata()}",
        f"--dns-rr=alias.svc.test,64,{svcb_alias_rdata()}",
        f"--dns-rr=dns.svc.test,64,{svcb_mandatory_rdata()}",
        "--caa-record=test,0,issue,letsencrypt.org",
        f"--host-record={LONG_NAME},192.0.2.99",
    ]
    # Forty addresses: more than DNS_MAX_ANSWERS, and more than 512 bytes (TC without EDNS).
    auth += [f"--host-record=many.test,198.51.100.{i}" for i in range(1, 41)]
    plain = common + [
        "--listen-address=127.0.0.1", f"--port={DNS_PORT2}",
        "--address=/blocked.example/0.0.0.0", "--address=/blocked.example/::",
        "--local=/lan/", "--host-record=printer.lan,10.0.0.5",
        "--ptr-record=10.2.0.192.in-addr.arpa,host.test",
        "--address=/rr.example/203.0.113.7",
    ]
    return auth, plain


class Relay:
    """UDP and TCP relay on RELAY_PORT that records each query and reply."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.records = []
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", RELAY_PORT))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", RELAY_PORT))
        self.tcp.listen(4)
        threading.Thread(target=self.serve_udp, daemon=True).start()
        threading.Thread(target=self.serve_tcp, daemon=True).start()

    def serve_udp(self):
        while True:
            q, peer = self.udp.recvfrom(65535)
            up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            up.settimeout(2)
            up.sendto(q, ("127.0.0.1", self.upstream[0]))
            try:
                r = up.recv(65535)
            except socket.timeout:
                continue
            self.records.append(("udp", q, r))
            self.udp.sendto(r, peer)

    @staticmethod
    def read_msg(s):
        def exact(n):
            b = b""
            while len(b) < n:
                chunk = s.recv(n - len(b))
                if not chunk:
                    return None
                b += chunk
            return b
        n = exact(2)
        return exact(struct.unpack("!H", n)[0]) if n else None

    def serve_tcp(self):
        while True:
            c, _ = self.tcp.accept()
            q = self.read_msg(c)
            up = socket.create_connection(("127.0.0.1", self.upstream[0]), timeout=2)
            up.sendall(struct.pack("!H", len(q)) + q)
            r = self.read_msg(up)
            self.records.append(("tcp", q, r))
            c.sendall(struct.pack("!H", len(r)) + r)
            c.close()
            up.close()


DIG_QUERIES = [
    # (file name, port of the dnsmasq to ask, dig arguments)
    ("a", DNS_PORT, ["host.test", "A"]),
    ("aaaa", DNS_PORT, ["host.test", "AAAA"]),
    ("cname", DNS_PORT, ["www.test", "A"]),
    ("cname-chain", DNS_PORT, ["alias.test", "A"]),
    ("nxdomain", DNS_PORT, ["nx.test", "A"]),
    ("nodata", DNS_PORT, ["host.test", "TXT"]),
    ("ns", DNS_PORT, ["test", "NS"]),
    ("soa", DNS_PORT, ["test", "SOA"]),
    ("mx", DNS_PORT, ["test", "MX"]),
    ("txt", DNS_PORT, ["txt.test", "TXT"]),
    ("txt-escapes", DNS_PORT, ["esc.test", "TXT"]),
    ("srv", DNS_PORT, ["_sip._tcp.test", "SRV"]),
    ("ptr", DNS_PORT2, ["-x", "192.0.2.10"]),
    ("ptr-host-record", DNS_PORT2, ["-x", "10.0.0.5"]),
    ("naptr", DNS_PORT, ["naptr.test", "NAPTR"]),
    ("https", DNS_PORT, ["svc.test", "HTTPS"]),
    ("svcb-alias", DNS_PORT, ["alias.svc.test", "SVCB"]),
    ("svcb-dns", DNS_PORT, ["dns.svc.test", "SVCB"]),
    ("caa", DNS_PORT, ["test", "CAA"]),
    ("any", DNS_PORT, ["host.test", "ANY"]),
    ("long-name", DNS_PORT, [LONG_NAME, "A"]),
    ("many-edns", DNS_PORT, ["many.test", "A"]),
    ("many-noedns-tc", DNS_PORT, ["+noedns", "+ignore", "many.test", "A"]),
    ("many-tcp", DNS_PORT, ["+tcp", "many.test", "A"]),
    ("refused", DNS_PORT, ["example.org", "A"]),
    ("nsid-nocookie", DNS_PORT, ["+nsid", "+nocookie", "host.test", "A"]),
    ("edns-version-1", DNS_PORT, ["+edns=1", "+noednsneg", "host.test", "A"]),
    ("dnssec-do", DNS_PORT, ["+dnssec", "host.test", "A"]),
    ("chaos-version", DNS_PORT2, ["version.bind", "TXT", "CH"]),
    ("blocked-a", DNS_PORT2, ["blocked.example", "A"]),
    ("blocked-aaaa", DNS_PORT2, ["blocked.example", "AAAA"]),
    ("local-a", DNS_PORT2, ["printer.lan", "A"]),
    ("local-nx", DNS_PORT2, ["nothere.lan", "A"]),
    ("address", DNS_PORT2, ["www.rr.example", "A"]),
    ("noforward", DNS_PORT2, ["example.com", "MX"]),
    ("upper-case", DNS_PORT2, ["PRINTER.Lan", "A"]),
]


def real_dns(procs):
    auth, plain = dnsmasq_args()
    procs.append(subprocess.Popen(auth, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    procs.append(subprocess.Popen(plain, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(1)
    for name, port, args in DIG_QUERIES:
        relay_upstream[0] = port
        before = len(relay.records)
        subprocess.run(["dig", "@127.0.0.1", "-p", str(RELAY_PORT), "+tries=1", "+time=2"] + args,
                       stdout=subprocess.DEVNULL, check=False)
        got = relay.records[before:]
        if not got:
            print(f"dns {name}: no reply", file=sys.stderr)
            continue
        for i, (proto, q, r) in enumerate(got):
            suffix = f"-{i}" if len(got) > 1 else ""
            save(DNS_DIR, f"real-{name}{suffix}-query.bin", q)
            save(DNS_DIR, f"real-{name}{suffix}-reply.bin", r)
            print(f"dns {name}{suffix}: {proto} query {len(q)} bytes, reply {len(r)} bytes")


# ---------------------------------------------------------------- real: TLS

class HelloCatcher:
    """A TCP listener keeping the first bytes of each connection (the ClientHello)."""

    def __init__(self):
        self.hellos = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", TLS_PORT))
        self.sock.listen(4)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            c, _ = self.sock.accept()
            c.settimeout(0.5)
            data = b""
            try:
                while len(data) < 65536:
                    chunk = c.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except socket.timeout:
                pass
            self.hellos.append(data)
            c.close()


def openssl(args):
    return ["openssl", "s_client", "-connect", f"127.0.0.1:{TLS_PORT}"] + args


TLS_CLIENTS = [
    ("openssl-tls13", openssl(["-tls1_3", "-servername", "www.example.com"])),
    ("openssl-tls12", openssl(["-tls1_2", "-servername", "www.example.com"])),
    ("openssl-tls12-nosni", openssl(["-tls1_2", "-noservername"])),
    ("openssl-tls13-nosni", openssl(["-tls1_3", "-noservername"])),
    ("openssl-tls11", openssl(["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
                               "-servername", "old.example.org"])),
    ("openssl-long-name", openssl(["-servername", "x" * 60 + "." + "y" * 60 + ".example.net"])),
    ("openssl-alpn", openssl(["-alpn", "h2,http/1.1", "-servername", "api.example.com"])),
    # Over 512 bytes in records of 512 at most: the server_name straddles two records.
    ("openssl-split", openssl(["-max_send_frag", "512", "-alpn", ",".join(f"proto-{i:02d}" for i in range(36)),
                               "-servername", "split-" + "s" * 50 + "." + "t" * 60 + ".example.com"])),
    ("curl", ["curl", "-sk", "--max-time", "2", "--resolve", f"curl.example.com:{TLS_PORT}:127.0.0.1",
              f"https://curl.example.com:{TLS_PORT}/"]),
]


def python_client(server_name):
    def run():
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = socket.create_connection(("127.0.0.1", TLS_PORT), timeout=2)
        try:
            ctx.wrap_socket(s, server_hostname=server_name)
        except (OSError, ssl.SSLError):
            pass
        s.close()
    return run


def real_tls():
    catcher = HelloCatcher()
    clients = TLS_CLIENTS + [("python-ssl", python_client("py.example.com"))]
    for name, cmd in clients:
        before = len(catcher.hellos)
        if callable(cmd):
            cmd()
        else:
            subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=10, check=False)
        for _ in range(20):
            if len(catcher.hellos) > before:
                break
            time.sleep(0.1)
        if len(catcher.hellos) <= before:
            print(f"tls {name}: nothing caught", file=sys.stderr)
            continue
        hello = catcher.hellos[before]
        save(TLS_DIR, f"real-{name}.bin", hello)
        print(f"tls {name}: {len(hello)} bytes")


relay = None
relay_upstream = [DNS_PORT]


def inside():
    """Run in the namespace: lo up, servers, relay, clients."""
    global relay
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    procs = []
    try:
        relay = Relay(relay_upstream)
        real_dns(procs)
        real_tls()
    finally:
        for p in procs:
            p.terminate()
            p.wait()


def real():
    subprocess.run(["ip", "netns", "add", NETNS], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", NETNS, sys.executable, __file__, "inside"],
                       check=True)
    finally:
        subprocess.run(["ip", "netns", "delete", NETNS], check=False)


# ---------------------------------------------------------------- edge cases

def name(text):
    if text == ".":
        return b"\x00"
    return b"".join(bytes([len(x)]) + x for x in (p.encode() for p in text.split("."))) + b"\x00"


def header(id_=0x1234, flags=0x8180, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", id_, flags, qd, an, ns, ar)


def rr(owner, type_, rdata, ttl=300, class_=1):
    return owner + struct.pack("!HHIH", type_, class_, ttl, len(rdata)) + rdata


def question(qname="example.com", qtype=1):
    return name(qname) + struct.pack("!HH", qtype, 1)


def pointer_chain(q, n):
    """Answer 1's rdata holds @n pointers, each to the one before, the first to
    the question's name; answer 2's owner points to the last: n + 1 jumps."""
    at = 12 + len(q) + 12				# answer 1's rdata
    chain = struct.pack("!H", 0xc00c) + b"".join(struct.pack("!H", 0xc000 | (at + 2 * i))
                                                 for i in range(n - 1))
    last = at + 2 * (n - 1)
    return (header(an=2) + q + rr(b"\xc0\x0c", 0xff00, chain)
            + rr(struct.pack("!H", 0xc000 | last), 1, bytes([192, 0, 2, 7])))


def edge_dns():
    q = question()
    ptr_q = b"\xc0\x0c"			# the question's name
    a = rr(ptr_q, 1, bytes([192, 0, 2, 1]))
    cases = {
        "short-header": header()[:11],
        "header-only": header(qd=0),
        "query": header(flags=0x0100) + q,
        "a": header(an=1) + q + a,
        # Compression: a pointer to itself, one forward, one beyond the end, two in a ring.
        "loop-self": header() + b"\xc0\x0c" + b"\x00\x01\x00\x01",
        # Question "a" -> offset 20, the answer's owner "b" -> offset 12: a ring.
        "loop-ring": header(an=1) + b"\x01a\xc0\x14" + b"\x00\x01\x00\x01"
                     + rr(b"\x01b\xc0\x0c", 1, bytes(4)),
        "pointer-forward": header(an=1) + q + struct.pack("!H", 0xc000 | (12 + len(q) + len(a)))
                           + a[2:] + name("fwd.example"),
        "pointer-out-of-range": header(an=1) + q + b"\xcf\xff" + a[2:],
        "pointer-chain-100": pointer_chain(q, 100),
        "pointer-chain-129": pointer_chain(q, 129),
        "pointer-into-header": header() + b"\x01a\xc0\x04" + b"\x00\x01\x00\x01",
        "label-type-0x40": header() + b"\x41" + b"x" * 1 + b"\x00\x00\x01\x00\x01",
        "label-type-0x80": header() + b"\x81x\x00\x00\x01\x00\x01",
        "label-63": header() + bytes([63]) + b"a" * 63 + b"\x00\x00\x01\x00\x01",
        "name-253": header() + name(LONG_NAME) + b"\x00\x01\x00\x01",
        "name-254": header() + name("e" + LONG_NAME) + b"\x00\x01\x00\x01",
        "name-escapes": header() + b"\x05a.b\\\x20\x03\x00\xff\x7f\x00" + b"\x00\x01\x00\x01",
        "name-escapes-long": header() + b"".join(bytes([63]) + b"\x00" * 63 for _ in range(4))
                             + b"\x00\x00\x01\x00\x01",
        "counts-huge": header(qd=0xffff, an=0xffff, ns=0xffff, ar=0xffff) + q + a,
        "counts-huge-answers": header(an=0xffff) + q + a * 20,
        "qdcount-2": header(qd=2, an=1) + q + question("second.example", 28) + a,
        "rdlength-past-end": header(an=1) + q + ptr_q + struct.pack("!HHIH", 1, 1, 300, 200) + bytes(4),
        "a-rdlength-5": header(an=1) + q + rr(ptr_q, 1, bytes(5)),
        "cname-past-rdata": header(an=1) + q + ptr_q + struct.pack("!HHIH", 5, 1, 300, 3) + name("x.example"),
        "edns-badvers": header(flags=0x8100, ar=1) + q + rr(b"\x00", 41, b"", ttl=0x01000000, class_=1232),
        "edns-ext-rcode": header(flags=0x8103, ar=1) + q + rr(b"\x00", 41, b"\x00\x0a\x00\x08" + bytes(8),
                                                             ttl=0xff008000, class_=4096),
        "edns-two-opt": header(ar=2) + q + rr(b"\x00", 41, b"", class_=512) * 2,
        "edns-opt-not-root": header(ar=1) + q + rr(ptr_q, 41, b"", class_=512),
        "edns-opt-in-authority": header(ns=1) + q + rr(b"\x00", 41, b"", class_=512),
        "txt-multi": header(an=1) + q + rr(ptr_q, 16, b"\x03one\x00\x0dtwo \"q\" \\b\x01\x02\xff"),
        "txt-string-past-rdata": header(an=1) + q + rr(ptr_q, 16, b"\x05ab"),
        "txt-empty": header(an=1) + q + rr(ptr_q, 16, b""),
        "txt-long": header(an=1) + q + rr(ptr_q, 16, (b"\xff" + b"\x01" * 255) * 3),
        "mx-null": header(an=1) + q + rr(ptr_q, 15, b"\x00\x00\x00"),
        "srv-compressed": header(an=1) + q + rr(ptr_q, 33, b"\x00\x01\x00\x02\x01\xbb" + ptr_q),
        "soa-short": header(an=1) + q + rr(ptr_q, 6, ptr_q + ptr_q + bytes(19)),
        "svcb-keys-unordered": header(an=1) + q + rr(ptr_q, 64, b"\x00\x01\x00" + b"\x00\x03\x00\x02\x01\xbb"
                                                    + b"\x00\x01\x00\x03\x02h2"),
        "svcb-unknown-keys": header(an=1) + q + rr(ptr_q, 64, b"\x00\x01\x00" + b"\x00\x09\x00\x00"
                                                  + b"\xff\xfe\x00\x03abc"),
        "svcb-bad-port": header(an=1) + q + rr(ptr_q, 65, b"\x00\x01\x00\x00\x03\x00\x01\x01"),
        "svcb-alpn-escapes": header(an=1) + q + rr(ptr_q, 65, b"\x00\x01\x00\x00\x01\x00\x07\x03a,b\x02\\\x00"),
        "svcb-ech-long": header(an=1) + q + rr(ptr_q, 65, b"\x00\x01\x00\x00\x05\x01\x00" + bytes(256)),
        "unknown-type": header(an=1) + q + rr(ptr_q, 0xff00, b"\xde\xad\xbe\xef"),
        "aaaa": header(an=1) + question(qtype=28) + rr(ptr_q, 28, socket.inet_pton(socket.AF_INET6, "2001:db8::1")),
        "trailing-bytes": header(an=1) + q + a + b"\x00" * 7,
    }
    for key, data in cases.items():
        save(DNS_DIR, f"edge-{key}.bin", data)
    # A real reply cut at every byte: where the walk stops matters to the status.
    real_reply = os.path.join(DNS_DIR, "real-cname-chain-reply.bin")
    if os.path.exists(real_reply):
        data = open(real_reply, "rb").read()
        for cut in range(12, len(data), 7):
            save(DNS_DIR, f"edge-cut-{cut:03d}.bin", data[:cut])


def tls_record(body, version=0x0301):
    return struct.pack("!BHH", 22, version, len(body)) + body


def client_hello(extensions, version=0x0303, session_id=b"", suites=b"\x13\x01\x13\x02", comp=b"\x00"):
    body = struct.pack("!H", version) + bytes(32) + bytes([len(session_id)]) + session_id
    body += struct.pack("!H", len(suites)) + suites + bytes([len(comp)]) + comp
    if extensions is not None:
        body += struct.pack("!H", len(extensions)) + extensions
    return b"\x01" + struct.pack("!I", len(body))[1:] + body


def ext(type_, data):
    return struct.pack("!HH", type_, len(data)) + data


def sni(*names):
    lst = b"".join(bytes([t]) + struct.pack("!H", len(n)) + n for t, n in names)
    return ext(0, struct.pack("!H", len(lst)) + lst)


def edge_tls():
    host = sni((0, b"edge.example.com"))
    hello = client_hello(ext(10, b"\x00\x02\x00\x1d") + host + ext(43, b"\x02\x03\x04"))
    cases = {
        "plain": tls_record(hello),
        "no-extensions": tls_record(client_hello(None)),
        "empty-extensions": tls_record(client_hello(b"")),
        "sni-last": tls_record(client_hello(ext(65281, b"\x00") + host)),
        "sni-other-type-first": tls_record(client_hello(sni((1, b"x"), (0, b"second.example")))),
        "sni-only-other-type": tls_record(client_hello(sni((7, b"abc")))),
        "sni-empty-name": tls_record(client_hello(sni((0, b"")))),
        "sni-bad-char": tls_record(client_hello(sni((0, b"evil\x1b[31m.example")))),
        "sni-nul": tls_record(client_hello(sni((0, b"a\x00b.example")))),
        "sni-empty-ext": tls_record(client_hello(ext(0, b""))),
        "sni-list-too-long": tls_record(client_hello(ext(0, b"\x00\x10\x00\x00\x01a"))),
        "sni-long": tls_record(client_hello(sni((0, b"l" * 300)))),
        "split-1-byte-records": b"".join(tls_record(hello[i:i + 1]) for i in range(len(hello))),
        "split-in-header": tls_record(hello[:2]) + tls_record(hello[2:]),
        "alert-between": tls_record(hello[:20]) + b"\x15\x03\x03\x00\x02\x02\x28" + tls_record(hello[20:]),
        "empty-record": tls_record(b"") + tls_record(hello),
        "record-too-long": struct.pack("!BHH", 22, 0x0301, 16385) + hello,
        "server-hello": tls_record(b"\x02" + hello[1:]),
        "version-2": tls_record(client_hello(host, version=0x0200)),
        "record-version-2": tls_record(hello, version=0x0200),
        "session-id-33": tls_record(client_hello(host, session_id=bytes(33))),
        "odd-suites": tls_record(client_hello(host, suites=b"\x13\x01\x13")),
        "no-compression": tls_record(client_hello(host, comp=b"")),
        "sslv2-hello": b"\x80\x2e\x01\x00\x02\x00\x15\x00\x00\x00\x10" + bytes(0x25),
        "http": b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
        "ext-len-past-body": tls_record(hello[:47] + struct.pack("!H", len(hello) - 48) + hello[49:]),
        "ext-len-short": tls_record(hello[:47] + struct.pack("!H", len(hello) - 50) + hello[49:]),
        "truncated-before-sni": tls_record(hello)[:60],
    }
    for key, data in cases.items():
        save(TLS_DIR, f"edge-{key}.bin", data)


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "real":
        real()
    elif what == "inside":
        inside()
    elif what == "edge":
        edge_dns()
        edge_tls()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
