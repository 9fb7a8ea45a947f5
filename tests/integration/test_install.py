# SPDX-License-Identifier: GPL-2.0-only
"""Packaging (issue 13): `make install` puts exactly the binary (with its file
capabilities), the man pages, bash and zsh completion and the exporter's systemd unit
in place and `make uninstall` takes them all away; the unit passes
`systemd-analyze verify`; the completion offers every option each subcommand's --help
lists."""
import os
import re
import shutil
import subprocess
import tempfile

from npt import NETOPROC, OUT, ROOT, check, check_eq, run

SUBCOMMANDS = ["", "probe", "trace", "drop", "diagnose", "dns", "export", "latency"]
PAGES = ["netoproc.8", "netoproc-diagnose.8", "netoproc-dns.8", "netoproc-drop.8",
         "netoproc-export.8", "netoproc-latency.8", "netoproc-trace.8"]


def make(*args):
    rc, out, err = run(["make", "-s", "-C", ROOT, f"OUTPUT={os.path.relpath(OUT, ROOT)}"]
                       + list(args), timeout=300)
    check_eq(rc, 0, f"make {' '.join(args)}: {err.strip()[-500:]}")
    return out


def tree(root):
    """Every file and directory under root, relative to it."""
    out = set()
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            out.add(os.path.relpath(os.path.join(d, n), root))
    return out


def help_options(sub):
    _, out, _ = run([NETOPROC] + ([sub] if sub else []) + ["--help"])
    return sorted(set(re.findall(r"--[a-z][a-z-]+", out)))


def test_install_and_uninstall_destdir():
    d = tempfile.mkdtemp(prefix="netoproc-install-")
    try:
        make("install", f"DESTDIR={d}")
        files = {p for p in tree(d) if os.path.isfile(os.path.join(d, p))}
        want = {"usr/local/bin/netoproc",
                "usr/local/share/bash-completion/completions/netoproc",
                "usr/local/share/zsh/site-functions/_netoproc",
                "usr/local/lib/systemd/system/netoproc-export.service",
                "usr/local/share/netoproc/diagnose.rules"}
        want |= {f"usr/local/share/man/man8/{p}" for p in PAGES}
        check_eq(sorted(files), sorted(want), "installed files")
        rc, caps, _ = run(["getcap", os.path.join(d, "usr/local/bin/netoproc")])
        check("cap_bpf" in caps and "cap_net_admin" in caps and "=ep" in caps,
              f"file capabilities: {caps!r}")
        with open(os.path.join(d, "usr/local/lib/systemd/system/netoproc-export.service")) as f:
            unit = f.read()
        check("ExecStart=/usr/local/bin/netoproc export" in unit,
              "the unit runs the installed binary, not the staged one")
        make("uninstall", f"DESTDIR={d}")
        check_eq(sorted(tree(d)), [], "left after make uninstall")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_systemd_unit_verifies():
    """Installed under a temporary PREFIX (so ExecStart names a real binary and man
    finds the Documentation= page), the unit passes systemd-analyze verify."""
    check(shutil.which("systemd-analyze"), "systemd-analyze missing (scripts/install-deps.sh)")
    d = tempfile.mkdtemp(prefix="netoproc-unit-")
    try:
        make("install", f"PREFIX={d}")
        unit = os.path.join(d, "lib/systemd/system/netoproc-export.service")
        r = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True, text=True,
                           env=dict(os.environ, MANPATH=f"{d}/share/man:"), timeout=60)
        check_eq((r.returncode, r.stdout + r.stderr), (0, ""), "systemd-analyze verify")
        with open(unit) as f:
            text = f.read()
        for line in ["ProtectSystem=strict", "ProtectHome=yes", "NoNewPrivileges=yes",
                     "PrivateTmp=yes", "DynamicUser=yes", "MemoryDenyWriteExecute=yes",
                     "SystemCallArchitectures=native",
                     "CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_NET_ADMIN CAP_NET_RAW",
                     "AmbientCapabilities=CAP_BPF CAP_PERFMON CAP_NET_ADMIN CAP_NET_RAW"]:
            check(f"\n{line}\n" in text, f"unit lacks {line}")
        make("uninstall", f"PREFIX={d}")
        left = [p for p in tree(d) if os.path.isfile(os.path.join(d, p))]
        check_eq(left, [], "files left after make uninstall")
    finally:
        shutil.rmtree(d, ignore_errors=True)


BASH_COMPLETE = r"""
source /usr/share/bash-completion/bash_completion
source "$1"
shift
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
_netoproc
printf '%s\n' "${COMPREPLY[@]}"
"""


def bash_complete(*words):
    rc, out, err = run(["bash", "-c", BASH_COMPLETE, "complete",
                        os.path.join(ROOT, "completion", "netoproc.bash")] + list(words))
    check_eq(rc, 0, f"bash completion of {words}: {err}")
    return sorted(out.split())


def test_completion_offers_every_option():
    """bash: `netoproc SUB --<TAB>` offers exactly the options SUB's --help lists, and
    the subcommands and fixed values are offered; zsh: the file parses and names
    every option."""
    check(os.path.exists("/usr/share/bash-completion/bash_completion"),
          "bash-completion missing (scripts/install-deps.sh)")
    for sub in SUBCOMMANDS:
        words = ["netoproc"] + ([sub] if sub else []) + ["--"]
        check_eq(bash_complete(*words), sorted(set(help_options(sub)) | {"--help"}),
                 f"bash: options of '{sub}'")
    check_eq(bash_complete("netoproc", ""), ["diagnose", "dns", "drop", "export", "latency", "probe",
                                             "trace"],
             "bash: subcommands")
    check_eq(bash_complete("netoproc", "export", "--capture-mode", ""),
             ["afpacket", "auto", "ebpf"], "bash: --capture-mode values")
    check_eq(bash_complete("netoproc", "export", "--labels", "process,u"), ["process,unit"],
             "bash: --labels list")
    zsh = shutil.which("zsh")
    check(zsh, "zsh missing (scripts/install-deps.sh)")
    path = os.path.join(ROOT, "completion", "_netoproc")
    rc, _, err = run([zsh, "-n", path])
    check_eq(rc, 0, f"zsh -n _netoproc: {err}")
    with open(path) as f:
        text = f.read()
    blocks = dict(re.findall(r"\n  (\w+)\)\n(.*?);;", text, re.S))
    monitor = text[text.index("_netoproc_monitor() {"):text.index("_netoproc() {")]
    capture = text[:text.index("_netoproc_monitor() {")]
    for sub in SUBCOMMANDS:
        body = (monitor if not sub else blocks.get(sub, "")) + capture
        missing = [o for o in help_options(sub) if f"'{o}[" not in body and f",{o}}}" not in body
                   and f"'*{o}[" not in body]
        check_eq(missing, [], f"zsh: options of '{sub}' not completed")
