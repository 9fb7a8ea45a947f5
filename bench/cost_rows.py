#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The per-invocation rows of bench/monitor_cost.sh from its rounds' bpf_stats
(bench/progstats output, one file a round): netoproc's programs and the floor's
(bench/empty.bpf.c), each beside the empty programs of its own round. Each
figure is the median over the rounds; the weighted ratio weights each program
by its runs (the packet and payload programs, where the target applies).

    cost_rows.py MONITOR_ROUND... -- FLOOR_ROUND...

With --churn COUNT, each round is two files, the counts before and after
bench/sock_churn, and the rows are socket creation's and release's ns per run
over the churn's runs alone:

    cost_rows.py --churn COUNT MON_BEFORE MON_AFTER... -- FLOOR_BEFORE FLOOR_AFTER...
"""
import statistics
import sys

PAIRS = [("count_ingress", "floor_ingress", "empty_ingress"),
         ("count_egress", "floor_egress", "empty_egress"),
         ("on_send", "floor_send", "empty_send"),
         ("on_recv", "floor_recv", "empty_recv")]


def read(path):
    runs = {}
    for line in open(path):
        name, n, ns = line.split()
        runs[name] = (float(ns), int(n))
    return runs


def weighted(rounds, which):
    """Median over rounds of sum(ns * runs) / sum(empty ns * runs)."""
    ratios = []
    for r in rounds:
        tw = sum(r[p[which]][0] * r[p[which]][1] for p in PAIRS)
        te = sum(r[p[2]][0] * r[p[which]][1] for p in PAIRS)
        ratios.append(tw / te)
    return statistics.median(ratios)


def med(rounds, name):
    return statistics.median(r[name][0] for r in rounds)


def socket_rows(mon, flo, what, floor_what):
    """The rows of socket creation and release, and creation's floor."""
    for prog, target in (("on_sock_create", 1000), ("on_sock_release", 500)):
        n, e = med(mon, prog), med(mon, prog.replace("on_sock", "empty"))
        print(f"ROW|{prog}{what}, ns per run|{n:.0f} ns|{e:.0f} ns (empty)|{n / e:.2f}|"
              f"<= {target} ns")
    f, fe = med(flo, "floor_create"), med(flo, "empty_create")
    print(f"ROW|the floor of sock_create{floor_what}, ns per run|{f:.0f} ns|{fe:.0f} ns (empty)|"
          f"{f / fe:.2f}|reported")


def churn_only(before, after):
    """ns per run and runs of each program over what after added to before."""
    runs = {}
    for name, (ns, n) in after.items():
        ns0, n0 = before.get(name, (0.0, 0))
        if n > n0:
            runs[name] = ((ns * n - ns0 * n0) / (n - n0), n - n0)
    return runs


def churn(count, args):
    cut = args.index("--")

    def rounds(files):
        return [churn_only(read(a), read(b)) for a, b in zip(files[0::2], files[1::2])]

    mon, flo = rounds(args[:cut]), rounds(args[cut + 1:])
    print(f"  medians of {len(mon)} rounds each (ns per run, the churn's runs only)")
    for prog, empty, rounds_ in (("on_sock_create", "empty_create", mon),
                                 ("on_sock_release", "empty_release", mon),
                                 ("floor_create", "empty_create", flo)):
        print(f"  {prog:<16} {rounds_[0][prog][1]:>10} {med(rounds_, prog):>8.1f} "
              f"{med(rounds_, empty):>7.1f}")
    what = f", sustained ({count} UDP sockets in a loop, one datagram each)"
    socket_rows(mon, flo, what, what)


def main():
    if sys.argv[1] == "--churn":
        churn(int(sys.argv[2]), sys.argv[3:])
        return
    cut = sys.argv.index("--")
    mon = [read(p) for p in sys.argv[1:cut]]
    flo = [read(p) for p in sys.argv[cut + 1:]]
    print(f"  medians of {len(mon)} rounds each (ns per run)")
    print("  %-16s %10s %8s %7s %6s %9s %7s %6s" % ("program", "runs", "ns/run", "empty", "ratio",
                                                    "floor", "empty", "ratio"))
    for prog, floor, empty in PAIRS + [("on_sock_create", "floor_create", "empty_create"),
                                       ("on_sock_release", None, "empty_release")]:
        n, e = med(mon, prog), med(mon, empty)
        line = f"  {prog:<16} {mon[0][prog][1]:>10} {n:>8.1f} {e:>7.1f} {n / e:>6.2f}"
        if floor:
            f, fe = med(flo, floor), med(flo, empty)
            line += f" {f:>9.1f} {fe:>7.1f} {f / fe:>6.2f}"
        print(line)
    w, wf = weighted(mon, 0), weighted(flo, 1)
    print(f"ROW|eBPF monitor, weighted per-invocation cost (packet and payload programs)|"
          f"{w:.2f}x empty|empty programs|{w:.2f}|<= 1.25")
    print(f"ROW|the floor: exact per-socket counting (sk storage, atomic adds), weighted the same|"
          f"{wf:.2f}x empty|empty programs|{wf:.2f}|reported")
    print(f"ROW|eBPF monitor, weighted per-invocation cost over the floor's|{w:.2f}x|"
          f"{wf:.2f}x (floor)|{w / wf:.2f}|reported")
    socket_rows(mon, flo, "", ": one owner element made in sk storage")


if __name__ == "__main__":
    main()
