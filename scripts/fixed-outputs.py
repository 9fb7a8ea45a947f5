#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The outputs of a fixed set of netoproc commands, with what differs from run to
run (times, pids, ports, addresses of kernel objects, ids) replaced by placeholders,
one file per command in OUTDIR. Run it on two builds and `diff -r` the folders: a
refactoring that changes no behaviour changes no byte there.

  scripts/fixed-outputs.py NETOPROC OUTDIR

Needs root: drop and trace run for real, on loopback of a network namespace it
creates (and deletes)."""
import os
import re
import select
import signal
import subprocess
import sys
import time

NP, OUT = sys.argv[1], sys.argv[2]
WL = os.path.join(os.path.dirname(os.path.abspath(NP)), "workloads", "np_workload")
NS = f"npfixed-{os.getpid()}"

VARYING = [
    (r'"(time|start_time|ts|delta_us|total_us|interval|self_check_ms)": ?[0-9.e+-]+',
     r'"\1":#'),
    (r'npfixed-\d+', "npfixed-#"),
    (r'\d+\.\d{3}us\b', "#us"),
    (r' +\+#us', " +#us"),	# right-aligned: the width varies with the number
    (r'\b\d\d:\d\d:\d\d\.\d{6}\b', "HH:MM:SS.us"),
    (r'"(skb|pid|cpu|netns|cgroup_id|port|ifindex|location_addr)":\d+', r'"\1":#'),
    (r'0x[0-9a-f]{8,16}', "0xADDR"),
    (r'\+0x[0-9a-f]+/0x[0-9a-f]+', "+OFF"),
    (r'self-check passed in [0-9.]+ ms', "self-check passed in # ms"),
    (r'(passed in )[0-9.]+( ms)', r"\1#\2"),
    (r'\bcpu\s*\d+\b', "cpu #"),
    (r':\d{4,5}\b', ":PORT"),
    (r'\bnetns \d+\b', "netns #"),
    (r'\b[0-9]{6,}\b', "#"),
]


def normalize(text):
    for pat, rep in VARYING:
        text = re.sub(pat, rep, text)
    return text


def save(name, args, env=None, timeout=30, inp=None):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env, input=inp)
    with open(os.path.join(OUT, name), "w") as f:
        f.write(f"$ {normalize(' '.join(args[1:]))}\nexit {r.returncode}\n--- stdout\n"
                f"{normalize(r.stdout)}--- stderr\n{normalize(r.stderr)}")


def background(name, args, work, settle=0.5):
    """netoproc ARGS until it says it is attached, then work(), then SIGINT."""
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    said = ""
    deadline = time.time() + 20
    while time.time() < deadline and "capture attached" not in said:
        if not select.select([p.stderr], [], [], 0.2)[0]:
            continue
        line = p.stderr.readline()
        if not line:
            break
        said += line
    work()
    time.sleep(settle)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    with open(os.path.join(OUT, name), "w") as f:
        f.write(f"$ {normalize(' '.join(args[1:]))}\nexit {p.returncode}\n--- stdout\n"
                f"{normalize(out)}--- stderr\n{normalize(said + err)}")


def in_ns(*args):
    return subprocess.run(["ip", "netns", "exec", NS] + list(args), capture_output=True,
                          timeout=60)


def main():
    os.makedirs(OUT, exist_ok=True)
    for i, args in enumerate([
            ["--help"], ["--version"], ["probe", "--help"], ["trace", "--help"],
            ["drop", "--help"], ["--bogus"], ["-x"], ["--duration", "0"],
            ["--duration", "1", "--interval", "2"], ["--capture-buffer", "100"],
            ["--pid", "1,x"], ["--format", "xml"], ["--sort", "size"], ["--duration"],
            ["--duration", "1", "stray"], ["--cgroup", "/no/such"], ["--interface", "nosuch0"],
            ["--btf", "/no/such/btf"], ["--capture-mode", "afpacket", "--attach", "fentry"],
            ["trace", "--probes", "most"], ["trace", "udp", "port", "nosuchport"],
            ["drop", "--mark", "x/y"], ["drop", "tcp", "port", "nosuchport"],
            ["trace", "--netns", "/no/such"], ["drop", "--duration", "-1"],
            ["probe", "--format", "yaml"], ["probe", "stray"]]):
        save(f"args-{i:02d}", [NP] + args)
    save("probe-text", [NP, "probe"])
    save("probe-json", [NP, "probe", "--format", "json"])
    subprocess.run(["ip", "netns", "add", NS], check=True)
    try:
        subprocess.run(["ip", "-n", NS, "link", "set", "lo", "up"], check=True)
        closed = lambda: in_ns(WL, "udp-send", "--port", "9", "--count", "3", "--size", "100")
        ping = lambda: in_ns("busybox", "ping", "-c", "2", "-i", "0.2", "127.0.0.1")
        nsp = f"/var/run/netns/{NS}"
        background("drop-text", [NP, "drop", "-v", "--netns", nsp, "udp"], closed)
        background("drop-json", [NP, "drop", "-v", "--format", "json", "--netns", nsp, "udp"],
                   closed)
        background("drop-summary", [NP, "drop", "-v", "--summary", "--netns", nsp, "udp"],
                   closed)
        background("drop-summary-json", [NP, "drop", "-v", "--summary", "--format", "json",
                                         "--netns", nsp, "udp"], closed)
        background("trace-text", [NP, "trace", "-v", "--netns", nsp, "icmp"], ping)
        background("trace-json", [NP, "trace", "-v", "--format", "json", "--netns", nsp,
                                  "icmp"], ping)
        background("trace-timeline", [NP, "trace", "-v", "--timeline", "--netns", nsp, "icmp"],
                   ping)
        background("trace-timeline-json", [NP, "trace", "-v", "--timeline", "--format", "json",
                                           "--netns", nsp, "icmp"], ping)
    finally:
        subprocess.run(["ip", "netns", "del", NS])


if __name__ == "__main__":
    main()
