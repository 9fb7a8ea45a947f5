# SPDX-License-Identifier: GPL-2.0-only
"""Shared fixtures for netoproc integration tests: paths, a private cgroup,
network namespaces, running netoproc and workloads, and cleanup that happens
even when a test fails. Every test here runs for real, as root, with BPF."""
import contextlib
import json
import os
import signal
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, os.environ.get("OUTPUT", "build"))
NETOPROC = os.path.join(OUT, "netoproc")
WORKLOAD = os.path.join(OUT, "workloads", "np_workload")
FIRST_PACKETS = os.path.join(OUT, "workloads", "np_first_packets")


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def check_eq(got, want, what):
    if got != want:
        raise Fail(f"{what}: got {got!r}, expected {want!r}")


def cgroup2_root():
    with open("/proc/mounts") as f:
        for line in f:
            parts = line.split()
            if parts[2] == "cgroup2":
                return parts[1]
    raise Fail("no cgroup2 mount")


@contextlib.contextmanager
def test_cgroup(name):
    """A child cgroup of the cgroup-v2 root, removed afterwards (its processes are
    ours and are killed first)."""
    path = os.path.join(cgroup2_root(), f"netoproc-test-{name}-{os.getpid()}")
    os.mkdir(path)
    try:
        yield path
    finally:
        try:
            with open(os.path.join(path, "cgroup.procs")) as f:
                for pid in f.read().split():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
        for _ in range(50):
            try:
                os.rmdir(path)
                break
            except OSError:
                time.sleep(0.05)


def in_cgroup(path):
    """preexec_fn that moves the child into cgroup `path` before it execs."""
    def move():
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    return move


class Proc:
    """A child process we started; killed by PID on cleanup if still running."""
    def __init__(self, args, cgroup=None, **kw):
        self.args = args
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, preexec_fn=in_cgroup(cgroup) if cgroup else None,
                                  **kw)

    def wait(self, timeout=60):
        out, err = self.p.communicate(timeout=timeout)
        return self.p.returncode, out, err

    def kill(self):
        if self.p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.p.kill()
            self.p.communicate()


@contextlib.contextmanager
def started(*procs):
    try:
        yield procs
    finally:
        for p in procs:
            p.kill()


def run(args, timeout=60, **kw):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    return r.returncode, r.stdout, r.stderr


def workload(args, cgroup=None):
    """Run the workload to completion; returns its JSON result line(s) as a list."""
    p = Proc([WORKLOAD] + args, cgroup=cgroup)
    rc, out, err = p.wait()
    check(rc == 0, f"workload {args} failed ({rc}): {err.strip()}")
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


@contextlib.contextmanager
def monitor(cgroup, duration=None, extra=(), settle=0.3, prefix=()):
    """netoproc --cgroup watching `cgroup` in json snapshot mode. Yields once it is
    attached; when the block ends (workloads done) it waits `settle` seconds and
    stops netoproc with SIGINT, which prints the totals as a complete document, so
    a slow machine never cuts a workload off. .result holds the parsed snapshot.
    `duration` is only a safety limit. The capture mode is eBPF, forced (netoproc
    fails rather than fall back), unless `extra` names another."""
    class M:
        result = None
        stderr = ""
    m = M()
    limit = duration * 20 if duration else 300
    if "--capture-mode" not in extra:
        extra = ["--capture-mode", "ebpf"] + list(extra)
    # prefix: a command that execs netoproc (nsenter, setpriv), so SIGINT reaches it.
    # cgroup None: every process is watched (a test in a network namespace of its own).
    scope = ["--cgroup", cgroup] if cgroup else []
    p = Proc(list(prefix) + [NETOPROC] + scope + ["--duration", str(limit), "--format",
                                                  "json", "-v"] + list(extra))
    try:
        m.said = wait_attached(p)	# -v lines up to "capture attached"
        mode = list(extra)[list(extra).index("--capture-mode") + 1]
        if mode != "auto":
            check(("eBPF capture attached" in m.said) == (mode == "ebpf"),
                  f"--capture-mode {mode}: -v said {m.said[-300:]!r}")
        yield m
        time.sleep(settle)
        p.p.send_signal(signal.SIGINT)
        rc, out, err = p.wait(timeout=30)
        m.stderr = err
        check(rc == 0, f"netoproc exited {rc}: {err.strip()[-500:]}")
        # --interval: one record per line, each with its processes.
        m.records = [json.loads(l) for l in out.splitlines()] if "--interval" in extra else None
        m.result = None if m.records is not None else json.loads(out)
    finally:
        p.kill()


