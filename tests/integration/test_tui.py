# SPDX-License-Identifier: GPL-2.0-only
"""The interactive view, driven for real: netoproc in a tmux pane of a fixed size (a
tmux server of our own, -L), keys sent with send-keys, the screen read with
capture-pane. Workloads with names of their own (np_tui_load) send known byte counts
on loopback inside a test cgroup that netoproc watches, so rows, totals and orders are
exact. Every session, process, cgroup and namespace is removed in finally blocks."""
import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import tempfile
import time

from npt import (NETOPROC, OUT, Fail, Proc, check, check_eq, in_ns, netns, ready, started,
                 test_cgroup, wait_attached)

LOAD = os.path.join(OUT, "workloads", "np_tui_load")
UDP_IP = 28		# IPv4 + UDP header bytes per datagram
SGR = re.compile(r"\x1b\[([0-9;]*)m")
SPARK = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"


def fmt_bytes(n):
    """The TUI's amounts (tui_fmt_bytes): 1024-based, one decimal from KiB on."""
    if n < 1024:
        return f"{n} B"
    v, units = float(n), ["B", "KiB", "MiB", "GiB", "TiB"]
    u = 0
    while v >= 1024 and u < 4:
        v /= 1024
        u += 1
    return f"{v:.1f} {units[u]}"


def amount(s):
    """'100.4 KiB' or '6.2 KiB/s' -> bytes (approximate for rounded values)."""
    num, unit = s.split()
    mult = {"B": 1, "KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}[unit.replace("/s", "")]
    return float(num) * mult


class Pane:
    """One tmux session on a private server running netoproc through a small shell
    script that records the tty state before and after, netoproc's pid and exit code."""
    count = 0

    def __init__(self, args, w=120, h=40, env=None, prefix=()):
        Pane.count += 1
        self.sock = f"npt-tui-{os.getpid()}-{Pane.count}"
        self.dir = tempfile.mkdtemp(prefix="npt-tui-")
        self.h, self.w = h, w
        envs = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
        cmd = " ".join(shlex.quote(a) for a in list(prefix) + [NETOPROC] + list(args))
        script = os.path.join(self.dir, "run.sh")
        with open(script, "w") as f:
            # The shell has no job control: Ctrl-C reaches it too; a trap keeps it (and the
            # pane) alive, and unlike '' the child does not inherit it.
            f.write(f"""trap : INT
stty -g > {self.dir}/stty.before
sh -c 'echo $$ > {self.dir}/pid; exec env {envs} {cmd}' 2> {self.dir}/stderr
echo $? > {self.dir}/rc
stty -g > {self.dir}/stty.after
echo > {self.dir}/done
echo netoproc-ended
exec sleep 600
""")
        self.tmux("new-session", "-d", "-x", str(w), "-y", str(h),
                  f"env -i PATH={os.environ['PATH']} TERM=tmux-256color LANG=C.UTF-8 "
                  f"LC_ALL=C.UTF-8 sh {script}")
        self.socket_path = self.tmux("display-message", "-p", "#{socket_path}").strip()

    def tmux(self, *a):
        r = subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null"] + list(a),
                           capture_output=True, text=True, timeout=10)
        check(r.returncode == 0, f"tmux {a[0]} failed: {r.stderr.strip()}")
        return r.stdout

    def keys(self, *keys, pause=0.4):
        for k in keys:
            self.tmux("send-keys", "-t", "0", k)
            time.sleep(0.05)
        time.sleep(pause)

    def type(self, text, pause=0.3):
        self.tmux("send-keys", "-t", "0", "-l", text)
        time.sleep(pause)

    def screen(self, escapes=False):
        return self.tmux("capture-pane", "-p", "-t", "0", *(["-e"] if escapes else []))

    def lines(self):
        return self.screen().split("\n")

    def fmt(self, name):
        return self.tmux("display-message", "-p", "-t", "0", f"#{{{name}}}").strip()

    def wait(self, pred, what, timeout=15):
        """Poll the screen until pred(screen) is true; the last screen on failure."""
        deadline = time.time() + timeout
        s = ""
        while time.time() < deadline:
            s = self.screen()
            if pred(s):
                return s
            time.sleep(0.2)
        raise Fail(f"{what}: not on screen after {timeout}s:\n{s}")

    def wait_text(self, text, timeout=15):
        return self.wait(lambda s: text in s, repr(text), timeout)

    def started(self):
        """Attached and drawing: the status line names the capture."""
        return self.wait(lambda s: "ebpf (tracepoint)" in s or "afpacket" in s, "status line", 25)

    def netoproc_pid(self):
        with contextlib.suppress(OSError, ValueError):
            with open(os.path.join(self.dir, "pid")) as f:
                return int(f.read())
        return None

    def exit_code(self, timeout=10):
        deadline = time.time() + timeout
        path = os.path.join(self.dir, "rc")
        while time.time() < deadline:
            if os.path.exists(os.path.join(self.dir, "done")):	# rc and stty.after written
                with open(path) as f:
                    return int(f.read())
            time.sleep(0.1)
        raise Fail(f"netoproc did not exit:\n{self.screen()}")

    def read(self, name):
        with open(os.path.join(self.dir, name)) as f:
            return f.read()

    def close(self):
        pid = self.netoproc_pid()
        if pid and not os.path.exists(os.path.join(self.dir, "rc")):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            time.sleep(0.3)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True)
        with contextlib.suppress(OSError, AttributeError):
            os.unlink(self.socket_path)	# tmux leaves its socket file behind
        for fn in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, fn))
        os.rmdir(self.dir)


