#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Fetch the Debian cloud kernels of the kernel matrix, once: 5.10 (bullseye), 6.1
# (bookworm), 6.12 (bookworm-backports or trixie), 6.18 (trixie-backports) and 7.x (the
# newest 7.x of trixie-backports, forky or sid).
# Uses a private apt configuration built from the machine's own Debian source URIs; the
# machine's sources, lists and caches stay untouched. Only the vmlinuz is kept from each
# package: boot/vmlinuz-* up to 6.18, usr/lib/modules/<version>/vmlinuz in the
# linux-binary-* packages of 7.x (whose linux-image-* is only a meta package).
#
#   fetch-kernels.sh [--refresh]   -> $KERNEL_CACHE/<series>/vmlinuz and .../package
#   KERNEL_SERIES="6.18 7.x" fetch-kernels.sh      -> only those
#
# KERNEL_CACHE defaults to /var/cache/netoproc/kernels (outside the work tree, so it is
# reused between runs and checkouts). --refresh looks for newer packages again.
set -euo pipefail

CACHE=${KERNEL_CACHE:-/var/cache/netoproc/kernels}
SERIES=${KERNEL_SERIES:-"5.10 6.1 6.12 6.18 7.x"}
refresh=0
[ "${1:-}" = "--refresh" ] && refresh=1

# series -> package-name pattern (ERE, matched by apt-cache search --names-only).
# The ABI part is discovered; only the upstream series is named.
pattern() {
	case $1 in
	5.10) echo '^linux-image-5\.10\.0-[0-9]+-cloud-amd64-unsigned$' ;;
	6.1) echo '^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' ;;
	6.12) echo '^linux-image-6\.12\.[0-9]+[^-]*-cloud-amd64-unsigned$' ;;
	# With or without -unsigned (both spellings exist in trixie-backports).
	6.18) echo '^linux-image-6\.18\.[0-9]+[^-]*-cloud-amd64(-unsigned)?$' ;;
	# 7.x: the kernel is in linux-binary-*; linux-image-* there is a meta package.
	7.x) echo '^linux-binary-7\.[0-9]+\.[0-9]+[^-]*-cloud-amd64$' ;;
	*) echo "fetch-kernels: unknown series $1" >&2; return 1 ;;
	esac
}

need=()
for s in $SERIES; do
	pattern "$s" >/dev/null
	if [ $refresh -eq 1 ] || [ ! -s "$CACHE/$s/vmlinuz" ]; then
		need+=("$s")
	fi
done
if [ ${#need[@]} -eq 0 ]; then
	for s in $SERIES; do echo "fetch-kernels: $s cached: $(cat "$CACHE/$s/package")"; done
	exit 0
fi

# The private apt configuration: sources.list, lists and cache all under $CACHE/apt.
D=$CACHE/apt
mkdir -p "$D/lists/partial" "$D/cache/archives/partial" "$CACHE/debs"
src=/etc/apt/sources.list.d/debian.sources
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
main_uri=$(sed -n 's/^URIs:[[:space:]]*//p' "$src" | tr ' ' '\n' | grep -v security | head -1)
if [ -z "$main_uri" ]; then
	echo "fetch-kernels: no Debian archive URI in $src" >&2
	exit 1
fi
# The main archive only: the security archive's indexes list kernels its pool here does
# not serve (404). trixie-backports has 6.18 and 7.x; forky and sid (7.2) are the
# fallback for 7.x.
for suite in bullseye bookworm bookworm-backports trixie trixie-backports forky sid; do
	echo "deb [signed-by=$keyring] $main_uri $suite main"
done > "$D/sources.list"
rm -f "$D"/lists/*security*

apt_opts=(-o "Dir::Etc::sourcelist=$D/sources.list" -o Dir::Etc::sourceparts=/dev/null
	-o "Dir::State::Lists=$D/lists" -o "Dir::Cache=$D/cache"
	-o Acquire::Languages=none -o APT::Sandbox::User=root)
echo "fetch-kernels: updating private apt lists in $D"
apt-get "${apt_opts[@]}" -qq update

# Newest first: "PACKAGE VERSION" lines of every package of the series in any suite.
candidates() {
	local p
	for p in $(apt-cache "${apt_opts[@]}" search --names-only "$(pattern "$1")" | awk '{print $1}'); do
		apt-cache "${apt_opts[@]}" madison "$p" | awk -F'|' '{gsub(/ /,""); print $1, $2}'
	done | sort -V -k2 -r
}

for s in "${need[@]}"; do
	got=
	while read -r pkg ver; do
		rm -f "$CACHE/debs/"*.deb
		if (cd "$CACHE/debs" && apt-get "${apt_opts[@]}" -qq download "$pkg=$ver"); then
			got="$pkg $ver"
			break
		fi
		echo "fetch-kernels: $pkg $ver not downloadable, trying an older one" >&2
	done < <(candidates "$s")
	if [ -z "$got" ]; then
		echo "fetch-kernels: no downloadable package for $s ($(pattern "$s"))" >&2
		exit 1
	fi
	echo "fetch-kernels: $s -> $got"
	# apt-get download may spell + as %2b in the file name: there is only one .deb.
	deb=$(ls "$CACHE/debs/"*.deb)
	tmp=$(mktemp -d)
	# Only the vmlinuz: the rest (modules) is not needed, the VM runs from an initramfs.
	# boot/vmlinuz-<version> up to 6.18, usr/lib/modules/<version>/vmlinuz in 7.x's
	# linux-binary-*.
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards --no-wildcards-match-slash \
		'./boot/vmlinuz-*' './usr/lib/modules/*/vmlinuz' 2>/dev/null || true
	vmlinuz=
	for f in "$tmp"/boot/vmlinuz-* "$tmp"/usr/lib/modules/*/vmlinuz; do
		[ -f "$f" ] && { vmlinuz=$f; break; }
	done
	if [ -z "$vmlinuz" ]; then
		echo "fetch-kernels: no vmlinuz in $(basename "$deb")" >&2
		rm -rf "$tmp" "$deb"
		exit 1
	fi
	mkdir -p "$CACHE/$s"
	mv "$vmlinuz" "$CACHE/$s/vmlinuz.new"
	rm -rf "$tmp" "$deb"
	mv "$CACHE/$s/vmlinuz.new" "$CACHE/$s/vmlinuz"
	echo "$got" > "$CACHE/$s/package"
done
for s in $SERIES; do echo "fetch-kernels: $s: $(cat "$CACHE/$s/package")"; done
