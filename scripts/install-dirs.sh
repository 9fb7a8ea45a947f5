# SPDX-License-Identifier: GPL-2.0-only
# Where install.sh puts things and uninstall.sh removes them from: sourced by both,
# so the two never disagree. Needs $prefix; honours DESTDIR and the overrides below.
mandir=${DESTDIR:-}${MANDIR:-$prefix/share/man}/man8
bashcompdir=${DESTDIR:-}${BASHCOMPDIR:-$prefix/share/bash-completion/completions}
zshcompdir=${DESTDIR:-}${ZSHCOMPDIR:-$prefix/share/zsh/site-functions}
unitdir=${DESTDIR:-}${UNITDIR:-$prefix/lib/systemd/system}
datadir=${DESTDIR:-}${DATADIR:-$prefix/share/netoproc}