@contextlib.contextmanager
def pane(cg, extra=(), **kw):
    """netoproc's live view watching cgroup `cg` (eBPF forced), attached and drawing."""
    args = ["--cgroup", cg, "--capture-mode", "ebpf"] + list(extra) if cg else list(extra)
    p = Pane(args, **kw)
    try:
        p.started()
        yield p
    finally:
        p.close()


def rows(screen):
    """The table rows of a Processes screen: lines after the column header (line 2)
    and before the status line, parsed."""
    out = []
    lines = screen.split("\n")
    user = "USER" in lines[2].split()	# narrow terminals have no USER column
    for line in lines[3:]:
        if line.startswith(" ebpf") or line.startswith(" afpacket"):
            break
        if not line.strip() or "No traffic yet" in line or "No process matches" in line:
            continue
        tok = line[2:].split()
        amounts = re.findall(r"(\d+(?:\.\d)? (?:B|KiB|MiB|GiB)(?:/s)?)", line)
        if not line[2:9].strip():	# a remote under unknown: no pid
            out.append(dict(sel=line.startswith(">"), pid=None, name="  " + " ".join(tok[:2]),
                            amounts=amounts, line=line))
            continue
        if tok[0] == "-" or len(tok) < 3:
            name = "unknown" if "unknown" in line else line.strip()
            out.append(dict(sel=line.startswith(">"), pid=None, name=name, amounts=amounts,
                            line=line))
            continue
        out.append(dict(sel=line.startswith(">"), pid=int(tok[0]), user=tok[1] if user else None,
                        name=tok[2] if user else tok[1], exited="(exited)" in line,
                        amounts=amounts, line=line))
    return out


def fields(line):
    """A table line's words after the selection mark."""
    return line[2:].split()


def names(screen):
    return [r["name"] for r in rows(screen)]


def row_of(screen, name):
    hit = [r for r in rows(screen) if r["name"] == name]
    check_eq(len(hit), 1, f"rows named {name}")
    return hit[0]


def load(args, cg, prefix=()):
    return Proc(list(prefix) + [LOAD] + args, cgroup=cg)


def first_json(proc, timeout=10):
    return ready(proc, timeout)


# ---- tests ----------------------------------------------------------------------------

def test_tabs_help_and_q_restores_terminal():
    """1-4, Tab, Shift-Tab switch tabs; ? shows the keys and any key closes them; q
    exits 0 with the terminal as it was (tty modes, primary screen, cursor, keypad)."""
    with test_cgroup("tui-tabs") as cg:
        p = Pane(["--cgroup", cg, "--capture-mode", "ebpf"])
        try:
            s = p.started()
            check("[1 Processes]" in s and " 2 Connections " in s, f"tab bar:\n{s}")
            check_eq(p.fmt("alternate_on"), "1", "alternate screen while running")
            p.keys("2")
            s = p.wait_text("[2 Connections]")
            check("REMOTE" in s.split("\n")[2] and "STATE" in s.split("\n")[2],
                  f"connections header:\n{s}")
            p.keys("Tab")
            s = p.wait_text("[3 Interfaces]")
            check("ADDRESSES" in s.split("\n")[2], f"interfaces header:\n{s}")
            check(re.search(r"^[> ] lo +UP ", s, re.M), f"lo row:\n{s}")
            p.keys("BTab")
            p.wait_text("[2 Connections]")
            p.keys("4")
            s = p.wait_text("[4 DNS]")
            check("RESOLVER" in s and "QUERIES" in s and "LATENCY" in s,
                  f"DNS tab:\n{s}")
            p.keys("Tab")
            s = p.wait_text("[1 Processes]")
            check("PROCESS" in s.split("\n")[2], f"processes header:\n{s}")
            p.keys("?")
            s = p.wait_text("Shift-Tab   next, previous tab")
            check("PgUp, PgDn" in s and "p                pause" in s, f"help:\n{s}")
            p.keys("x")
            s = p.wait(lambda s: "Shift-Tab   next" not in s, "help closed")
            check("[1 Processes]" in s, "still running after the help closed")
            p.keys("q", pause=0)
            check_eq(p.exit_code(), 0, "exit code after q")
            check_eq(p.read("stty.after"), p.read("stty.before"), "tty modes after q")
            check_eq(p.fmt("alternate_on"), "0", "alternate screen after q")
            check_eq(p.fmt("cursor_flag"), "1", "cursor visible after q")
            check_eq(p.fmt("keypad_flag"), "0", "keypad mode after q")
            check("netoproc-ended" in p.screen(), "shell output after q on the primary screen")
        finally:
            p.close()


