#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Seed corpus of fuzz_packet_parse (tests/fuzz/corpus/packet_parse/).

  make-packet-corpus.py real   (root) frames the kernel sent, captured with an
                               AF_PACKET socket in a network namespace of its
                               own (deleted at the end): a veth pair and lo;
                               TCP (handshake, data, FIN), UDP, ICMP echo over
                               IPv4 and IPv6, IPv4 fragments and options
                               (record route), IPv6 fragments and
                               hop-by-hop/destination options; each frame also
                               again with an 802.1Q tag and with 802.1ad+802.1Q
                               tags put in, and as raw IP
  make-packet-corpus.py edge   hand-made: a later fragment, a zero total length
                               (BIG TCP), an IPv6 jumbogram, headers cut short

A file is one byte of link type and length mode (fuzz_packet_parse.c), one of
wire length, then the frame.
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "packet_parse")
NETNS = "np-fuzzpkt"
ETHER, LOOPBACK, RAW = 0, 1, 2		# fuzz_packet_parse's types[] index


def save(name, sel, frame, wl=0):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([sel, wl]) + frame)


def sh(*args):
    subprocess.run(args, check=True)


def traffic():
    """What the kernel sends between 10.9.0.1/fd09::1 (veth npf0) and .2/::2 (npf1)."""
    def tcp(fam, addr, port):
        if addr in ("10.9.0.2", "fd09::2"):	# the listener in the peer namespace
            c = socket.create_connection((addr, port))
            c.sendall(b"hello over tcp")
            c.recv(100)
            c.close()
            return
        srv = socket.socket(fam, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((addr, port))
        srv.listen()

        def serve():
            c, _ = srv.accept()
            c.sendall(c.recv(100) * 3)
            c.close()
        t = threading.Thread(target=serve)
        t.start()
        c = socket.create_connection((addr, port))
        c.sendall(b"hello over tcp")
        c.recv(100)
        c.close()
        t.join()
        srv.close()

    for fam, dst in ((socket.AF_INET, "10.9.0.2"), (socket.AF_INET6, "fd09::2"),
                     (socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        tcp(fam, dst, 8080)
        u = socket.socket(fam, socket.SOCK_DGRAM)
        u.sendto(b"udp datagram", (dst, 9999))
        u.sendto(b"F" * 3000, (dst, 9999))	# fragments over the 1500-byte veth
        u.close()
    # ICMP echo requests (and the replies the kernel sends back).
    i4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    i4.sendto(struct.pack("!BBHHH", 8, 0, 0xf7fe, 0, 1) + b"", ("10.9.0.2", 0))
    i6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    i6.sendto(struct.pack("!BBHHH", 128, 0, 0, 0, 1) + b"ping", ("fd09::2", 0))
    # IPv4 options: record route (type 7, 39 bytes) then EOL.
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, bytes([7, 39, 4]) + bytes(36) + b"\0")
    u.sendto(b"with options", ("10.9.0.2", 9999))
    u.close()
    # IPv6 hop-by-hop and destination options (PadN), and both.
    for opt in (54, 59):	# IPV6_HOPOPTS, IPV6_DSTOPTS
        u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        u.setsockopt(socket.IPPROTO_IPV6, opt, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
        u.sendto(b"with extension header", ("fd09::2", 9999))
        if opt == 59:
            u.setsockopt(socket.IPPROTO_IPV6, 54, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
            u.sendto(b"H" * 3000, ("fd09::2", 9999))
        u.close()
    time.sleep(0.3)


def inside():
    sh("ip", "link", "set", "lo", "up")
    sh("ip", "link", "add", "npf0", "type", "veth", "peer", "name", "npf1")
    sh("ip", "addr", "add", "10.9.0.1/24", "dev", "npf0")
    sh("ip", "-6", "addr", "add", "fd09::1/64", "dev", "npf0", "nodad")
    sh("ip", "link", "set", "npf0", "up")
    # b in a namespace of its own would need a second one: b stays here, as
    # the other end's addresses on the same host routed through the veth.
    sh("ip", "netns", "add", NETNS + "-b")
    try:
        sh("ip", "link", "set", "npf1", "netns", NETNS + "-b")
        for cmd in (["ip", "link", "set", "lo", "up"],
                    ["ip", "addr", "add", "10.9.0.2/24", "dev", "npf1"],
                    ["ip", "-6", "addr", "add", "fd09::2/64", "dev", "npf1", "nodad"],
                    ["ip", "link", "set", "npf1", "up"]):
            sh("ip", "netns", "exec", NETNS + "-b", *cmd)
        # Listeners in b so TCP gets answers (UDP to a closed port: ICMP errors, also real).
        srv = subprocess.Popen(["ip", "netns", "exec", NETNS + "-b", sys.executable, "-c",
                                "import socket,threading\n"
                                "def tcp(f,a):\n"
                                " s=socket.socket(f);s.bind((a,8080));s.listen()\n"
                                " while True:\n"
                                "  c,_=s.accept();c.sendall(c.recv(100)*3);c.close()\n"
                                "for f,a in ((socket.AF_INET,'10.9.0.2'),(socket.AF_INET6,'fd09::2')):\n"
                                " threading.Thread(target=tcp,args=(f,a),daemon=True).start()\n"
                                "import time; time.sleep(5)\n"])
        time.sleep(0.5)
        frames = []
        socks = []
        for dev in ("npf0", "lo"):
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
            s.bind((dev, 0))
            s.settimeout(0.2)
            socks.append((dev, s))
        traffic()
        for dev, s in socks:
            while True:
                try:
                    data, addr = s.recvfrom(65536)
                except socket.timeout:
                    break
                frames.append((dev, addr[3], data))
        srv.kill()
        return frames
    finally:
        subprocess.run(["ip", "netns", "delete", NETNS + "-b"], check=False)


def real():
    sh("ip", "netns", "add", NETNS)
    try:
        out = subprocess.run(["ip", "netns", "exec", NETNS, sys.executable, __file__, "inside"],
                             check=True, stdout=subprocess.PIPE).stdout
    finally:
        subprocess.run(["ip", "netns", "delete", NETNS], check=False)
    seen = set()
    n = 0
    for line in out.decode().split("\n"):
        if not line:
            continue
        dev, hatype, hexdata = line.split()
        frame = bytes.fromhex(hexdata)
        if frame in seen:
            continue
        seen.add(frame)
        sel = LOOPBACK if int(hatype) == 772 else ETHER
        save("real-%s-%03d" % (dev, n), sel, frame)
        if sel == ETHER:
            ip = frame[14:]
            save("real-%s-%03d-raw" % (dev, n), RAW, ip)
            save("real-%s-%03d-vlan" % (dev, n), ETHER,
                 frame[:12] + b"\x81\x00\x00\x05" + frame[12:])
            save("real-%s-%03d-qinq" % (dev, n), ETHER,
                 frame[:12] + b"\x88\xa8\x00\x07\x81\x00\x00\x05" + frame[12:])
            save("real-%s-%03d-snap" % (dev, n), ETHER | 4, frame[:64], max(0, min(255, (len(frame) - 64) // 257)))
        n += 1
    print("%d frames" % n)


def edge():
    mac = b"\x02" * 6 + b"\x04" * 6
    v4 = lambda tot, fo, proto, ihl=5: (struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot, 1, fo,
                                                    64, proto, 0, b"\x0a\x09\0\1",
                                                    b"\x0a\x09\0\2") + b"\x01" * (ihl * 4 - 20))
    udp = struct.pack("!HHHH", 1234, 53, 8, 0)
    tcp = struct.pack("!HHIIBBHHH", 40000, 443, 1, 0, 0x50, 0x02, 65535, 0, 0)
    v6 = lambda plen, nh: struct.pack("!IHBB16s16s", 0x60000000, plen, nh, 64,
                                      b"\xfd\x09" + b"\0" * 13 + b"\1",
                                      b"\xfd\x09" + b"\0" * 13 + b"\2")
    e4, e6 = mac + b"\x08\x00", mac + b"\x86\xdd"
    save("edge-v4-later-fragment", ETHER, e4 + v4(1028, 0x0080, 17) + b"x" * 1008)
    save("edge-v4-first-fragment", ETHER, e4 + v4(1028, 0x2000, 17) + udp + b"x" * 1000)
    save("edge-v4-bigtcp-totlen0", ETHER | 12, e4 + v4(0, 0x4000, 6) + tcp, 1)
    save("edge-v4-ihl15", RAW, v4(60 + 20, 0, 6, 15) + tcp)
    save("edge-v4-ihl-past-caplen", RAW | 4, v4(200, 0, 6, 15)[:40], 1)
    save("edge-v6-jumbo", ETHER | 12, e6 + v6(0, 0) + bytes([6, 0, 0xc2, 4, 0, 1, 0, 0]) + tcp, 1)
    save("edge-v6-frag-later", ETHER, e6 + v6(8 + 100, 44) + struct.pack("!BBHI", 17, 0, 0x0100, 7)
         + b"y" * 100)
    save("edge-v6-frag-first", ETHER, e6 + v6(8 + 108, 44) + struct.pack("!BBHI", 17, 0, 1, 7)
         + udp + b"y" * 100)
    save("edge-v6-ah", RAW, v6(24 + 8, 51) + bytes([17, 4, 0, 0]) + b"\0" * 20 + udp)
    save("edge-v6-routing-dst", RAW, v6(8 + 8 + 20, 43) + bytes([60, 0, 0, 0, 0, 0, 0, 0])
         + bytes([6, 0, 1, 4, 0, 0, 0, 0]) + tcp)
    save("edge-v6-ext-cut", RAW | 4, v6(200, 0) + bytes([60, 0]), 2)
    save("edge-vlan4-deep", ETHER, mac + b"\x88\xa8\0\1\x91\0\0\2\x81\0\0\3\x81\0\0\4\x08\x00"
         + v4(28, 0, 17) + udp)
    save("edge-vlan5-too-deep", ETHER, mac + b"\x81\0\0\1" * 5 + b"\x08\x00" + v4(28, 0, 17) + udp)
    save("edge-arp", ETHER, mac + b"\x08\x06" + b"\0\1\x08\0\6\4\0\1" + b"\0" * 20)
    save("edge-v4-in-v6-type", ETHER, e6 + v4(28, 0, 17) + udp + b"\0" * 20)
    save("edge-icmp-short", RAW, v4(24, 0, 1) + b"\x08\0\0\0")
    save("edge-tcp-doff-too-big", RAW, v4(40, 0, 6) + tcp[:12] + b"\xf0" + tcp[13:])


def main():
    if sys.argv[1:] == ["inside"]:
        for dev, hatype, data in inside():
            print(dev, hatype, data.hex())
    elif sys.argv[1:] == ["real"]:
        real()
    elif sys.argv[1:] == ["edge"]:
        edge()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
