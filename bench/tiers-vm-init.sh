#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the VM that bench/tiers-vm.sh boots: per attach tier, netoproc and the
# empty programs on the same hooks, traffic in their cgroup, then bpf_stats.
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mkdir -p /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup
ip link set lo up
echo 0 > /proc/sys/net/ipv4/tcp_early_retrans
for tier in fentry kprobe; do
  mkdir -p /sys/fs/cgroup/b$tier
  netoproc --attach $tier --cgroup /sys/fs/cgroup/b$tier --duration 600 --format json -v > /dev/null 2>/tmp/err.$tier &
  NP=$!
  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do grep -q "capture attached" /tmp/err.$tier && break; sleep 0.5; done
  empty_loader /sys/fs/cgroup/b$tier $tier > /tmp/el.$tier 2>&1 &
  EL=$!
  sleep 1
  echo 1 > /proc/sys/kernel/bpf_stats_enabled
  T=$tier sh -c 'echo $$ > /sys/fs/cgroup/b$T/cgroup.procs
   np_workload tcp-server --port 7002 --reply 2000000 --conns 20 > /dev/null &
   sleep 0.5
   i=0; while [ $i -lt 20 ]; do np_workload tcp-client --port 7002 --send 2000000 --expect 2000000 > /dev/null; i=$((i+1)); done
   np_workload udp-sink --port 7001 --count 3000 --idle 3 > /dev/null &
   sleep 0.5
   np_workload udp-send --port 7001 --count 3000 --size 200 > /dev/null
   sleep 1'
  echo "@@ STATS $tier"
  progstats
  echo 0 > /proc/sys/kernel/bpf_stats_enabled
  kill $EL; kill -INT $NP; sleep 1
  cat /tmp/el.$tier
done
poweroff -f