def test_ctrl_c_quits_cleanly():
    with test_cgroup("tui-ctrlc") as cg:
        p = Pane(["--cgroup", cg, "--capture-mode", "ebpf"])
        try:
            p.started()
            p.keys("C-c", pause=0)
            check_eq(p.exit_code(), 0, "exit code after Ctrl-C")
            check_eq(p.read("stty.after"), p.read("stty.before"), "tty modes after Ctrl-C")
            check_eq(p.fmt("alternate_on"), "0", "alternate screen after Ctrl-C")
            err = [l for l in p.read("stderr").splitlines()
                   if not l.startswith("netoproc: degraded on this kernel:")]
            check_eq(err, [], "stderr besides the degraded note")
        finally:
            p.close()


def test_sigterm_and_crash_restore_terminal():
    """SIGTERM ends the view with exit 0; a crash (SIGSEGV) still leaves the terminal as
    it was before the process dies of it (128 + 11 from the shell)."""
    with test_cgroup("tui-signals") as cg:
        for sig, rc in ((signal.SIGTERM, 0), (signal.SIGSEGV, 128 + signal.SIGSEGV)):
            p = Pane(["--cgroup", cg, "--capture-mode", "ebpf"])
            try:
                p.started()
                check_eq(p.fmt("alternate_on"), "1", "alternate screen while running")
                os.kill(p.netoproc_pid(), sig)
                check_eq(p.exit_code(), rc, f"exit code after {sig.name}")
                check_eq(p.read("stty.after"), p.read("stty.before"), f"tty modes after {sig.name}")
                check_eq(p.fmt("alternate_on"), "0", f"alternate screen after {sig.name}")
                check_eq(p.fmt("cursor_flag"), "1", f"cursor visible after {sig.name}")
            finally:
                p.close()


def senders(cg, port, spec, size=1000):
    """Start np_tui_load senders {name: count}; returns {name: (proc, pid, ip_bytes)}."""
    out = {}
    for name, count in spec.items():
        pr = load(["send", "--name", name, "--port", str(port), "--size", str(size),
                   "--count", str(count)], cg)
        out[name] = pr
    res = {}
    for name, pr in out.items():
        r = first_json(pr)
        check_eq(r["sent"], spec[name] * size, f"{name} payload sent")
        res[name] = (pr, r["pid"], spec[name] * (size + UDP_IP))
    return res


def test_sort_reverse_and_filter():
    """Three senders of known sizes and their sink: exact totals per row and in the
    summary; s/S cycle traffic -> rate -> pid -> name -> connections, r reverses;
    / narrows to one process (Enter), Esc clears; rate follows the current rates."""
    spec = {"npt_fast": 300, "npt_mid": 200, "npt_slow": 100}
    with test_cgroup("tui-sort") as cg:
        sink = load(["sink", "--name", "npt_sink"], cg)
        procs = [sink]
        try:
            port = first_json(sink)["port"]
            with pane(cg) as p:
                got = senders(cg, port, spec)
                procs += [v[0] for v in got.values()]
                total = sum(v[2] for v in got.values())
                want = {n: fmt_bytes(v[2]) for n, v in got.items()}
                s = p.wait(lambda s: all(r["amounts"][-1] == want.get(r["name"], r["amounts"][-1])
                                         for r in rows(s)) and len(rows(s)) == 4,
                           "exact totals")
                # Traffic (the default): the sink received everything, then by size.
                check("sort: traffic" in s, f"sort label:\n{s}")
                check_eq(names(s), ["npt_sink", "npt_fast", "npt_mid", "npt_slow"], "traffic order")
                for n, v in got.items():
                    r = row_of(s, n)
                    check_eq(r["pid"], v[1], f"{n} pid")
                    check_eq(r["amounts"][2:], ["0 B", fmt_bytes(v[2])], f"{n} RX/TX totals")
                    check_eq(r["user"], "root", f"{n} user")
                check_eq(row_of(s, "npt_sink")["amounts"][2:], [fmt_bytes(total), "0 B"],
                         "sink RX/TX totals")
                check(f"total RX {fmt_bytes(total)} TX {fmt_bytes(total)}" in s,
                      f"summary totals {fmt_bytes(total)}:\n{s}")
                check("4 processes" in s, f"process count:\n{s}")
                pids = {n: v[1] for n, v in got.items()}
                pids["npt_sink"] = sink.p.pid
                by_pid = sorted(pids, key=pids.get)
                p.keys("s")
                s = p.wait_text("sort: rate")
                p.keys("s")
                s = p.wait_text("sort: pid")
                check_eq(names(s), by_pid, "pid order")
                p.keys("s")
                s = p.wait_text("sort: name")
                check_eq(names(s), ["npt_fast", "npt_mid", "npt_sink", "npt_slow"], "name order")
                p.keys("r")
                s = p.wait_text("sort: name, reversed")
                check_eq(names(s), ["npt_slow", "npt_sink", "npt_mid", "npt_fast"],
                         "reversed name order")
                p.keys("S")
                s = p.wait_text("sort: pid, reversed")
                check_eq(names(s), by_pid[::-1], "reversed pid order")
                p.keys("r", "s", "s")
                s = p.wait_text("sort: connections")
                check_eq(names(s), by_pid, "connections order (one socket each: then by pid)")
                check(all(fields(r["line"])[4] == "1" for r in rows(s)),
                      f"one socket each (SOCK after the cgroup column):\n{s}")
                p.keys("s")
                s = p.wait_text("sort: traffic")
                check_eq(names(s)[0], "npt_sink", "traffic again after a full cycle")

                # Filter: '/', text, Enter narrows to one; '/', Esc clears.
                p.keys("/")
                p.type("mid")
                s = p.wait_text("Filter: mid")
                p.keys("Enter")
                s = p.wait_text("filter: mid")
                check_eq(names(s), ["npt_mid"], "rows with filter 'mid'")
                p.keys("/", "Escape")
                s = p.wait(lambda s: len(rows(s)) == 4, "filter cleared")
                check("filter:" not in s, f"filter label gone:\n{s}")

                # Rate: a steady sender (50 x 100 B/s) goes first with its sink.
                drip = load(["send", "--name", "npt_drip", "--port", str(port), "--size", "100",
                             "--count", "0", "--pps", "50"], cg)
                procs.append(drip)
                p.keys("s")
                p.wait_text("sort: rate")
                time.sleep(2.5)
                s = p.screen()
                check_eq(sorted(names(s)[:2]), ["npt_drip", "npt_sink"], "rate order: the busy two")
                check_eq(names(s)[2:], [n for n in by_pid if n != "npt_sink"],
                         "rate order: the idle three by pid")
                rate = amount(row_of(s, "npt_drip")["amounts"][1])
                check(0.85 * 50 * 128 <= rate <= 1.15 * 50 * 128,
                      f"npt_drip TX/s {rate} for 50 x 128 B/s:\n{s}")
                p.keys("s", "s", "s", "s")
                s = p.wait_text("sort: traffic")
                check_eq(names(s)[-1], "npt_drip", "traffic order: the steady sender is last")
        finally:
            for pr in procs:
                pr.kill()


