#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Seed corpus of fuzz_cbpf_translate (tests/fuzz/corpus/cbpf_translate/).

  make-cbpf-corpus.py   each pcap-filter expression below compiled by libpcap
                        (pcap_compile on DLT_RAW, optimised, as netoproc does),
                        paired with real IP packets from the packet_parse
                        corpus (its real-* files, from make-packet-corpus.py
                        real), and with cuts of them

A file is the instruction count - 1, a byte of registers and wire-length
extra, the instructions (struct bpf_insn, little-endian), then the packet.
"""
import ctypes
import glob
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "cbpf_translate")
PKTS = os.path.join(HERE, "corpus", "packet_parse")

EXPRS = [
    "tcp", "udp", "icmp", "icmp6", "ip", "ip6", "tcp port 8080", "udp port 9999",
    "host 10.9.0.2", "net 10.9.0.0/24", "src host 10.9.0.1 and dst port 8080",
    "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0", "tcp and tcp[((tcp[12:1] & 0xf0) >> 2):1] == 0x68",
    "ip[6:2] & 0x1fff != 0", "ip[6:2] & 0x3fff != 0 or ip6[6] == 44", "len > 100", "less 64",
    "greater 1000", "ip6 and udp", "ip6 host fd09::2", "portrange 8000-9000",
    "icmp[icmptype] == icmp-echo", "ip[0] & 0xf > 5", "ip and ip[2:2] - ((ip[0] & 0xf) << 2) > 40",
    "udp[8:4] = 0x75647020", "tcp dst port 8080 and (tcp[tcpflags] & tcp-push) != 0",
    "not tcp and not udp", "ip proto 17 or ip6 proto 17", "ip[8] < 64", "len % 7 == 3",
    "ip[2:2] / (ip[8] - 64) == 1", "ip[2:2] * 3 - 5 > 200 and ip[9] ^ 6 == 0", "ip[4:2] << 3 >> 1 != 0",
    "ip[0] - 0x45 = 0 && ip[2:2] & 3 | 1 = 1", "tcp[20:4] = 0x68656c6c", "ip6[40] == 6",
    "ip multicast", "ip[16] == 255", "tcp port 80 or udp port 53 or icmp",
    "ip[2:2] % 10 == 0 and -ip[8] != 0", "udp[udp[4:1] & 7] == 0x75",
]


def compile_expr(pcap, expr):
    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_uint), ("insns", ctypes.c_void_p)]
    p = pcap.pcap_open_dead(12, 65535)		# DLT_RAW
    prog = Prog()
    if pcap.pcap_compile(p, ctypes.byref(prog), expr.encode(), 1, 0xffffffff):
        pcap.pcap_close(p)
        return None
    count, raw = prog.len, ctypes.string_at(prog.insns, prog.len * 8)
    pcap.pcap_freecode(ctypes.byref(prog))
    pcap.pcap_close(p)
    return count, raw


def main():
    pcap = ctypes.CDLL("libpcap.so.0.8")
    pcap.pcap_open_dead.restype = ctypes.c_void_p
    pcap.pcap_compile.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p,
                                  ctypes.c_int, ctypes.c_uint]
    pcap.pcap_close.argtypes = [ctypes.c_void_p]
    pkts = []
    for f in sorted(glob.glob(os.path.join(PKTS, "real-*"))):
        with open(f, "rb") as fh:
            data = fh.read()
        sel, frame = data[0], data[2:]
        if sel & 3 in (0, 1):	# Ethernet, loopback: the IP packet after the header
            if frame[12:14] not in (b"\x08\x00", b"\x86\xdd"):
                continue
            frame = frame[14:]
        if frame not in pkts:
            pkts.append(frame)
    if not pkts:
        sys.exit("no real-* in %s: run make-packet-corpus.py real first" % PKTS)
    os.makedirs(OUT, exist_ok=True)
    n = 0
    for i, expr in enumerate(EXPRS):
        c = compile_expr(pcap, expr)
        if not c:
            print("does not compile: %s" % expr)
            continue
        count, raw = c
        if not 0 < count <= 256:
            print("%d instructions: %s" % (count, expr))
            continue
        for j in range(4):
            pkt = pkts[(i * 4 + j) % len(pkts)]
            if j == 3:
                pkt = pkt[:20 + i % 24]		# cut: loads past caplen
            name = "real-%02d-%d" % (i, j)
            with open(os.path.join(OUT, name), "wb") as fh:
                fh.write(bytes([count - 1, (i + j) & 0x1f]) + raw + pkt)
            n += 1
    print("%d files" % n)


if __name__ == "__main__":
    main()