def wait_attached(p, timeout=20, what="capture attached"):
    """Block until netoproc's -v output says it is attached (`what`: diagnose opens the
    DNS capture, which says so, before its own drop programs: it waits for
    "diagnose: capture attached"); returns what it said. Not attached in time: p is
    killed before the failure is raised (a caller may not have p in its cleanup yet)."""
    deadline = time.time() + timeout
    buf = ""
    while time.time() < deadline:
        line = p.p.stderr.readline()
        if not line:
            if p.p.poll() is not None:
                raise Fail(f"netoproc exited early ({p.p.returncode}): {buf[-500:]}")
            continue
        buf += line
        if what in line:
            return buf
    p.kill()
    raise Fail("netoproc did not attach in time")


def started_checked(p, checks):
    """checks(): the caller's checks of a netoproc it just started; p is killed if they
    fail, as the caller's cleanup does not hold it yet. Returns what checks returned."""
    try:
        return checks()
    except BaseException:
        p.kill()
        raise


def procs_by_pid(snapshot):
    out = {}
    for p in snapshot:
        out.setdefault(p["pid"], []).append(p)
    return out


def one_proc(snapshot, pid):
    rows = procs_by_pid(snapshot).get(pid, [])
    check(len(rows) == 1, f"pid {pid}: {len(rows)} rows in snapshot")
    return rows[0]


@contextlib.contextmanager
def netns(*names):
    """Network namespaces created for one test and deleted afterwards."""
    made = []
    try:
        for n in names:
            full = f"{n}-{os.getpid()}"
            subprocess.run(["ip", "netns", "add", full], check=True)
            made.append(full)
            subprocess.run(["ip", "-n", full, "link", "set", "lo", "up"], check=True)
        yield made
    finally:
        for n in made:
            subprocess.run(["ip", "netns", "pids", n], capture_output=True)
            subprocess.run(["ip", "netns", "del", n], capture_output=True)


def in_ns(ns):
    """Enter network namespace `ns` only: `ip netns exec` would also remount /sys and
    hide the cgroup2 hierarchy that --cgroup names."""
    return ["nsenter", f"--net=/run/netns/{ns}", "--"]


def ready(proc, timeout=10):
    """Wait for a workload server's {"ready": true, ...} line and return it."""
    import select
    deadline = time.time() + timeout
    while time.time() < deadline:
        r, _, _ = select.select([proc.p.stdout], [], [], 0.2)
        if r:
            line = proc.p.stdout.readline()
            if line.startswith("{"):
                return json.loads(line)
            if not line:
                break
    raise Fail(f"workload {proc.args[1:2]} never became ready")


def finish(proc, timeout=60):
    """Wait for a workload to exit 0 and return its last JSON line."""
    rc, out, err = proc.wait(timeout)
    check(rc == 0, f"workload {proc.args[1:2]} failed ({rc}): {err.strip()}")
    lines = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    check(lines, f"workload {proc.args[1:2]} printed no result")
    return lines[-1]


def probe_json():
    """`netoproc probe --format json`, parsed."""
    rc, out, err = run([NETOPROC, "probe", "--format", "json"])
    check_eq(rc, 0, f"probe exit ({err.strip()[-300:]})")
    return json.loads(out)
