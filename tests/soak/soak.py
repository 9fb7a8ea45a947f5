#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The monitor's soak (`make soak`; not in CI, not in `make test`): netoproc in both capture
modes at once (`--capture-mode ebpf` and `afpacket`, each `--interval 1 --format json`,
scoped to a cgroup of the soak's own) for SOAK_MINUTES (60) under churn, on loopback:

  - about 1,000 short-lived processes a minute (a parent forking 16 TCP clients a second,
    4 at a time, each exchanging 300/200 bytes with a server; the parents count too);
  - 100 long TCP connections from one process, 1,000 bytes on each every second, to a
    server reading them all at once (both sides print their exact totals at the end);
  - an unconnected UDP flood at SOAK_UDP_RATE (2,000) datagrams/s of 200 bytes.

Every minute one line per mode: resident memory (VmRSS) and open descriptors of the
monitor, records so far, and its lost count. It fails (exit 1) unless:

  - flat after warm-up: at the end VmRSS <= 1.1 x its value at the warm-up minute
    (minute 5, or half the run when shorter) and the open descriptors (at rest: the
    least of five looks 20 ms apart) are equal to it;
  - nothing lost: every record says lost 0, and ringbuf_lost, storage_fail,
    unknown_overflow, owner_table_full, udp_peers_full, holders_full, payload_lost,
    cmdlines_lost and runs_skipped 0;
  - exact: each mode's rows for the long-connection client and its server, summed over
    the records, are the payload both printed (tx and rx).

Loopback and a cgroup of its own only; every process it starts is stopped by PID, the
cgroup removed, whatever happens."""
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from npt import NETOPROC, WORKLOAD, Fail, check, check_eq, test_cgroup  # noqa: E402

MINUTES = float(os.environ.get("SOAK_MINUTES", "60"))
UDP_RATE = int(os.environ.get("SOAK_UDP_RATE", "2000"))
WARMUP = min(5, max(1, int(MINUTES // 2)))
MODES = ("ebpf", "afpacket")
LONG_N, LONG_SIZE, LONG_REPLY = 100, 1000, 5000
CHURN_PER_S, CHURN_SEND, CHURN_REPLY = 16, 300, 200
LOSS_COUNTERS = ("ringbuf_lost", "storage_fail", "unknown_overflow", "owner_table_full",
                 "udp_peers_full", "holders_full", "payload_lost", "cmdlines_lost",
                 "runs_skipped")


class Child:
    """A process we started, output to files (never a pipe that could fill up)."""
    def __init__(self, name, args, cgroup=None, outdir="."):
        self.name = name
        self.out_path = os.path.join(outdir, f"{name}.out")
        self.err_path = os.path.join(outdir, f"{name}.err")
        out, err = open(self.out_path, "w"), open(self.err_path, "w")

        def enter():
            if cgroup:
                with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
                    f.write(str(os.getpid()))
        self.p = subprocess.Popen(args, stdout=out, stderr=err, preexec_fn=enter)
        out.close()
        err.close()

    def lines(self):
        with open(self.out_path) as f:
            return [json.loads(l) for l in f if l.startswith("{")]

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def wait_for(self, pred, what, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred():
                return
            if self.p.poll() is not None:
                raise Fail(f"{self.name} exited ({self.p.returncode}) before {what}: "
                           f"{self.stderr()[-400:]}")
            time.sleep(0.1)
        raise Fail(f"{self.name}: no {what} in {timeout} s")

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return self.p.wait()


def vm_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def nfds(pid):
    """Open descriptors at rest: the least of a few looks, since a look can land on one
    open for a moment (a socket-table iterator, a /proc directory being read)."""
    seen = []
    for _ in range(5):
        seen.append(len(os.listdir(f"/proc/{pid}/fd")))
        time.sleep(0.02)
    return min(seen)


def records(mon):
    """The monitor's interval records so far (a last line may be half written)."""
    out = []
    with open(mon.out_path) as f:
        for line in f:
            try:
                out.append(json.loads(line))
            except ValueError:
                break
    return out


def losses(rec):
    """What a record says was lost, as (what, count) pairs; empty when nothing."""
    got = [("lost", rec["lost"])] if rec["lost"] else []
    return got + [(k, rec["counters"].get(k, 0)) for k in LOSS_COUNTERS
                  if rec["counters"].get(k, 0)]


def summed(recs, pid):
    tot = dict.fromkeys(("rx_payload", "tx_payload", "rx_bytes", "tx_bytes"), 0)
    for rec in recs:
        for p in rec["processes"]:
            if p["pid"] == pid:
                for k in tot:
                    tot[k] += p[k] or 0
    return tot


def soak(cg, outdir):
    seconds = int(MINUTES * 60)
    kids = []

    def start(name, args, cgroup=cg):
        c = Child(name, args, cgroup, outdir)
        kids.append(c)
        return c
    try:
        mons = {}
        for mode in MODES:
            mons[mode] = start(f"netoproc-{mode}", [
                NETOPROC, "--cgroup", cg, "--capture-mode", mode, "--duration",
                str(seconds + 600), "--interval", "1", "--format", "json", "-v"], cgroup=None)
        for mode, mon in mons.items():
            mon.wait_for(lambda m=mon: "capture attached" in m.stderr(), "capture attached")
        lsrv = start("conns-server", [WORKLOAD, "conns-server", "--conns", str(LONG_N),
                                      "--reply", str(LONG_REPLY)])
        lsrv.wait_for(lambda: lsrv.lines(), "ready line")
        lport = lsrv.lines()[0]["port"]
        longc = start("long-conns", [WORKLOAD, "long-conns", "--port", str(lport), "--conns",
                                     str(LONG_N), "--size", str(LONG_SIZE), "--every", "1",
                                     "--hold", str(seconds + 600)])
        longc.wait_for(lambda: longc.lines(), "ready line")
        csrv = start("churn-server", [WORKLOAD, "tcp-server", "--conns", "100000000",
                                      "--reply", str(CHURN_REPLY)])
        csrv.wait_for(lambda: csrv.lines(), "ready line")
        cport = csrv.lines()[0]["port"]
        sink = start("udp-sink", [WORKLOAD, "udp-sink", "--count", "2000000000"])
        sink.wait_for(lambda: sink.lines(), "ready line")
        flood = start("udp-flood", [WORKLOAD, "udp-flood", "--port", str(sink.lines()[0]["port"]),
                                    "--rate", str(UDP_RATE), "--size", "200", "--hold",
                                    str(seconds + 600)])
        print(f"soak: {MINUTES:g} min, both modes, cgroup {cg}; warm-up minute {WARMUP}; "
              f"churn {CHURN_PER_S + 1} processes/s, {LONG_N} long connections, "
              f"UDP {UDP_RATE}/s", flush=True)
        start_t = time.monotonic()
        samples = {m: [] for m in MODES}	# per minute: (rss kB, fds)
        churn = []
        next_churn, minute = start_t, 1
        while True:
            now = time.monotonic()
            if now - start_t >= seconds and minute * 60 > seconds:
                break
            if now >= next_churn and now - start_t < seconds:
                churn = [c for c in churn if c.poll() is None]
                if len(churn) < 8:	# never pile up on a slow machine
                    churn.append(subprocess.Popen(
                        [WORKLOAD, "short-clients", "--port", str(cport), "--count",
                         str(CHURN_PER_S), "--parallel", "4", "--send", str(CHURN_SEND),
                         "--expect", str(CHURN_REPLY)], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        preexec_fn=lambda: open(os.path.join(cg, "cgroup.procs"), "w").write(
                            str(os.getpid()))))
                next_churn += 1.0
            if now - start_t >= minute * 60:
                parts = []
                for mode, mon in mons.items():
                    rc = mon.p.poll()
                    check(rc is None, f"netoproc {mode} exited ({rc}): {mon.stderr()[-400:]}")
                    rss, fds = vm_rss_kb(mon.p.pid), nfds(mon.p.pid)
                    samples[mode].append((rss, fds))
                    recs = records(mon)
                    lost = losses(recs[-1]) if recs else []
                    parts.append(f"{mode} rss {rss} kB fds {fds} records {len(recs)} "
                                 f"lost {lost or 0}")
                print(f"minute {minute}: " + " | ".join(parts), flush=True)
                minute += 1
            time.sleep(0.05)
        for c in churn:
            c.wait(60)
        # The long connections end: each side prints what it moved.
        check_eq(longc.stop(), 0, "long-conns exit")
        check_eq(lsrv.p.wait(60), 0, "conns-server exit (it ends at the last EOF)")
        flood.stop()
        time.sleep(3)	# a last refresh or two: the closes are seen
        results = {}
        for mode, mon in mons.items():
            check_eq(mon.stop(signal.SIGINT), 0, f"netoproc {mode} exit")
            results[mode] = records(mon)
        client, server = longc.lines()[-1], lsrv.lines()[-1]
        check_eq((client["sent"], client["received"]),
                 (server["received"], server["sent"]), "long connections' two ends agree")
        failures = []
        for mode in MODES:
            recs, smp = results[mode], samples[mode]
            bad = [(r["time"], losses(r)) for r in recs if losses(r)]
            if bad:
                failures.append(f"{mode}: losses in {len(bad)} records, first {bad[0]}")
            c, s = summed(recs, client["pid"]), summed(recs, server["pid"])
            got = (c["tx_payload"], c["rx_payload"], s["rx_payload"], s["tx_payload"])
            want = (client["sent"], client["received"], server["received"], server["sent"])
            print(f"{mode}: long connections client tx/rx {got[0]}/{got[1]}, server rx/tx "
                  f"{got[2]}/{got[3]} (expected {want[0]}/{want[1]}, {want[2]}/{want[3]}); "
                  f"{len(recs)} records", flush=True)
            if got != want:
                failures.append(f"{mode}: long-connection totals {got} != {want}")
            if len(smp) >= WARMUP:
                (rss0, fds0), (rss1, fds1) = smp[WARMUP - 1], smp[-1]
                print(f"{mode}: rss {rss0} kB at minute {WARMUP} -> {rss1} kB at minute "
                      f"{len(smp)} (limit {int(rss0 * 1.1)}); fds {fds0} -> {fds1}", flush=True)
                if rss1 > rss0 * 1.1:
                    failures.append(f"{mode}: rss grew {rss0} -> {rss1} kB")
                if fds1 != fds0:
                    failures.append(f"{mode}: open fds {fds0} -> {fds1}")
            else:
                failures.append(f"{mode}: only {len(smp)} minute samples")
        return failures
    finally:
        for c in reversed(kids):
            c.stop(signal.SIGKILL, 10)


def main():
    if os.geteuid() != 0:
        print("soak: needs root (BPF, AF_PACKET, cgroups)")
        return 1
    outdir = os.environ.get("SOAK_DIR", f"/tmp/netoproc-soak-{os.getpid()}")
    os.makedirs(outdir, exist_ok=True)
    try:
        with test_cgroup("soak") as cg:
            failures = soak(cg, outdir)
    except Fail as e:
        failures = [str(e)]
    for f in failures:
        print(f"FAIL {f}", flush=True)
    print(f"soak: {'FAILED' if failures else 'passed'} (outputs in {outdir})", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
