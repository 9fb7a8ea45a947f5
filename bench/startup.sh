#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Start to first attached hook (root; not part of make test): the time from
# starting netoproc to its "-v" line saying the capture is attached, median of
# RUNS starts, for the monitor (default capture) and for trace. Prints "ROW|..."
# lines for bench/run.sh beside its own.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUTPUT:-build}
NP=${NETOPROC:-$OUT/netoproc}
RUNS=${RUNS:-5}
python3 - "$NP" "$RUNS" <<'PY'
import os, signal, statistics, subprocess, sys, time
np, runs = sys.argv[1], int(sys.argv[2])

def attach_ms(args):
    t0 = time.monotonic()
    p = subprocess.Popen([np] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    try:
        for line in p.stderr:
            if "capture attached" in line:
                return (time.monotonic() - t0) * 1000
        raise SystemExit(f"startup: {' '.join(args)}: no 'capture attached' line")
    finally:
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=20)

for what, args in (("monitor", ["-v", "--duration", "30", "--format", "json"]),
                   ("trace", ["trace", "-v", "--duration", "30", "--format", "json",
                              "udp port 9"])):
    ms = [attach_ms(args) for _ in range(runs)]
    med = statistics.median(ms)
    print(f"  {what}: start to attached {med:.0f} ms (median of {runs}: "
          f"{', '.join(f'{m:.0f}' for m in ms)})")
    print(f"ROW|start to first attached hook ({what})|{med:.0f} ms|300 ms|{med / 300:.2f}|<= 1.00")
PY
