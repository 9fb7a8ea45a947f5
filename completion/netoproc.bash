# SPDX-License-Identifier: GPL-2.0-only
# bash completion for netoproc: subcommands, their options and the values of those
# that take a fixed set. Keep in sync with each subcommand's --help (a test checks).

_netoproc()
{
	local cur prev words cword
	_init_completion || return

	local sub="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		probe | trace | drop | diagnose | dns | export | latency) sub=${words[i]}; break ;;
		-*) ;;
		*) ;;
		esac
	done

	case $prev in
	--format)
		case $sub in
		"") COMPREPLY=($(compgen -W 'tsv json pretty' -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W 'text json' -- "$cur")) ;;
		esac
		return ;;
	--capture-mode) COMPREPLY=($(compgen -W 'auto ebpf afpacket' -- "$cur")); return ;;
	--attach) COMPREPLY=($(compgen -W 'auto tracepoint fentry kprobe' -- "$cur")); return ;;
	--sort) COMPREPLY=($(compgen -W 'traffic pid name connections' -- "$cur")); return ;;
	--units) COMPREPLY=($(compgen -W 'bytes bits' -- "$cur")); return ;;
	--group) COMPREPLY=($(compgen -W 'process container pod cgroup unit netns' -- "$cur")); return ;;
	--probes) COMPREPLY=($(compgen -W 'basic standard full all-skb' -- "$cur")); return ;;
	--by) COMPREPLY=($(compgen -W 'process dev' -- "$cur")); return ;;
	--interface | --ifname) _available_interfaces; return ;;
	--btf | --rules) _filedir; return ;;
	--pid) _pids; return ;;
	--labels)
		local done_=${cur%,*} last=${cur##*,}
		[[ $cur == *,* ]] && done_="$done_," || done_=""
		COMPREPLY=($(compgen -P "$done_" -W 'process container pod unit pid' -- "$last"))
		compopt -o nospace 2>/dev/null
		return ;;
	--duration | --interval | --count | --capture-buffer | --dns-port | --dns-timeout | \
	--filter | --cgroup | --netns | --mark | --listen | --max-series | --series-ttl | \
	--container | --unit | --max-inflight | --explain)
		return ;;
	esac

	local opts
	case $sub in
	"")
		opts='--duration --interval --format --capture-mode --attach --btf --interface
		      --cgroup --pid --filter --container --netns --unit --group --sort
		      --capture-buffer --no-dns --dns-port
		      --dns-timeout --resolve --no-color --units --monitor --verbose --version
		      --help'
		if [[ $cur != -* ]]; then
			COMPREPLY=($(compgen -W 'probe trace drop diagnose dns export latency' -- "$cur"))
			return
		fi ;;
	probe) opts='--format --help' ;;
	trace) opts='--probes --format --timeline --track --duration --count --container
		     --netns --ifname --mark --pid --verbose --help' ;;
	drop) opts='--format --summary --interval --duration --count --container --netns
		    --ifname --mark --pid --verbose --help' ;;
	latency) opts='--interval --by --max-inflight --connections --send-calls --threshold
		       --format --duration --container --netns --ifname --mark --pid --verbose
		       --help' ;;
	diagnose) opts='--duration --interval --rules --format --explain --dns-timeout --netns --ifname
			--mark --pid --verbose --help' ;;
	dns) opts='--duration --format --summary --pid --filter --dns-port --dns-timeout
		   --capture-mode --attach --interface --verbose --help' ;;
	export) opts='--listen --labels --max-series --series-ttl --interval --capture-mode
		      --attach --interface --cgroup --capture-buffer --no-dns --dns-port
		      --dns-timeout --drops --latency --latency-send-calls --verbose --help' ;;
	esac
	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _netoproc netoproc
