# SPDX-License-Identifier: GPL-2.0-only
# netoproc build: BPF objects -> bpftool skeletons -> one userspace binary.
# `make` builds build/netoproc, `make STATIC=1` a static one, `make test` runs every test.

OUTPUT    ?= build
CLANG     ?= clang
BPFTOOL   ?= bpftool
CC        ?= gcc
ARCH      := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

ifeq ($(V),1)
Q =
else
Q = @
endif

WARN      := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2
CFLAGS    ?= -O2 -g
CFLAGS    += $(WARN) -std=gnu11 -D_GNU_SOURCE -DNETOPROC_VERSION='"$(VERSION)"' \
             -I$(OUTPUT) -Isrc
# Where `netoproc diagnose` finds its shipped rules: installed, else this source tree.
PREFIX    ?= /usr/local
CFLAGS    += -DNETOPROC_RULES_INSTALLED='"$(PREFIX)/share/netoproc/diagnose.rules"' \
             -DNETOPROC_RULES_SOURCE='"$(CURDIR)/support/diagnose.rules"'
ifeq ($(CI),true)
CFLAGS    += -Werror
endif
LIBS      := -lbpf -lelf -lz -lpcap -lncursesw -ltinfo -lm
ifeq ($(STATIC),1)
LDFLAGS   += -static
# Debian's libpcap.a needs libdbus-1.a, which needs two systemd symbols: see the shim.
LIBS      += -ldbus-1
STATIC_OBJS := $(OUTPUT)/static_shims.o
endif

