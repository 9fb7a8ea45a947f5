#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Seed corpus of fuzz_cli (tests/fuzz/corpus/cli/): command lines from the man
pages and the usual mistakes, each as its words separated by NUL (argv[1..];
fuzz_cli.c adds argv[0] and dispatches as src/main.c does)."""
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "cli")
LINES = [
    "--duration 5 --format json", "--duration 2 --interval 1 --format tsv --sort pid",
    "--format pretty --sort connections --units bits --no-color",
    "--capture-mode afpacket --interface lo", "--capture-mode ebpf --attach fentry",
    "--attach kprobe --capture-buffer 65536", "--pid 1,2,3 --filter curl",
    "--dns-port 5353 --dns-port 853 --dns-timeout 2.5", "--no-dns --resolve -v", "--cgroup /",
    "--btf /nonexistent", "--help", "--version", "-h", "-vh", "--monitor", "--duration",
    "--interval 5 --duration 1", "--bogus", "extra", "--capture-buffer 1", "--pid 0",
    "--duration -1", "--duration nan", "--duration 1e309", "--format=json",
    "dns --duration 3 --format json --summary",
    "dns --pid 42 --filter dig --dns-port 5300 --capture-mode afpacket",
    "dns --interface nosuch0", "dns --attach tracepoint -v", "dns --help", "dns stray",
    "trace --count 10 --format json icmp", "trace --netns /proc/1/ns/net --ifname lo tcp port 80",
    "trace --mark 0x10 --pid 1 udp and port 53", "trace -- -v",
    "trace tcp and tcp[((tcp[12:1] & 0xf0) >> 2):1] == 0x41",
    "trace --level full --format text host 10.0.0.1", "trace --help", "trace ip[",
    "drop --summary --interval 1", "drop --duration 2 --format json udp",
    "drop --reason NO_SOCKET", "drop --help", "probe", "probe --format json",
    "probe --format xml", "probe --help", "probe extra",
    "trace --probes all-skb --timeline --track tcp", "trace --probes basic --count 5 --duration 1.5",
    "trace --probes nosuch", "trace icmp --format json --pid 1", "drop --interval 1",
    "drop --summary --interval 0.5 --count 3 not port 22", "-hx", "trace --count 0",
]


def main():
    os.makedirs(OUT, exist_ok=True)
    for i, line in enumerate(LINES):
        with open(os.path.join(OUT, "edge-%02d" % i), "wb") as f:
            f.write(line.replace(" ", "\0").encode())


if __name__ == "__main__":
    main()