def test_enter_opens_connections_with_udp_peers():
    """Enter on a process: the Connections tab with its sockets only, an unconnected UDP
    socket's peers as rows of their own with exact bytes; Esc shows everyone again."""
    count, size = 150, 600
    with test_cgroup("tui-conns") as cg:
        a = load(["sink", "--name", "npt_sink_a"], cg)
        b = load(["sink", "--name", "npt_sink_b"], cg)
        procs = [a, b]
        try:
            pa, pb = first_json(a)["port"], first_json(b)["port"]
            with pane(cg) as p:
                two = load(["send", "--name", "npt_two", "--port", str(pa), "--port2", str(pb),
                            "--size", str(size), "--count", str(count)], cg)
                procs.append(two)
                pid = first_json(two)["pid"]
                each = count * (size + UDP_IP)
                p.wait(lambda s: any(r["name"] == "npt_two" and r["amounts"][-1] == fmt_bytes(2 * each)
                                     for r in rows(s)), "npt_two's total")
                p.keys("/")
                p.type("two")
                p.keys("Enter")
                s = p.wait(lambda s: names(s) == ["npt_two"], "filtered to npt_two")
                check(row_of(s, "npt_two")["sel"], f"npt_two selected:\n{s}")
                p.keys("/", "Escape")	# the filter would apply to the connections too
                p.wait(lambda s: len(rows(s)) == 3, "filter cleared")
                # Select npt_two by moving down to it.
                order = names(p.screen())
                p.keys("Home", *(["Down"] * order.index("npt_two")))
                check(row_of(p.screen(), "npt_two")["sel"], "npt_two selected by arrows")
                p.keys("Enter")
                s = p.wait_text("[2 Connections]")
                check(f"process: {pid} npt_two" in s, f"focus label:\n{s}")
                body = [l for l in s.split("\n")[3:-3] if l.strip()]
                check_eq(len(body), 3, f"socket + 2 peer rows:\n{s}")
                sock = fields(body[0])
                check_eq((sock[0], sock[1], sock[2], sock[4], sock[5]),
                         (str(pid), "npt_two", "udp", "*:*", "OPEN"), "socket row")
                check(body[0].rstrip().endswith(fmt_bytes(2 * each)), f"socket TX total:\n{s}")
                peers = sorted((fields(l)[2], " ".join(fields(l)[-2:])) for l in body[1:])
                check_eq(peers, sorted([(f"127.0.0.1:{pa}", fmt_bytes(each)),
                                        (f"127.0.0.1:{pb}", fmt_bytes(each))]),
                         "peer rows: remote and TX total")
                check(all(re.search(r" peer -> 127\.0\.0\.1:\d+ ", l) for l in body[1:]),
                      f"peer rows marked:\n{s}")
                p.keys("Escape")
                s = p.wait(lambda s: "process:" not in s, "focus cleared")
                check(s.count("npt_sink_") == 2, f"every connection after Esc:\n{s}")
        finally:
            for pr in procs:
                pr.kill()


