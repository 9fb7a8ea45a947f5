# SPDX-License-Identifier: GPL-2.0-only
"""The eBPF monitor on whatever kernel this is: every way of dumping live sockets
either works exactly (also in another network namespace) or is listed as degraded
with the kernel's reason; the start-up self-check passes, is fast and is never
reported, and when attribution is broken it stops eBPF (auto falls back to
AF_PACKET, forced ebpf exits 2). `probe` predicts what the monitor does."""
import json
import os
import re
import signal

from npt import (NETOPROC, WORKLOAD, Proc, check, check_eq, finish, in_ns, monitor, netns,
                 probe_json, ready, run, started, test_cgroup, wait_attached)
from scenarios import EBPF, run_case

DUMP_WAYS = ("storage-map", "task-files", "socket-tables")


def records(args, env=None):
    """netoproc with --interval json records; returns (records, stderr, pid)."""
    p = Proc([NETOPROC, "--format", "json", "-v"] + args, env=env)
    with started(p):
        said = wait_attached(p)
        rc, out, err = p.wait(timeout=60)
    check_eq(rc, 0, f"netoproc exit ({err.strip()[-400:]})")
    return [json.loads(l) for l in out.splitlines()], said + err, p.p.pid


def test_self_check_passes_fast_and_is_not_reported():
    """Whole host (no --cgroup): the self-check runs, takes < 100 ms, and its
    loopback exchange shows up nowhere: no netoproc row, no loopback TCP under unknown."""
    recs, said, pid = records(["--capture-mode", "ebpf", "--duration", "1.5", "--interval",
                               "0.5"])
    m = re.search(r"self-check passed in ([0-9.]+) ms", said)
    check(m, f"-v says the self-check passed: {said[-400:]!r}")
    ms = float(m.group(1))
    check(0 < ms < 100, f"self-check took {ms} ms")
    check(len(recs) >= 2, f"{len(recs)} records")
    for rec in recs:
        check_eq(rec["mode"], "ebpf", "mode")
        check(0 < rec["self_check_ms"] < 100, f"record self_check_ms {rec['self_check_ms']}")
        for p in rec["processes"]:
            check(p["pid"] != pid, f"netoproc's own self-check traffic reported: {p}")
            if p["pid"] is None:
                loop = [c for c in p["connections"]
                        if c["proto"] == "tcp" and c["remote"].startswith("127.0.0.1:")]
                check_eq(loop, [], "loopback TCP under unknown")


def test_self_check_failure_stops_ebpf():
    """Send/receive hooks that never fire (NETOPROC_FAULT=no-payload-hooks): the
    self-check sees 0 bytes of payload. Forced ebpf exits 2 naming it, auto falls back
    to AF_PACKET saying why, probe reports afpacket with the same reason."""
    env = dict(os.environ, NETOPROC_FAULT="no-payload-hooks")
    why = "self-check: the client socket sent/received 0/0 bytes of payload, not 1237/511"
    rc, out, err = run([NETOPROC, "--capture-mode", "ebpf", "--duration", "0.3"], env=env)
    check_eq((rc, err.strip()), (2, f"netoproc: {why}"), "forced ebpf")
    rc, out, err = run([NETOPROC, "--duration", "0.3", "--format", "json", "--interval", "0.3"],
                       env=env)
    check_eq(rc, 0, f"auto exit ({err.strip()})")
    check_eq(err.strip().splitlines()[0],
             f"netoproc: eBPF capture unavailable ({why}): using AF_PACKET", "auto's reason")
    check_eq(json.loads(out.splitlines()[0])["mode"], "afpacket", "auto's mode")
    rc, out, err = run([NETOPROC, "probe", "--format", "json"], env=env)
    probe = json.loads(out)
    check_eq((probe["capture_mode"], probe["reason"]), ("afpacket", why), "probe")


def test_probe_predicts_the_monitor():
    """probe does the monitor's loading: the same degraded parts, the same dump way,
    and a self-check; each degraded part gives the kernel's reason and what replaced it."""
    probe = probe_json()
    check_eq(probe["capture_mode"], "ebpf", "probe capture mode")
    check(probe["self_check_ms"] and probe["self_check_ms"] < 100,
          f"probe self_check_ms {probe['self_check_ms']}")
    recs, said, _ = records(["--capture-mode", "ebpf", "--duration", "0.5", "--interval", "0.5"])
    check_eq(recs[0]["degraded"], probe["degraded"], "degraded: monitor vs probe")
    check(f"{probe['socket_dump']}," in said, f"-v names the dump way {probe['socket_dump']}")
    parts = [d["part"] for d in probe["degraded"]]
    check(probe["socket_dump"] not in parts, "the way in use is not degraded")
    for d in probe["degraded"]:
        # "not tried, as": refused to another program for the same access (monitor_load.c)
        check(re.match(r"(not tried, as )?(the verifier rejected|the kernel refused|given up|"
                       r"no bpf_sock)", d["reason"]), f"reason of {d['part']}: {d['reason']!r}")
    # A chain: each replaced way names the next, ending at the one in use.
    dumps = [d for d in probe["degraded"] if d["part"].startswith("socket-dump.")]
    for a, b in zip(dumps, dumps[1:]):
        check_eq(a["instead"], b["part"], "dump chain")
    if dumps:
        check_eq(dumps[-1]["instead"], probe["socket_dump"], "dump chain ends at the way in use")
    if parts:
        rc, _, err = run([NETOPROC, "--capture-mode", "ebpf", "--duration", "0.2"])
        line = [l for l in err.splitlines() if "degraded on this kernel" in l]
        check_eq(len(line), 1, f"one stderr line says what was degraded: {err!r}")
        for part in parts:
            check(part in line[0], f"{part} in {line[0]!r}")


