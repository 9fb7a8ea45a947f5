# SPDX-License-Identifier: GPL-2.0-only
"""Command line: bad input gets one line on stderr and the documented exit code;
probe and the snapshot formats keep their documented shape."""
import json

from npt import NETOPROC, check, check_eq, run


def bad(args, code=2, needle=None):
    rc, out, err = run([NETOPROC] + args)
    check_eq(rc, code, f"exit code of {args}")
    lines = err.strip().splitlines()
    check_eq(len(lines), 1, f"stderr lines of {args}: {err!r}")
    check(lines[0].startswith("netoproc: "), f"error prefix: {lines[0]!r}")
    if needle:
        check(needle in lines[0], f"{needle!r} not in {lines[0]!r}")
    check_eq(out, "", f"stdout of {args}")


def test_unknown_flag():
    bad(["--bogus"], needle="unknown option '--bogus'")
    bad(["-x"], needle="unknown option '-x'")


def test_bad_numbers():
    for v in ["0", "-1", "abc", "1e3", "inf", "nan", "", "1.2.3", "0x10"]:
        bad(["--duration", v], needle="--duration")
    bad(["--interval", "0"], needle="--interval")
    bad(["--capture-buffer", "100"], needle="4096..16777216")
    bad(["--capture-buffer", "99999999"], needle="4096..16777216")
    bad(["--pid", "abc"], needle="--pid")
    bad(["--pid", "1,x"], needle="'x'")
    bad(["--duration", "1", "--interval", "2"], needle="longer than --duration")


def test_bad_choices():
    bad(["--format", "xml"], needle="--format")
    bad(["--sort", "size"], needle="--sort")
    bad(["--capture-mode", "pcap"], needle="--capture-mode")


def test_missing_value_and_extra_argument():
    bad(["--duration"], needle="needs a value")
    bad(["--duration", "1", "stray"], needle="unexpected argument 'stray'")


def test_missing_cgroup_and_interface():
    bad(["--cgroup", "/no/such/cgroup-here"], needle="no such cgroup")
    bad(["--interface", "nosuchif0"], needle="no such interface")


def test_probe_json():
    rc, out, err = run([NETOPROC, "probe", "--format", "json"])
    check_eq(rc, 0, "probe exit code")
    p = json.loads(out)
    check_eq(p["capture_mode"], "ebpf", "capture_mode on this machine")
    check_eq(p["attach"], "tracepoint", "attach tier on this machine")
    check_eq(p["features"]["fentry"]["available"], False, "fentry on this machine")
    check_eq(p["features"]["kprobe"]["available"], False, "kprobe on this machine")
    check_eq(p["features"]["tp_sock_send_length"]["available"], True, "sock_send_length")
    bad(["probe", "--format", "yaml"], needle="--format")


def test_version_and_help():
    rc, out, _ = run([NETOPROC, "--version"])
    check_eq(rc, 0, "--version exit")
    check(out.startswith("netoproc "), f"--version output {out!r}")
    rc, out, _ = run([NETOPROC, "--help"])
    check_eq(rc, 0, "--help exit")
    check("--capture-mode" in out, "--help lists options")