def test_500_processes_scroll_keeps_header():
    """500 processes (each one UDP datagram, then asleep): sorted by name the table
    scrolls by line, page and to either end, with the selection visible and the tab bar,
    column header and status line in place."""
    n = 500
    with test_cgroup("tui-many") as cg:
        sink = load(["sink", "--name", "npt_sink"], cg)
        procs = [sink]
        try:
            port = first_json(sink)["port"]
            with pane(cg, w=120, h=40) as p:
                many = load(["many", "--count", str(n), "--port", str(port), "--size", "100"], cg)
                procs.append(many)
                kids = first_json(many, timeout=60)["children"]
                check_eq(len(kids), n, "children")
                p.wait_text(f"{n + 1} processes", timeout=30)
                p.keys("s", "s", "s")
                s = p.wait_text("sort: name")
                visible = 40 - 5	# tab bar, summary, header; status, hints
                expect = [f"npt{i:03d}" for i in range(n)] + ["npt_sink"]

                def frame(top, sel, what):
                    s = p.screen()
                    lines = s.split("\n")
                    check(lines[0].startswith("netoproc [1 Processes]"), f"{what}: tab bar:\n{s}")
                    check(lines[2].split()[:3] == ["PID", "USER", "PROCESS"],
                          f"{what}: header:\n{s}")
                    check(lines[38].startswith(" ebpf (tracepoint)"), f"{what}: status:\n{s}")
                    r = rows(s)
                    check_eq(names(s), expect[top:top + visible],
                             f"{what}: rows shown, screen:\n{s}")
                    check_eq([x["name"] for x in r if x["sel"]], [expect[sel]], f"{what}: selected")

                p.keys("Home")
                frame(0, 0, "Home")
                p.keys("Down", "Down", "Down")
                frame(0, 3, "Down x3")
                p.keys("NPage")
                frame(4, 3 + visible, "PgDn")	# a page down: the selection at the bottom
                p.keys("End")
                frame(n + 1 - visible, n, "End")
                p.keys("PPage")
                frame(n - visible, n - visible, "PgUp")
                p.keys("Up")
                frame(n - visible - 1, n - visible - 1, "Up")
                p.keys("Home")
                frame(0, 0, "Home again")
                # Every child's one datagram, exactly.
                check(row_of(p.screen(), "npt000")["amounts"][-1] == fmt_bytes(100 + UDP_IP),
                      "npt000 TX total")
        finally:
            for pr in procs:
                pr.kill()


def test_resize_small_and_back():
    with test_cgroup("tui-resize") as cg:
        with pane(cg) as p:
            p.tmux("resize-window", "-t", "0", "-x", "60", "-y", "20")
            s = p.wait_text("netoproc needs at least 80x24")
            check("this terminal is 60x20" in s, f"size named:\n{s}")
            check("[1 Processes]" not in s, "no table when too small")
            p.tmux("resize-window", "-t", "0", "-x", "120", "-y", "40")
            s = p.wait_text("[1 Processes]")
            lines = s.split("\n")
            check_eq(len(s.splitlines()), 40, "lines after resizing back")
            check(lines[38].startswith(" ebpf (tracepoint)"), f"status line back at 38:\n{s}")
            check("needs at least" not in s, "no size message at 120x40")
            p.keys("q", pause=0)
            check_eq(p.exit_code(), 0, "exit after resizes")


def colour_params(screen):
    """SGR parameters that set a colour (30-38, 40-48, 90-107) on the screen; 39 and 49
    (back to the default colours) set none, and tmux writes them with other resets."""
    found = set()
    for seq in SGR.findall(screen):
        for prm in seq.split(";"):
            if prm.isdigit() and int(prm) not in (39, 49) and (
                    30 <= int(prm) <= 48 or 90 <= int(prm) <= 107):
                found.add(int(prm))
    return found


def test_colour_and_no_color():
    """Colours by default (rate heat green for a slow sender, the tab title); none with
    NO_COLOR or --no-color, though reverse and dim still mark selection and exits."""
    with test_cgroup("tui-color") as cg:
        sink = load(["sink", "--name", "npt_sink"], cg)
        try:
            port = first_json(sink)["port"]
            drip = load(["send", "--name", "npt_drip", "--port", str(port), "--size", "100",
                         "--count", "0", "--pps", "20"], cg)
            with started(drip):
                for env, extra, coloured in (({}, [], True), ({"NO_COLOR": "1"}, [], False),
                                             ({}, ["--no-color"], False)):
                    p = Pane(["--cgroup", cg, "--capture-mode", "ebpf"] + extra, env=env)
                    try:
                        p.started()
                        s = p.wait(lambda s: any(r["name"] == "npt_drip" and r["amounts"][1] != "0 B/s"
                                                 for r in rows(s)), "npt_drip sending")
                        e = p.screen(escapes=True)
                        params = colour_params(e)
                        drip_line = [l for l in e.split("\n") if "npt_drip" in l][0]
                        if coloured:
                            check(32 in colour_params(drip_line),
                                  f"green rate heat on npt_drip's line: {drip_line!r}")
                            check(36 in params, "cyan tab title")
                        else:
                            check_eq(params, set(), f"colour escapes with {env or extra}")
                            check("\x1b[7m" in e or ";7m" in e, "reverse video still used")
                    finally:
                        p.close()
        finally:
            sink.kill()


