#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the kernel-matrix VM (busybox sh, no python). Mounts what netoproc needs,
# asks `netoproc probe` which attach tiers this kernel has, and runs the monitor's
# integration scenarios (tests/integration/test_monitor.py, same workloads and sizes)
# once per available tier with --attach forced, and once with --attach auto. Results
# go to the serial console as tagged lines that tests/kernels/run_matrix.py parses and
# asserts on:
#   @@NP BEGIN kernel=K tier=T scenario=S uptime=SECONDS (reported after the block ran)
#   @@NP OUT|ERR|WL ...        netoproc stdout / stderr, workload JSON lines
#   @@NP STATUS rc=N attached=yes|no secs=N retrans=N
#   @@NP END
# A tier the probe calls unavailable is only checked to be refused (exit 2, one line).
# Then `netoproc trace` with kernel-function probes on a loopback ping (tier "trace":
# scenarios kfunc_ping, --probes full; all_skb, --probes all-skb; kfunc_fentry, --probes
# full by fentry).
# Before the tiers: the self-check block (tier "-", scenarios selfcheck_ebpf and
# selfcheck_auto): netoproc on the whole VM, forced eBPF and auto.
# Kernel command line: np_tiers=a,b (default: tracepoint,fentry,kprobe,auto; none: no tier),
# np_scen=x,y (default: all), np_trace=0 to skip the trace scenarios, np_drop=0 the drop one,
# np_dns=0 the DNS ones,
# np_copies=0 the --track through copies one.
export PATH=/bin
NP=/bin/netoproc
WL=/bin/np_workload
DNS=/bin/np_dns
T=/tmp/np
# The monitor's scenarios: sc_NAME functions and SCENARIO_NAMES, generated from
# tests/integration/scenarios.py (the steps the integration suites run too).
. /scenarios.sh

mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t bpf bpffs /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ip link set lo up
# Tail loss probes fire after ~2 RTTs of silence (10 ms at least): a starved TCG vCPU trips
# them on loopback, and a retransmitted segment is IP bytes without new payload, which the
# header bounds of test_monitor.py do not allow. Real RTO retransmissions stay enabled
# and are counted per scenario (STATUS retrans=N).
sysctl -qw net.ipv4.tcp_early_retrans=0
mkdir -p $T
K=$(uname -r)
CGROOT=/sys/fs/cgroup

arg() {	# value of NAME=... on the kernel command line
	tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | tr ',' ' '
}

tag() {	# TAG FILE: each line of FILE prefixed, CRs dropped
	[ -f "$2" ] && tr -d '\r' <"$2" | sed "s/^/@@NP $1 /"
}

yesno() { if "$@" 2>/dev/null; then echo yes; else echo no; fi; }

# What the kernel itself shows, independent of netoproc's probe (the host cross-checks).
echo "@@NP FACTS kernel=$K" \
	"tp_sock_send_length=$(yesno test -d /sys/kernel/tracing/events/sock/sock_send_length)" \
	"kprobe_pmu=$(yesno test -d /sys/bus/event_source/devices/kprobe)" \
	"btf=$(yesno test -f /sys/kernel/btf/vmlinux)" \
	"ftrace_tcp_sendmsg=$(yesno grep -qx tcp_sendmsg /sys/kernel/tracing/available_filter_functions)" \
	"ipv6=$(yesno test -f /proc/net/if_inet6)" \
	"nproc=$(nproc)"

# uptime (when a block is reported, right after it ran): a kernel warning in dmesg is
# told by the scenario that was running.
begin() { echo "@@NP BEGIN kernel=$K tier=$1 scenario=$2 uptime=$(cut -d' ' -f1 /proc/uptime)"; }

$NP probe --format json >$T/probe.json 2>$T/probe.err
prc=$?
begin - probe
tag OUT $T/probe.json
tag ERR $T/probe.err
echo "@@NP STATUS rc=$prc attached=no secs=0"
echo "@@NP END"

