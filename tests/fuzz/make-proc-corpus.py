#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Seed corpus of fuzz_proc_parsers (tests/fuzz/corpus/proc_parsers/): real
/proc/PID/stat lines (this script's, its children's with names holding spaces
and parentheses, a few others), /proc/net/dev lines, and the NETLINK_SOCK_DIAG
replies of this host to TCP and UDP dumps (IPv4 and IPv6, every extension
asked for), cgroup.procs texts and /proc/PID/fd link targets. Byte 0 picks the
parser (0 stat, 1 net/dev, 2 sock_diag, 3 cgroup.procs, 4 fd link); for
sock_diag byte 1 is dump/stop/sequence (1: a dump with sequence 1) and byte 2
the protocol (fuzz_proc_parsers.c)."""
import os
import socket
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "proc_parsers")


def save(name, data):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    # stat: odd comm names, children renamed with prctl(PR_SET_NAME).
    kids = []
    for i, name in enumerate(["a) b (c", "sp ace", "))", "(x", "fifteen-chars-x"]):
        p = subprocess.Popen([sys.executable, "-c",
                              "import ctypes,sys,time\n"
                              "ctypes.CDLL(None).prctl(15, sys.argv[1].encode())\n"
                              "print(flush=True); time.sleep(5)", name], stdout=subprocess.PIPE)
        p.stdout.readline()
        kids.append(p)
    pids = [os.getpid(), 1] + [p.pid for p in kids]
    for i, pid in enumerate(pids):
        with open("/proc/%d/stat" % pid, "rb") as f:
            save("real-stat-%d" % i, b"\x00" + f.read())
    for p in kids:
        p.kill()
        p.wait()
    with open("/proc/net/dev", "rb") as f:
        for i, line in enumerate(f.read().split(b"\n")):
            if line:
                save("real-netdev-%d" % i, b"\x01" + line)
    # sock_diag: TCP/UDP x IPv4/IPv6 dumps, with a listener and a connection to see.
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    c = socket.create_connection(srv.getsockname())
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u.bind(("::1", 0))
    n = 0
    for proto in (6, 17):
        for fam in (socket.AF_INET, socket.AF_INET6):
            nl = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 4)
            req = struct.pack("=BBBBI", fam, proto, 0xff, 0, 0xffffffff) + bytes(48)
            hdr = struct.pack("=IHHII", 16 + len(req), 20, 0x301, 1, 0)
            nl.send(hdr + req)
            while True:
                buf = nl.recv(65536)
                save("real-sockdiag-%d" % n, bytes([2, 1, proto]) + buf[:4000])
                n += 1
                if struct.unpack_from("=H", buf, 4)[0] in (2, 3):	# ERROR, DONE
                    break
            nl.close()
    # fd links: this process's own (sockets open above, pipes, files, anon inodes).
    for i, fd in enumerate(sorted(os.listdir("/proc/self/fd"), key=int)):
        try:
            save("real-fdlink-%d" % i, b"\x04" + os.readlink("/proc/self/fd/" + fd).encode())
        except OSError:
            pass
    for i, link in enumerate([b"socket:[4294967295]", b"socket:[4294967296]", b"socket:[0]",
                              b"socket:[007]", b"socket:[12", b"socket:[]", b"socket:[-1]",
                              b"socket:[ 5]", b"socket:[5]x"]):
        save("edge-fdlink-%d" % i, b"\x04" + link)
    c.close()
    srv.close()
    u.close()
    # cgroup.procs: this host's root cgroup, and edges (zero, sign, too big, no newline).
    root = [l.split()[1] for l in open("/proc/mounts") if l.split()[2] == "cgroup2"][0]
    with open(os.path.join(root, "cgroup.procs"), "rb") as f:
        save("real-cgroup-procs", b"\x03" + f.read()[:4000])
    save("edge-cgroup-procs", b"\x03" + b"1\n0\n-3\n+4\n 5\n4194304\n4194305\n"
         b"99999999999999999999999\n007\n\n12")


if __name__ == "__main__":
    main()