def test_exited_dimmed_then_removed_totals_kept():
    """A killed sender: dimmed and marked (exited), gone after the 5 s grace time; the
    summary's totals keep its bytes."""
    count, size = 100, 1000
    with test_cgroup("tui-exit") as cg:
        sink = load(["sink", "--name", "npt_sink"], cg)
        procs = [sink]
        try:
            port = first_json(sink)["port"]
            with pane(cg, extra=["--no-color"]) as p:
                got = senders(cg, port, {"npt_gone": count}, size)
                procs.append(got["npt_gone"][0])
                ip = got["npt_gone"][2]
                p.wait(lambda s: any(r["name"] == "npt_gone" and r["amounts"][-1] == fmt_bytes(ip)
                                     for r in rows(s)), "npt_gone's total")
                got["npt_gone"][0].kill()
                s = p.wait(lambda s: any(r["name"] == "npt_gone" and r["exited"] for r in rows(s)),
                           "npt_gone marked exited", timeout=5)
                t_exit = time.time()
                e = p.screen(escapes=True)
                line = [l for l in e.split("\n") if "npt_gone" in l][0]
                check(re.search(r"\x1b\[[0-9;]*\b2m", line), f"exited row dimmed: {line!r}")
                sink_line = [l for l in e.split("\n") if "npt_sink" in l][0]
                check(not re.search(r"\x1b\[[0-9;]*\b2m", sink_line), f"live row not dim: {sink_line!r}")
                s = p.wait(lambda s: "npt_gone" not in s, "npt_gone removed", timeout=10)
                gone_after = time.time() - t_exit
                check(3.0 <= gone_after <= 8.0, f"removed after {gone_after:.1f}s (grace 5 s)")
                check(f"total RX {fmt_bytes(ip)} TX {fmt_bytes(ip)}" in s,
                      f"totals keep the exited process's bytes:\n{s}")
                check_eq(names(s), ["npt_sink"], "rows after removal")
        finally:
            for pr in procs:
                pr.kill()


def test_pause_holds_the_screen():
    """p: PAUSED, and traffic sent meanwhile does not show; p again: it does, exactly."""
    with test_cgroup("tui-pause") as cg:
        sink = load(["sink", "--name", "npt_sink"], cg)
        procs = [sink]
        try:
            port = first_json(sink)["port"]
            with pane(cg) as p:
                a = senders(cg, port, {"npt_a": 100})
                procs.append(a["npt_a"][0])
                ia = a["npt_a"][2]
                p.wait_text(f"total RX {fmt_bytes(ia)} TX {fmt_bytes(ia)}")
                p.keys("p")
                before = p.wait_text("PAUSED")
                b = senders(cg, port, {"npt_b": 50})
                procs.append(b["npt_b"][0])
                ib = b["npt_b"][2]
                time.sleep(2.5)
                s = p.screen()
                check("npt_b" not in s, f"no new row while paused:\n{s}")
                check(f"total RX {fmt_bytes(ia)} TX {fmt_bytes(ia)}" in s, f"totals held:\n{s}")
                check_eq(rows(s), rows(before), "rows held while paused")
                p.keys("p")
                s = p.wait_text(f"total RX {fmt_bytes(ia + ib)} TX {fmt_bytes(ia + ib)}")
                check("PAUSED" not in s, "PAUSED gone")
                check_eq(row_of(s, "npt_b")["amounts"][-1], fmt_bytes(ib), "npt_b TX total")
                check_eq(row_of(s, "npt_sink")["amounts"][2], fmt_bytes(ia + ib), "sink RX total")
        finally:
            for pr in procs:
                pr.kill()


def proc_net_dev(ns, name):
    r = subprocess.run(in_ns(ns) + ["cat", "/proc/net/dev"], capture_output=True, text=True,
                       check=True)
    for line in r.stdout.splitlines():
        if line.strip().startswith(name + ":"):
            f = line.split(":", 1)[1].split()
            return dict(rx_bytes=int(f[0]), rx_packets=int(f[1]), tx_bytes=int(f[8]),
                        tx_packets=int(f[9]))
    raise Fail(f"{name} not in /proc/net/dev of {ns}")