# The start-up self-check, on the whole VM (no --cgroup): forced eBPF, then auto.
for m in ebpf auto; do
	start=$(date +%s)
	timeout 120 $NP --capture-mode $m --duration 1 --interval 1 --format json -v \
		>$T/np.out 2>$T/np.err
	nprc=$?
	begin - selfcheck_$m
	tag OUT $T/np.out
	tag ERR $T/np.err
	echo "@@NP STATUS rc=$nprc attached=no secs=$(($(date +%s) - start))"
	echo "@@NP END"
done

# Unavailable tiers from the probe's "tiers" object; without one, try every tier.
flat=$(tr -d ' \n\t' <$T/probe.json)
unavail=""
for t in tracepoint fentry kprobe; do
	case $flat in
	*'"tiers":{'*)
		seg=${flat#*\"tiers\":\{}
		seg=${seg#*\"$t\":\{}
		seg=${seg%%\}*}
		case $seg in
		*'"available":true'*) ;;
		*) unavail="$unavail $t" ;;
		esac ;;
	esac
done
tiers=$(arg np_tiers)
[ -n "$tiers" ] || tiers="tracepoint fentry kprobe auto"
scens=$(arg np_scen)
[ -n "$scens" ] || scens=$SCENARIO_NAMES

cg_run() {	# CMD...: run inside the scenario's cgroup (the sh's own pid is moved, then execs)
	sh -c 'echo $$ >"$0/cgroup.procs" && exec timeout 240 "$@"' "$CG" "$@"
}

ready() {	# FILE: wait for the workload's {"ready":true,...} line
	i=0
	while ! grep -q '"ready"' "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 600 ] && { echo "@@NP NOTE no ready line in $1"; return 1; }
		sleep 0.1
	done
}

# serve FILE CMD...: CMD in the background (pid in $srv), its output into FILE, and
# wait for its ready line. FILE is emptied here first: `CMD >FILE &` empties it only
# once the child runs, and `ready` could read an earlier block's ready line before
# that, letting the client send to a port not yet bound (a datagram dropped NO_SOCKET
# in track_copies, "workload udp printed no result" in dns).
serve() {
	f=$1
	shift
	: >"$f"
	"$@" >>"$f" &
	srv=$!
	ready "$f"
}

field() {	# FILE KEY: first numeric "KEY":N in FILE
	sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$1" | head -1
}

retrans() {	# TCP segments retransmitted so far (slow emulation can make RTOs fire)
	awk '/^Tcp:/ { if (!c) { for (i = 1; i <= NF; i++) if ($i == "RetransSegs") c = i }
		else print $c }' /proc/net/snmp
}

np_start() {	# TIER: eBPF netoproc on $CG in the background, wait for "capture attached"
	: >$T/np.err
	$NP --cgroup "$CG" --duration 300 --format json -v --capture-mode ebpf --attach "$1" \
		>$T/np.out 2>$T/np.err &
	nppid=$!
	i=0
	while ! grep -q "capture attached" $T/np.err; do
		if ! kill -0 $nppid 2>/dev/null; then
			wait $nppid
			nprc=$?
			return 1
		fi
		i=$((i + 1))
		[ $i -gt 1200 ] && { kill -9 $nppid; wait $nppid; nprc=124; return 1; }
		sleep 0.1
	done
	return 0
}

np_stop() {	# settle, then SIGINT: netoproc prints the totals and exits
	sleep 0.3
	kill -INT $nppid
	wait $nppid
	nprc=$?
}

ok() {	# ROLE CMD...: run CMD; a non-zero exit is reported as a WLFAIL line
	r=$1
	shift
	"$@"
	rc=$?
	[ $rc -eq 0 ] || echo "@@NP WLFAIL $r exited $rc" >>$T/wl.fail
}

wl() {	# ROLE FILE: workload result lines of FILE, tagged with their role
	grep '^{' "$2" 2>/dev/null | sed "s/^/@@NP WL $1 /"
}

run_scenario() {	# TIER SCENARIO
	CG=$CGROOT/np-$1-$2
	mkdir -p "$CG"
	rm -f $T/np.out $T/np.err $T/wl.out $T/wl.err $T/wl.fail
	start=$(date +%s)
	attached=no
	rs0=$(retrans)
	if np_start "$1"; then
		attached=yes
		sc_$2
		np_stop
	fi
	begin "$1" "$2"
	tag OUT $T/np.out
	tag ERR $T/np.err
	cat $T/wl.out $T/wl.fail 2>/dev/null
	tag WLERR $T/wl.err
	echo "@@NP STATUS rc=$nprc attached=$attached secs=$(($(date +%s) - start))" \
		"retrans=$(($(retrans) - rs0))"
	echo "@@NP END"
	for p in $(cat "$CG/cgroup.procs"); do kill -9 "$p" 2>/dev/null; done
	rmdir "$CG" 2>/dev/null
	[ $attached = yes ]
}

