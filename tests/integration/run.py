#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Integration test runner: imports tests/integration/test_*.py and runs every
function named test_* in it. Prints one line per test and a closing
"integration: N passed, N failed" line. `run.py PATTERN` runs matching tests."""
import importlib
import os
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import npt  # noqa: E402


def main():
    pattern = sys.argv[1] if len(sys.argv) > 1 else ""
    here = os.path.dirname(os.path.abspath(__file__))
    if os.geteuid() != 0:
        print("integration tests need root (BPF, cgroups, namespaces)")
        print("integration: 0 passed, 1 failed")
        return 1
    mounted = mount_tracefs()
    try:
        passed, failed = run_tests(here, pattern)
    finally:
        if mounted:
            subprocess.run(["umount", TRACEFS], check=False)
    print(f"integration: {passed} passed, {failed} failed")
    return 1 if failed else 0


TRACEFS = "/sys/kernel/tracing"


def mount_tracefs():
    """A systemd host mounts tracefs at boot; a bare container may not, and the
    syscalls tracepoints (latency --send-calls stages) attach through it. Mounted
    for the run, and unmounted after it, when missing; True if mounted here."""
    if os.path.isdir(os.path.join(TRACEFS, "events")):
        return False
    r = subprocess.run(["mount", "-t", "tracefs", "nodev", TRACEFS], capture_output=True)
    if r.returncode != 0:
        print("integration: tracefs is not mounted and mounting it failed: "
              f"{r.stderr.decode().strip()}")
        return False
    print(f"integration: mounted tracefs at {TRACEFS} for this run")
    return True


def run_tests(here, pattern):
    passed = failed = 0
    for fn in sorted(os.listdir(here)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        mod = importlib.import_module(fn[:-3])
        # Only the module's own tests: fixtures imported from npt may be named test_* too.
        names = [n for n in dir(mod) if n.startswith("test_") and callable(getattr(mod, n))
                 and getattr(getattr(mod, n), "__module__", "") == mod.__name__]
        for name in sorted(names):
            full = f"{fn[:-3]}.{name}"
            if pattern not in full:
                continue
            t0 = time.time()
            try:
                getattr(mod, name)()
                passed += 1
                print(f"ok   {full} ({time.time() - t0:.1f}s)", flush=True)
            except npt.Fail as e:
                failed += 1
                print(f"FAIL {full}: {e}", flush=True)
            except Exception:
                failed += 1
                print(f"FAIL {full}: {traceback.format_exc()}", flush=True)
    return passed, failed


if __name__ == "__main__":
    sys.exit(main())