def test_interfaces_tab_in_a_namespace():
    """netoproc in a network namespace of its own: the Interfaces tab lists that
    namespace's interfaces (lo, and a veth pair that is down) with the kernel's counters:
    exactly the datagrams the test sent on lo."""
    count, size = 100, 1000
    with netns("npt-tui") as (ns,), test_cgroup("tui-ifaces") as cg:
        subprocess.run(["ip", "-n", ns, "link", "add", "npt0", "type", "veth", "peer", "name",
                        "npt1"], check=True)
        sink = load(["sink", "--name", "npt_sink"], cg, prefix=in_ns(ns))
        procs = [sink]
        try:
            port = first_json(sink)["port"]
            with pane(cg, prefix=in_ns(ns)) as p:
                snd = load(["send", "--name", "npt_if", "--port", str(port), "--size", str(size),
                            "--count", str(count)], cg, prefix=in_ns(ns))
                procs.append(snd)
                first_json(snd)
                dev = proc_net_dev(ns, "lo")
                # loopback counts skb->len after eth_type_trans(): IP bytes, once each way.
                check_eq((dev["rx_packets"], dev["rx_bytes"], dev["tx_packets"], dev["tx_bytes"]),
                         (count, count * (size + UDP_IP)) * 2, "lo counters in the namespace")
                p.keys("3")
                s = p.wait(lambda s: f" {count} " in s and "[3 Interfaces]" in s, "lo's packets")
                lo = [l for l in s.split("\n") if re.match(r"^[> ] lo ", l)]
                check_eq(len(lo), 1, f"lo rows:\n{s}")
                f = fields(lo[0])
                check_eq(f[:2], ["lo", "UP"], "lo name and state")
                check_eq(" ".join(f[6:8]), fmt_bytes(dev["rx_bytes"]), "lo RX")
                check_eq(" ".join(f[8:10]), fmt_bytes(dev["tx_bytes"]), "lo TX")
                check_eq(f[10:14], [str(count), str(count), "0", "0"], "packets, drops, errors")
                check(f[14].startswith("127.0.0.1/8"), f"lo address: {lo[0]!r}")
                dummy = [l for l in s.split("\n") if re.match(r"^[> ] npt0 ", l)]
                check_eq(len(dummy), 1, f"npt0 row:\n{s}")
                check_eq(fields(dummy[0])[:2], ["npt0", "DOWN"], "veth state")
                others = [fields(l)[0] for l in s.split("\n")[3:-3]
                          if l.strip() and fields(l)[0] not in ("lo", "npt0", "npt1")]
                check_eq(others, [], "only the namespace's interfaces")
                p.keys("q", pause=0)
                check_eq(p.exit_code(), 0, "exit")
        finally:
            for pr in procs:
                pr.kill()


def test_status_line_interval_and_fallback():
    """The status line: capture and tier, lost/overflow, the --interval; and when auto
    mode falls back to AF_PACKET (hooks that never fire, caught by the self-check) the
    reason stays on it, not only on the stderr the screen covers."""
    with test_cgroup("tui-status") as cg:
        with pane(cg, extra=["--interval", "0.5"]) as p:
            s = p.screen()
            status = s.split("\n")[38]
            check(re.match(r" ebpf \(tracepoint\)  lost 0  overflow 0  every 0\.5s  degraded: ",
                           status), f"status line: {status!r}")
    p = Pane(["--capture-mode", "auto"], env={"NETOPROC_FAULT": "no-payload-hooks"})
    try:
        s = p.started()
        status = s.split("\n")[38]
        check(status.startswith(" afpacket"), f"fallback capture: {status!r}")
        check("fallback: eBPF unavailable (" in status, f"fallback reason: {status!r}")
        p.keys("q", pause=0)
        check_eq(p.exit_code(), 0, "exit")
        check("using AF_PACKET" in p.read("stderr"), "the reason on stderr too")
    finally:
        p.close()


def test_command_line_sparkline_and_bits():
    """c shows command lines; a steady sender's last 60 s is a sparkline; --units bits
    gives rates in bit/s (1000-based)."""
    with test_cgroup("tui-cmd") as cg:
        sink = load(["sink", "--name", "npt_sink"], cg)
        procs = [sink]
        try:
            port = first_json(sink)["port"]
            drip = load(["send", "--name", "npt_drip", "--port", str(port), "--size", "100",
                         "--count", "0", "--pps", "50"], cg)
            procs.append(drip)
            with pane(cg, extra=["--units", "bits"], w=220) as p:
                time.sleep(3.5)
                s = p.screen()
                r = row_of(s, "npt_drip")
                m = re.search(r"(\d+\.\d) kbit/s", r["line"])
                check(m and 0.85 * 51.2 <= float(m.group(1)) <= 1.15 * 51.2,
                      f"50 x 128 B/s as ~51.2 kbit/s: {r['line']!r}")
                spark = r["line"].rstrip()[-12:]
                check(sum(ch in SPARK for ch in spark) >= 3 and spark[-1] in SPARK,
                      f"sparkline of a steady rate: {spark!r}")
                p.keys("c")
                s = p.wait_text("COMMAND")
                check(f"{LOAD} send --name npt_drip --port {port} --size 100 --count 0 --pps 50"
                      in s, f"command line shown:\n{s}")
                p.keys("c")
                p.wait(lambda s: "COMMAND" not in s and "PROCESS" in s, "names again")
        finally:
            for pr in procs:
                pr.kill()