# A tier the probe says is missing must be refused: exit 2, one line saying why.
[ "$tiers" = none ] && unavail=
for t in $unavail; do
	case " $tiers " in *" $t "*) ;; *) continue ;; esac
	CG=$CGROOT/np-refuse-$t
	mkdir -p "$CG"
	start=$(date +%s)
	timeout 120 $NP --cgroup "$CG" --duration 1 --format json --attach $t >$T/np.out 2>$T/np.err
	nprc=$?
	begin $t refuse
	tag OUT $T/np.out
	tag ERR $T/np.err
	echo "@@NP STATUS rc=$nprc attached=no secs=$(($(date +%s) - start))"
	echo "@@NP END"
	rmdir "$CG" 2>/dev/null
done

for t in $tiers; do
	[ "$t" = none ] && continue
	case " $unavail " in *" $t "*) continue ;; esac
	for s in $scens; do
		# A tier that cannot attach fails every scenario the same way: say so once.
		run_scenario $t $s || break
	done
done

# Until netoproc ($nppid) says "capture attached" in $T/np.err: 1 if it exits or takes
# two minutes (then it is killed).
attach_wait() {
	i=0
	while ! grep -q "capture attached" $T/np.err; do
		kill -0 $nppid 2>/dev/null || return 1
		i=$((i + 1))
		[ $i -gt 1200 ] && { kill -9 $nppid; return 1; }
		sleep 0.1
	done
}