BPF_SRCS  := $(wildcard src/bpf/*.bpf.c)
BPF_OBJS  := $(patsubst src/bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst src/bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
# Userspace sources: src/main.c and one folder per capability (src/README.md's table).
APP_SRCS  := $(wildcard src/*.c src/*/*.c src/*/*/*.c)
APP_SRCS  := $(filter-out src/bpf/%,$(APP_SRCS))
APP_HDRS  := $(filter-out src/bpf/%,$(wildcard src/*/*.h src/*/*/*.h))
APP_OBJS  := $(patsubst src/%.c,$(OUTPUT)/obj/%.o,$(APP_SRCS))
LIB_OBJS  := $(filter-out $(OUTPUT)/obj/main.o,$(APP_OBJS))

TEST_BPF_SRCS := $(wildcard tests/bpf/*.bpf.c)
TEST_SKELS := $(patsubst tests/bpf/%.bpf.c,$(OUTPUT)/tests-bpf/%.skel.h,$(TEST_BPF_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
WL_SRCS   := $(wildcard tests/workloads/*.c)
WL_BINS   := $(patsubst tests/workloads/%.c,$(OUTPUT)/workloads/%,$(WL_SRCS))

.DELETE_ON_ERROR:
.PHONY: all clean test unit integration bench deps install uninstall kernel-matrix soak

all: $(OUTPUT)/netoproc

$(OUTPUT) $(OUTPUT)/tests $(OUTPUT)/tests-bpf $(OUTPUT)/workloads:
	$(Q)mkdir -p $@

# vmlinux.h is generated from the running kernel's BTF; CO-RE relocates it elsewhere.
$(OUTPUT)/vmlinux.h: | $(OUTPUT)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(OUTPUT)/%.bpf.o: src/bpf/%.bpf.c $(wildcard src/bpf/*.h) $(OUTPUT)/vmlinux.h
	@echo "  BPF     $@"
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(OUTPUT) -Isrc \
		-Wall -Wno-unused-function -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# BPF objects of the tests themselves (skeletons in tests-bpf/).
$(OUTPUT)/tests-bpf/%.bpf.o: tests/bpf/%.bpf.c $(wildcard src/bpf/*.h) $(OUTPUT)/vmlinux.h | $(OUTPUT)/tests-bpf
	@echo "  BPF     $@"
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(OUTPUT) -Isrc \
		-Wall -Wno-unused-function -c $< -o $@

$(OUTPUT)/obj/%.o: src/%.c $(APP_HDRS) $(wildcard src/bpf/*_abi.h) $(SKELS) | $(OUTPUT)
	@echo "  CC      $@"
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/static_shims.o: support/static_shims.c | $(OUTPUT)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/netoproc: $(APP_OBJS) $(STATIC_OBJS)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LIBS) -o $@

$(OUTPUT)/tests/%: tests/unit/%.c tests/unit/harness.h $(LIB_OBJS) $(TEST_SKELS) | $(OUTPUT)/tests
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -Itests/unit -I$(OUTPUT)/tests-bpf $< $(LIB_OBJS) $(LIBS) -o $@

$(OUTPUT)/workloads/%: tests/workloads/%.c | $(OUTPUT)/workloads
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@

unit: $(UNIT_BINS)
	$(Q)tests/run-unit.sh $(UNIT_BINS)

integration: $(OUTPUT)/netoproc $(WL_BINS)
	$(Q)python3 tests/integration/run.py

# Every test: unit tests, then the root/BPF integration tests.
test: $(OUTPUT)/netoproc $(UNIT_BINS) $(WL_BINS)
	$(Q)tests/run-all.sh

deps:
	$(Q)scripts/install-deps.sh

# Every attach tier on Debian's 5.10/6.1/6.12 cloud kernels under qemu (tests/kernels/).
kernel-matrix:
	$(Q)tests/kernels/run-matrix.sh

# The monitor's soak in both capture modes (tests/soak/; SOAK_MINUTES, 60): not in CI.
soak: $(OUTPUT)/netoproc $(WL_BINS)
	$(Q)SOAK_MINUTES=$(or $(SOAK_MINUTES),60) python3 tests/soak/soak.py

bench: $(OUTPUT)/netoproc $(WL_BINS)
	$(Q)OUTPUT=$(OUTPUT) bench/run.sh

# PREFIX, DESTDIR (and MANDIR, BASHCOMPDIR, ZSHCOMPDIR, UNITDIR): see scripts/install.sh.
install: $(OUTPUT)/netoproc
	$(Q)scripts/install.sh $(OUTPUT)/netoproc

uninstall:
	$(Q)scripts/uninstall.sh

clean:
	$(Q)rm -rf $(OUTPUT)

# libFuzzer harnesses (tests/fuzz/), each on its parser's sources alone (fuzz_cli: every
# source but main.c, for every subcommand's option parser), built with
# clang's libFuzzer and sanitizers. `make fuzz` runs each FUZZ_RUNS inputs from its
# committed corpus (FUZZ_JOBS harnesses at a time); `make test` runs each briefly.
FUZZ_CC    ?= clang
FUZZ_RUNS  ?= 10000000
FUZZ_JOBS  ?= 1
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
              $(WARN) -Werror -std=gnu11 -D_GNU_SOURCE -Isrc
FUZZ_ONE   := $(OUTPUT)/fuzz/fuzz_dns_msg $(OUTPUT)/fuzz/fuzz_tls_sni \
              $(OUTPUT)/fuzz/fuzz_packet_parse $(OUTPUT)/fuzz/fuzz_cbpf_translate \
              $(OUTPUT)/fuzz/fuzz_proc_parsers
FUZZ_BINS  := $(FUZZ_ONE) $(OUTPUT)/fuzz/fuzz_cli
# fuzz_cli reaches every subcommand's parser: the whole program but main.c, instrumented.
FUZZ_APP_OBJS := $(patsubst src/%.c,$(OUTPUT)/fuzz/obj/%.o,$(filter-out src/main.c,$(APP_SRCS)))

.PHONY: fuzz fuzz-build

$(OUTPUT)/fuzz:
	$(Q)mkdir -p $@

$(OUTPUT)/fuzz/fuzz_dns_msg: tests/fuzz/fuzz_dns_msg.c src/dns/dns_msg.c src/dns/dns_msg.h | $(OUTPUT)/fuzz
$(OUTPUT)/fuzz/fuzz_tls_sni: tests/fuzz/fuzz_tls_sni.c src/dns/tls_sni.c src/dns/tls_sni.h | $(OUTPUT)/fuzz
$(OUTPUT)/fuzz/fuzz_packet_parse: tests/fuzz/fuzz_packet_parse.c src/monitor/capture/packet_parse.c \
	src/monitor/capture/packet_parse.h | $(OUTPUT)/fuzz
$(OUTPUT)/fuzz/fuzz_cbpf_translate: tests/fuzz/fuzz_cbpf_translate.c tests/fuzz/ebpf_interp.c \
	tests/fuzz/pcap_ref.c src/filter/cbpf_translate.c src/filter/cbpf_need.c \
	tests/fuzz/ebpf_interp.h tests/fuzz/pcap_ref.h src/filter/cbpf_translate.h \
	src/filter/cbpf_need.h | $(OUTPUT)/fuzz
$(OUTPUT)/fuzz/fuzz_cbpf_translate: FUZZ_LIBS := -lpcap
$(OUTPUT)/fuzz/fuzz_proc_parsers: tests/fuzz/fuzz_proc_parsers.c \
	src/monitor/capture/sock_diag.c src/lib/procinfo.c src/lib/ifstats.c src/lib/util.c \
	src/monitor/capture/proc_parse.c src/monitor/capture/proc_parse.h \
	src/monitor/capture/sock_diag.h src/lib/procinfo.h src/lib/ifstats.h src/lib/util.h \
	| $(OUTPUT)/fuzz
$(FUZZ_ONE):
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -Itests/fuzz $(filter %.c,$^) $(FUZZ_LIBS) -o $@

# The skeletons only order-only: they are intermediate (deleted after each make), and the
# option parsers fuzz_cli runs do not depend on them; a rebuild of all is `rm -r build/fuzz/obj`.
$(OUTPUT)/fuzz/obj/%.o: src/%.c $(APP_HDRS) $(wildcard src/bpf/*_abi.h) | $(SKELS) $(OUTPUT)/fuzz
	@echo "  FUZZCC  $@"
	$(Q)mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(filter-out -Werror,$(FUZZ_FLAGS)) -Wno-unused-parameter -Wno-format-nonliteral \
		-DNETOPROC_VERSION='"$(VERSION)"' -I$(OUTPUT) -c $< -o $@

$(OUTPUT)/fuzz/fuzz_cli: tests/fuzz/fuzz_cli.c $(FUZZ_APP_OBJS) | $(OUTPUT)/fuzz
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -Wno-unused-parameter -I$(OUTPUT) $^ $(LIBS) -o $@

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	$(Q)OUTPUT=$(OUTPUT) FUZZ_JOBS=$(FUZZ_JOBS) tests/run-fuzz.sh $(FUZZ_RUNS)

# make test: a short run of each harness (tests/run-all.sh calls tests/run-fuzz.sh).
test: $(FUZZ_BINS)
