#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian 12 packages netoproc needs to build and test; only what is missing.
set -euo pipefail

packages=(
	# build
	make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libpcap-dev pkg-config
	# tests and benchmark (nethogs: the peer bench/afpacket_vs_nethogs.sh compares with)
	python3 iproute2 iperf3 nftables libcap2-bin util-linux procps nethogs
	# the exporter's tests: a real Prometheus and promtool; systemd-analyze for the unit
	prometheus systemd
	# completion tests: bash-completion's helpers, zsh to parse _netoproc
	bash-completion zsh
	# DNS and TLS peers of the DNS tests; libFuzzer for the parsers' fuzzing
	dnsmasq-base bind9-dnsutils openssl libclang-rt-14-dev
	# the terminal UI and its tests
	libncurses-dev tmux
	# kernel matrix (tests/kernels): qemu VMs booting Debian kernels from a busybox initramfs
	qemu-system-x86 busybox-static cpio gzip dpkg apt debian-archive-keyring
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: need root to install: ${missing[*]}" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