# np_run TIER SCENARIO WORKLOAD ARGS...: `netoproc ARGS` (trace or drop) in the background
# until attached, then the shell function WORKLOAD (its stderr into $T/wl.out, its result
# lines into $T/wl.lines), then SIGINT; prints the scenario's block.
np_run() {
	tier=$1 scen=$2 workload=$3
	shift 3
	rm -f $T/np.out $T/wl.out $T/wl.lines
	: >$T/np.err
	start=$(date +%s)
	attached=no
	NETOPROC_KFUNC_METHOD=$KFUNC_METHOD timeout 240 $NP "$@" >$T/np.out 2>$T/np.err &
	nppid=$!
	if attach_wait; then
		attached=yes
		# What bpftool, lsof and agents do to a running netoproc: read the fdinfo of
		# its links, maps and programs. 6.18.15 oopsed there on trace's kprobe-multi
		# link made without cookies (the "dmesg" result fails on an oops).
		cat /proc/$nppid/fdinfo/* >/dev/null 2>&1
		$workload 2>>$T/wl.out
		sleep 0.5
		kill -INT $nppid
	fi
	wait $nppid
	nprc=$?
	begin "$tier" "$scen"
	tag OUT $T/np.out
	tag ERR $T/np.err
	tag WLERR $T/wl.out
	[ -f $T/wl.lines ] && cat $T/wl.lines
	echo "@@NP STATUS rc=$nprc attached=$attached secs=$(($(date +%s) - start))"
	echo "@@NP END"
}

wl_ping() {	# busybox pings 127.0.0.1 five times; -A: the next once the reply is in
	ping -c 5 -A 127.0.0.1 >>$T/wl.out 2>&1
	echo "@@NP WL ping {\"rc\":$?}" >$T/wl.lines
}

wl_closed_port() {	# 5 datagrams of 100 bytes to 127.0.0.1:9, where nothing listens
	$WL udp-send --port 9 --count 5 --size 100 >/dev/null
}

# The workloads that wait on each other (wl_gso, tcp_pair) are bounded (WL_TIMEOUT s): a
# hung one fails its block, and the VM goes on to the rest. Twice a 5.10 VM hung in a
# block with tcp_pair until the matrix's 600 s were up (cause not found).
WL_TIMEOUT=60

# One 3000-byte UDP datagram sent as a GSO skb of 1000-byte segments; the sink's socket
# (no UDP_GRO) has skb_segment() copy it into three new skbs.
wl_gso() {
	serve $T/srv.out timeout $WL_TIMEOUT $WL udp-sink --port 5301 --count 3 --idle 30
	timeout $WL_TIMEOUT $WL udp-send --port 5301 --count 1 --size 3000 --segment 1000 >/dev/null
	wait $srv
	wl sink $T/srv.out >$T/wl.lines
}

J="-v --format json --duration 200"
if [ "$(arg np_trace)" != 0 ]; then
	KFUNC_METHOD= np_run trace kfunc_ping wl_ping trace $J --probes full icmp
	KFUNC_METHOD= np_run trace all_skb wl_ping trace $J --probes all-skb icmp
	# fentry comes after kprobes: forced, so that it is tested where both exist.
	KFUNC_METHOD=fentry np_run trace kfunc_fentry wl_ping trace $J --probes full icmp
fi
# drop: the closed port's datagrams under a translated pcap filter.
if [ "$(arg np_drop)" != 0 ]; then
	KFUNC_METHOD= np_run drop closed_port wl_closed_port drop $J udp and dst port 9
fi
# dns: under each tier, an answered query over UDP, one over TCP (the server holds each
# answer 100 ms) and one never answered, reported as a timeout after --dns-timeout 1.
wl_dns() {
	serve $T/srv.out $DNS server --answer 10.9.8.7 --delay-ms 100 --mute lost.test --count 3
	$DNS query --name web.test >$T/q1.out
	$DNS query --name web.test --tcp >$T/q2.out
	$DNS query --name lost.test --timeout-ms 300 >$T/q3.out
	wait $srv
	sleep 1.3
	{ wl udp $T/q1.out; wl tcp $T/q2.out; wl lost $T/q3.out; wl server $T/srv.out; } >$T/wl.lines
}
if [ "$(arg np_dns)" != 0 ]; then
	for t in $tiers; do
		case " none auto $unavail " in *" $t "*) continue ;; esac
		KFUNC_METHOD= np_run $t dns wl_dns dns $J --capture-mode ebpf --attach $t --dns-timeout 1
	done
fi
# One connection to PORT: the client sends 5000 bytes, the server (with SERVER_ARGS...)
# replies 100; both results as workload lines.
tcp_pair() {	# PORT SERVER_ARGS...
	port=$1
	shift
	serve $T/srv.out timeout $WL_TIMEOUT $WL tcp-server --port $port --reply 100 --conns 1 "$@"
	timeout $WL_TIMEOUT $WL tcp-client --port $port --send 5000 --expect 100 >$T/cli.out
	wait $srv
	{ wl client $T/cli.out; wl server $T/srv.out; } >$T/wl.lines
}
# A filter on TCP payload (the client's data is 'n', 0x6e) over loopback, where sendmsg()
# puts the data in page fragments: read from them where /proc/kallsyms lists the bases.
wl_paged() { tcp_pair 5302; }
if [ "$(arg np_trace)" != 0 ]; then
	KFUNC_METHOD= np_run trace paged_payload wl_paged trace $J --probes basic \
		"tcp and dst port 5302 and tcp[((tcp[12:1] & 0xf0) >> 2):1] == 0x6e"
fi
# --track through copies: the filter matches only the big skb, --track must follow the
# segments to the socket.
if [ "$(arg np_copies)" != 0 ]; then
	KFUNC_METHOD= np_run trace track_copies wl_gso trace $J --probes full --track \
		udp and dst port 5301 and greater 2000
fi
# latency: a server that accepts 1 s after it is ready, so the client's 5000 bytes
# wait that long on the accepted socket's queue before they are read.
wl_lat() { tcp_pair 5303 --accept-delay 1000; }
if [ "$(arg np_latency)" != 0 ]; then
	KFUNC_METHOD= np_run latency delayed_reader wl_lat latency $J --send-calls "tcp and port 5303"
fi

echo "@@NP DONE kernel=$K"
dmesg | grep -iE 'bpf|oops|bug|warn|call trace' | head -40 | sed 's/^/@@NP DMESG /'
sync
poweroff -f