def test_way_probes_spare_whole_loads():
    """The refusals the tiny probes hear (way_probes.c) are the ones whole loads hear: the same
    parts replaced by the same ways, each probed refusal one whole load fewer."""
    def loads(env):
        recs, said, _ = records(["--capture-mode", "ebpf", "--duration", "0.3", "--interval",
                                 "0.3"], env=env)
        m = re.findall(r"monitor programs loaded at whole load (\d+)", said)
        check_eq(len(m), 1, f"-v says which whole load passed: {said[-300:]!r}")
        return int(m[0]), recs[0]["degraded"]

    probed_n, probed = loads(None)
    whole_n, whole = loads(dict(os.environ, NETOPROC_WAY_PROBES="0"))
    check_eq([(d["part"], d["instead"]) for d in probed],
             [(d["part"], d["instead"]) for d in whole], "degraded parts, probes vs whole loads")
    heard = [d for d in probed if "(probe): " in d["reason"] and
             not d["reason"].startswith("not tried")]
    check(not any("(probe)" in d["reason"] for d in whole), f"no probe when off: {whole}")
    check_eq(whole_n - probed_n, len(heard), f"whole loads spared by probes ({heard})")


def test_no_live_dump_still_exact():
    """A kernel that refuses every way of dumping live sockets (forced here with
    NETOPROC_DUMP_WAY=none): the self-check reads its sockets' close records instead
    and passes, and short-lived processes, reported when they close, stay exact."""
    env = dict(os.environ, NETOPROC_DUMP_WAY="none")
    recs, said, _ = records(["--capture-mode", "ebpf", "--duration", "0.5", "--interval",
                             "0.5"], env=env)
    check("socket dump forced by NETOPROC_DUMP_WAY: none" in said, f"-v said: {said[-300:]!r}")
    check(re.search(r"self-check passed in [0-9.]+ ms", said), f"-v said: {said[-300:]!r}")
    check(0 < recs[0]["self_check_ms"] < 100, f"self_check_ms {recs[0]['self_check_ms']}")
    os.environ["NETOPROC_DUMP_WAY"] = "none"
    try:
        run_case("short_lived_clients", EBPF, "nodump", lambda cg: monitor(cg, 6))
    finally:
        del os.environ["NETOPROC_DUMP_WAY"]


def live_dump_in_netns(way):
    """A connection inside a network namespace of its own, held open 2.5 s after
    sending: its bytes show up in a record before it closes (the live dump, not the
    close record), and the records add up to exactly what was sent."""
    send, reply = 40_000, 900
    env = dict(os.environ, NETOPROC_DUMP_WAY=way)
    with test_cgroup(f"ns-{way}") as cg, netns("npdump") as (ns,):
        np = Proc([NETOPROC, "--cgroup", cg, "--duration", "8", "--interval", "0.5",
                   "--format", "json", "--capture-mode", "ebpf", "-v"], env=env)
        with started(np):
            said = wait_attached(np)
            srv = Proc(in_ns(ns) + [WORKLOAD, "tcp-server", "--reply", str(reply)], cgroup=cg)
            with started(srv):
                port = ready(srv)["port"]
                cli = Proc(in_ns(ns) + [WORKLOAD, "tcp-client", "--port", str(port), "--send",
                                        str(send), "--expect", str(reply), "--hold", "2.5"],
                           cgroup=cg)
                with started(cli):
                    sent_at = ready(cli)["sent_at"]
                    c = finish(cli)
                    finish(srv)
            np.p.send_signal(signal.SIGINT)
            rc, out, err = np.wait(timeout=30)
    check_eq(rc, 0, f"netoproc exit ({err.strip()[-300:]})")
    recs = [json.loads(l) for l in out.splitlines()]
    used = [d for d in recs[0]["degraded"] if d["part"] == f"socket-dump.{way}"]
    if used:	# this kernel refuses that way: said so, and the next one did the job
        check(used[0]["instead"], f"{way} refused with nothing instead: {used[0]}")
        check(f"socket-dump.{way}, " not in said, f"-v: a refused way in use: {said[-300:]!r}")
    else:
        check(f"socket-dump.{way}, " in said, f"-v says {way} is in use: {said[-300:]!r}")
    rows = [(r["time"], p) for r in recs for p in r["processes"] if p["pid"] == c["pid"]]
    check_eq(sum(p["tx_payload"] for _, p in rows), send, "client tx payload over the records")
    live = [t for t, p in rows if p["tx_payload"] and t < sent_at + 2.0]
    check(live, f"no record before the connection closed shows its bytes: {rows}")


def test_live_dump_in_netns_storage_map():
    live_dump_in_netns("storage-map")


def test_live_dump_in_netns_task_files():
    live_dump_in_netns("task-files")


def test_live_dump_in_netns_socket_tables():
    live_dump_in_netns("socket-tables")