def test_not_a_terminal_prints_tables():
    """Without a terminal the live mode keeps the plain table, one per interval, no
    escapes; SIGINT ends it with exit 0."""
    with test_cgroup("tui-pipe") as cg:
        np = Proc([NETOPROC, "--cgroup", cg, "--capture-mode", "ebpf", "--interval", "0.5", "-v"])
        with started(np):
            wait_attached(np)
            time.sleep(1.25)
            np.p.send_signal(signal.SIGINT)
            rc, out, err = np.wait(timeout=15)
    check_eq(rc, 0, f"exit ({err.strip()[-300:]})")
    check("\x1b" not in out, "no escapes in piped output")
    heads = [l for l in out.splitlines() if l.split()[:2] == ["PID", "PROCESS"]]
    check_eq(len(heads), 2, f"tables in 1.25 s at 0.5 s:\n{out}")
    check_eq(out.count("interval 0.5s"), 2, "interval in each table's title")


def test_unknown_row_with_its_remotes():
    """Traffic no socket owns (here the kernel's ICMP port-unreachable answers to
    datagrams sent to a closed port, in a namespace of its own with an address nothing
    else uses) is the unknown row, its remotes listed under it with exact bytes; Enter on
    it shows unknown's connections."""
    count, size = 6, 100
    icmp = 20 + 8 + size + UDP_IP	# an ICMP error quotes the whole short datagram
    addr = "10.77.0.1"
    with netns("npt-tui-unk") as (ns,):
        subprocess.run(["ip", "-n", ns, "addr", "add", f"{addr}/32", "dev", "lo"], check=True)
        # The whole machine (no --cgroup): ICMP from the kernel belongs to no cgroup.
        p = Pane(["--capture-mode", "ebpf"], prefix=in_ns(ns))
        try:
            p.started()
            send = ("import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    f"for _ in range({count}):\n    s.sendto(b'x' * {size}, ('{addr}', 9))\n")
            subprocess.run(in_ns(ns) + ["python3", "-c", send], check=True, timeout=10)
            p.keys("/")
            p.type("unknown")
            p.keys("Enter")
            s = p.wait(lambda s: any(r["name"] == f"  icmp {addr}" for r in rows(s)),
                       "unknown's ICMP remote")
            r = rows(s)
            check_eq(r[0]["name"], "unknown", f"the unknown row first:\n{s}")
            check("unknown (system)" in r[0]["line"], f"unknown row label:\n{s}")
            sub = row_of(s, f"  icmp {addr}")
            check_eq(sub["amounts"][2:], ["0 B", fmt_bytes(count * icmp)], "ICMP remote RX/TX totals")
            check(all(x["pid"] is None for x in r), f"only unknown and its remotes:\n{s}")
            p.keys("Home", "Enter")
            s = p.wait_text("[2 Connections]")
            check("process: unknown" in s, f"focus on unknown:\n{s}")
            p.keys("/", "Escape")	# the name filter 'unknown' matches no address
            s = p.wait(lambda s: addr in s, "unknown's connections")
            line = [l for l in s.split("\n") if f" {addr} " in l]
            check_eq(len(line), 1, f"ICMP connection row:\n{s}")
            f = fields(line[0])
            check_eq(f[:4], ["unknown", "icmp", "-", addr], "unknown connection row")
            check(line[0].rstrip().endswith(fmt_bytes(count * icmp)), f"its TX total:\n{s}")
        finally:
            p.close()


def test_80x24_every_tab_fits():
    """At the minimum size every tab's rows fit their line (columns give way, nothing
    wraps onto the next line) and the status line is the second last."""
    with test_cgroup("tui-80") as cg:
        sink = load(["sink", "--name", "npt_sink"], cg)
        procs = [sink]
        try:
            port = first_json(sink)["port"]
            with pane(cg, w=80, h=24) as p:
                got = senders(cg, port, {"npt_eighty": 100})
                procs.append(got["npt_eighty"][0])
                ip = got["npt_eighty"][2]
                s = p.wait(lambda s: any(r["name"] == "npt_eighty" and r["amounts"][-1] == fmt_bytes(ip)
                                         for r in rows(s)), "npt_eighty's total")
                lines = s.splitlines()
                check_eq(len(lines), 24, "lines")
                check(lines[22].startswith(" ebpf (tracepoint)"), f"status line:\n{s}")
                check_eq(lines[2].split(), ["PID", "PROCESS", "SOCK", "RX/s", "TX/s", "RX", "total",
                                            "TX", "total"], "80-column process header")
                check_eq([len(r["amounts"]) for r in rows(s)], [4, 4], f"whole rows:\n{s}")
                check_eq(lines[5].strip(), "", f"nothing wrapped below the rows:\n{s}")
                p.keys("2")
                s = p.wait_text("[2 Connections]")
                body = [l for l in s.splitlines()[3:22] if l.strip()]
                check_eq(len(body), 4, f"two unconnected sockets, a peer row under each:\n{s}")
                check(all(len(l) <= 80 for l in s.splitlines()), "no line longer than 80")
                peer = [l for l in body if re.match(r"^ +-> 127\.0\.0\.1:\d+ ", l)]
                check_eq(len(peer), 2, f"peer rows, the arrow before the address:\n{s}")
                p.keys("3")
                s = p.wait_text("[3 Interfaces]")
                check(re.search(r"^[> ] lo +UP +.* \d+/\d+$", s, re.M), f"lo row at 80:\n{s}")
        finally:
            for pr in procs:
                pr.kill()