def test_tsv_header_and_sigint_document():
    """tsv keeps the original header; SIGINT during a snapshot still prints a whole document."""
    import signal
    import subprocess
    import time
    p = subprocess.Popen([NETOPROC, "--duration", "60", "--format", "json", "--capture-mode",
                          "ebpf"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    check_eq(p.returncode, 0, f"exit after SIGINT ({err.strip()})")
    check(isinstance(json.loads(out), list), "SIGINT snapshot is one JSON array")
    rc, out, _ = run([NETOPROC, "--duration", "0.3", "--format", "tsv", "--capture-mode", "ebpf"])
    check_eq(rc, 0, "tsv exit")
    check_eq(out.splitlines()[0], "pid\tprocess\trx_bytes\ttx_bytes\trx_packets\ttx_packets",
             "tsv header")


def test_missing_privilege_names_capability():
    """Without any capability, forced eBPF is exit 1 and says which capability."""
    rc, out, err = run(["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--ambient-caps=-all",
                        "--", NETOPROC, "--capture-mode", "ebpf", "--duration", "1"])
    check_eq(rc, 1, f"exit code without capabilities ({err.strip()})")
    check_eq(err.strip(), "netoproc: eBPF capture needs CAP_BPF (or CAP_SYS_ADMIN)", "message")
    check_eq(out, "", "stdout")


def test_live_table_refreshes_until_interrupted():
    """No --duration, stdout a pipe: a table every --interval until SIGINT, then exit 0.
    Timed from the first table (start-up on a loaded machine is not the interval's)."""
    import select
    import signal
    import subprocess
    import time
    p = subprocess.Popen([NETOPROC, "--interval", "0.5", "--no-color"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    marker = "netoproc  mode ebpf (tracepoint)  interval"
    try:
        first = ""
        deadline = time.time() + 20
        while marker not in first and time.time() < deadline:
            if select.select([p.stdout], [], [], 0.5)[0]:
                first += p.stdout.readline()
        check(marker in first, f"no first table in 20 s: {first[-300:]!r}")
        time.sleep(2.2)
        p.send_signal(signal.SIGINT)
        # Through the same buffered reader: communicate() would skip what it holds.
        out = p.stdout.read()
        err = p.stderr.read()
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    out = first + out
    check_eq(p.returncode, 0, f"exit after SIGINT ({err.strip()})")
    tables = out.count(marker)
    # The first, then one per 0.5 s for 2.2 s: 5 (4 if SIGINT beats the fifth by a hair).
    check(4 <= tables <= 6, f"{tables} tables in 2.2 s after the first at 0.5 s intervals")
    check_eq(out.count("PID      PROCESS"), tables, "header per table")
    check("\033[" not in out, "no escape sequences with --no-color on a pipe")


def test_man_page_covers_every_option():
    """Every option --help lists is documented in docs/netoproc.8."""
    import os
    import re
    from npt import ROOT
    _, out, _ = run([NETOPROC, "--help"])
    with open(os.path.join(ROOT, "docs", "netoproc.8")) as f:
        man = f.read().replace("\\-", "-")
    opts = sorted(set(re.findall(r"--[a-z][a-z-]+", out)) - {"--version", "--help"})
    check(len(opts) >= 14, f"options found in --help: {opts}")
    missing = [o for o in opts if o not in man]
    check_eq(missing, [], "options missing from the man page")


def test_btf_file():
    """--btf: a file that is not BTF, or none, is exit 2 with one line; a real one
    (here a copy of this kernel's) is what CO-RE relocates against."""
    import os
    import shutil
    import tempfile
    bad(["--btf", "/no/such/btf", "--duration", "1"], needle="--btf /no/such/btf: cannot read BTF")
    with tempfile.TemporaryDirectory() as d:
        junk = os.path.join(d, "junk")
        with open(junk, "w") as f:
            f.write("not BTF\n")
        bad(["--btf", junk, "--duration", "1"], needle="cannot read BTF")
        copy = os.path.join(d, "vmlinux")
        shutil.copy("/sys/kernel/btf/vmlinux", copy)
        rc, out, err = run([NETOPROC, "--btf", copy, "--capture-mode", "ebpf", "--duration", "0.3"])
        check_eq(rc, 0, f"--btf with a real BTF file ({err.strip()})")
        check_eq(out.splitlines()[0], "pid\tprocess\trx_bytes\ttx_bytes\trx_packets\ttx_packets",
                 "snapshot header")


def test_dns_bad_input():
    """netoproc dns: every bad value is one line and exit 2; its man page's OPTIONS
    section documents every option --help lists."""
    import os
    import re
    from npt import ROOT
    bad(["dns", "--dns-port", "0"], needle="1..65535")
    bad(["dns", "--dns-port", "70000"], needle="1..65535")
    bad(["--dns-port", "x"], needle="--dns-port")
    bad(["dns"] + [a for p in range(1000, 1008) for a in ("--dns-port", str(p))],
        needle="at most 8")
    bad(["dns", "--dns-timeout", "0"], needle="--dns-timeout")
    bad(["dns", "--format", "pretty"], needle="--format")
    bad(["dns", "--duration", "1", "stray"], needle="unexpected argument 'stray'")
    bad(["dns", "--interface", "nosuchif0"], needle="no such interface")
    bad(["dns", "--pid", "0"], needle="--pid")
    _, out, _ = run([NETOPROC, "dns", "--help"])
    with open(os.path.join(ROOT, "docs", "netoproc-dns.8")) as f:
        man = f.read().replace("\\-", "-")
    section = man[man.index(".SH OPTIONS"):man.index(".SH EXAMPLES")]
    opts = sorted(set(re.findall(r"--[a-z][a-z-]+", out)) - {"--help"})
    check(len(opts) >= 10, f"options found in dns --help: {opts}")
    check_eq([o for o in opts if o not in section], [], "dns options missing from OPTIONS")


def test_every_man_page_covers_every_option():
    """For every subcommand, each option its --help lists is described in the OPTIONS
    section of its man page (not merely in the synopsis); every page has EXAMPLES,
    and the monitor's page its KEYS."""
    import os
    import re
    from npt import ROOT
    pages = {"": "netoproc.8", "probe": "netoproc.8", "trace": "netoproc-trace.8",
             "drop": "netoproc-drop.8", "dns": "netoproc-dns.8",
             "diagnose": "netoproc-diagnose.8",
             "export": "netoproc-export.8", "latency": "netoproc-latency.8"}
    missing = {}
    for sub, page in pages.items():
        _, out, _ = run([NETOPROC] + ([sub] if sub else []) + ["--help"])
        with open(os.path.join(ROOT, "docs", page)) as f:
            man = f.read().replace("\\-", "-")
        start = man.index("\n.SH OPTIONS\n")
        section = man[start:man.index("\n.SH ", start + 1)]
        opts = sorted(set(re.findall(r"--[a-z][a-z-]+", out)))
        check(opts, f"no options found in '{sub}' --help")
        # An entry: a .B/.BR/.BI line naming the option as a whole word.
        gone = [o for o in opts if not re.search(r"\n\.(B|BR|BI) [^\n]*(?<![\w-])" +
                                                 re.escape(o) + r"(?![\w-])", section)]
        if gone:
            missing[sub or "monitor"] = gone
        check("\n.SH EXAMPLES\n" in man, f"{page} has no EXAMPLES")
    check_eq(missing, {}, "options not described in their page's OPTIONS")
    with open(os.path.join(ROOT, "docs", "netoproc.8")) as f:
        check("\n.SH KEYS\n" in f.read(), "netoproc.8 has no KEYS section")
