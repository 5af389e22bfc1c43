# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# modwall build. `make` builds build/modwall; `make test`, `make demo` and
# `make bench` install their Debian dependencies first (make deps).
# `make check` is the quick loop (under a minute; root for BPF_PROG_TEST_RUN):
# unit tests under ASan/UBSan, the policy corpus, the packet, table,
# registry and enforcement fixtures, and the differential test over
# CHECK_FRAMES frames; no network namespaces, no VM.

PREFIX   ?= /usr/local
DESTDIR  ?=
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man

CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine)
O        := build

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -Iinclude -Iuser/lib -Iuser/cli -Iuser/daemon -I$(O) -MMD -MP \
	    $(shell pkg-config --cflags json-c 2>/dev/null) \
	    $(shell pkg-config --cflags libnl-3.0 libnl-route-3.0 2>/dev/null)
# What the library needs (ldns: DNS messages; libmaxminddb, libGeoIP: countries); the CLI adds libpcap (capture), the daemon
# libmicrohttpd, nettle (RADIUS authenticators), libnl (link watch) and
# libfixbuf (IPFIX export; its GLib headers only for user/daemon/ipfix.c).
LIB_LDLIBS := -lxdp -lbpf -lelf -lz -lldns $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c) \
	      -lmaxminddb -lGeoIP
CLI_LDLIBS := $(LIB_LDLIBS) -lpcap
LDLIBS     := $(LIB_LDLIBS) -lmicrohttpd -lnettle \
	      $(shell pkg-config --libs libnl-3.0 libnl-route-3.0 2>/dev/null || echo -lnl-route-3 -lnl-3) \
	      $(shell pkg-config --libs libfixbuf 2>/dev/null || echo -lfixbuf -lglib-2.0)
FIXBUF_CFLAGS := $(shell pkg-config --cflags libfixbuf 2>/dev/null)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
BPFFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -Iinclude -I$(ARCH_INC) -MMD -MP

# Debian packages for building, testing and the demo.
DEB_PKGS := clang llvm gcc make pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev \
	    libjson-c-dev libnl-3-dev libnl-route-3-dev libcmocka-dev ieee-data \
	    iproute2 iputils-ping python3-scapy netsniff-ng tcpdump libpcap-dev bc strace \
	    libmicrohttpd-dev prometheus curl xdp-tools libxdp-dev nftables linux-perf \
	    nettle-dev freeradius-utils qemu-system-x86 busybox-static cpio \
	    libmaxminddb-dev libgeoip-dev geoip-database libmaxmind-db-writer-perl libldns-dev dnsmasq \
	    libfixbuf-dev nfdump

# user/lib: the library (maps, loader, policy, compile, apply, bindings,
# registry, MUD); user/cli: the modwall command; user/daemon: modwalld.
# user/cli/out.c (diagnostics, JSON, option tables), jsonw.c (the streaming
# JSON writer) and values.c (option values) serve both programs.
LIB_SRCS    := $(sort $(wildcard user/lib/*.c)) user/cli/out.c user/cli/values.c user/cli/jsonw.c
CLI_SRCS    := $(filter-out user/cli/out.c user/cli/values.c user/cli/jsonw.c,$(sort $(wildcard user/cli/*.c)))
DAEMON_SRCS := $(filter-out user/daemon/modwalld.c,$(sort $(wildcard user/daemon/*.c)))
LIB_OBJS    := $(LIB_SRCS:%.c=$(O)/%.o)
CLI_OBJS    := $(CLI_SRCS:%.c=$(O)/%.o)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(O)/%.o)
ASAN_LIB_OBJS := $(LIB_SRCS:%.c=$(O)/asan/%.o) $(DAEMON_SRCS:%.c=$(O)/asan/%.o)

UNIT_TESTS := $(O)/tests/test_addr $(O)/tests/test_file $(O)/tests/test_geo $(O)/tests/test_ieee $(O)/tests/test_policy $(O)/tests/test_mud $(O)/tests/test_observe $(O)/tests/test_metrics $(O)/tests/test_radius \
	      $(O)/tests/test_dns $(O)/tests/test_namecache $(O)/tests/test_suggest $(O)/tests/test_jsonw
PKT_TESTS  := $(O)/tests/test_pkt $(O)/tests/test_tables $(O)/tests/test_registry $(O)/tests/test_gtp \
	      $(O)/tests/test_flows $(O)/tests/test_flood $(O)/tests/test_disc
FUZZ_SECONDS ?= 60
FUZZ_DNS_SECONDS ?= 60
SOAK_SECONDS ?= 1800

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2);
endif

.DELETE_ON_ERROR:
.PHONY: all deps check test unit pkttest difftest fuzz applytest e2e enforcetest observetest flowstest namestest suggesttest gtptest daemontest ipfixtest radiustest linkwatchtest coexisttest vmtest policytest clitest installtest statetest demotest soak soaktest demo bench geobench clean install

all: $(O)/modwall $(O)/modwalld

$(O)/modwall.bpf.o: bpf/modwall.bpf.c | $(O)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPFFLAGS) -c $< -o $@

$(O)/modwall.skel.h: $(O)/modwall.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name modwall_bpf > $@

$(O)/entry.bpf.o: bpf/entry.bpf.c | $(O)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPFFLAGS) -c $< -o $@

$(O)/entry.skel.h: $(O)/entry.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name entry_bpf > $@

$(O)/user/lib/xdp_entry.o $(O)/asan/user/lib/xdp_entry.o: $(O)/entry.skel.h

$(O)/user/daemon/ipfix.o $(O)/asan/user/daemon/ipfix.o: CFLAGS += $(FIXBUF_CFLAGS)

$(O)/user/%.o: user/%.c $(O)/modwall.skel.h
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(O)/asan/user/%.o: user/%.c $(O)/modwall.skel.h
	@mkdir -p $(@D)
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -c $< -o $@

$(O)/libmodwall.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(O)/libmodwall-asan.a: $(ASAN_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(O)/libmodwalld.a: $(DAEMON_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(O)/modwall: $(CLI_OBJS) $(O)/libmodwall.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(CLI_LDLIBS)

$(O)/modwalld: $(O)/user/daemon/modwalld.o $(O)/libmodwalld.a $(O)/libmodwall.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests: cmocka, under ASan/UBSan.
$(O)/tests/test_%: tests/unit/test_%.c $(O)/libmodwall-asan.a
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# Country databases: the MaxMind DB fixtures are written at build time
# (libmaxmind-db-writer-perl), so the expected answers are the test's own.
GEO_DBS := $(O)/tests/geo/geo6.mmdb $(O)/tests/geo/geo4.mmdb
$(GEO_DBS) &: tests/unit/data/geo/mkmmdb.pl
	@mkdir -p $(O)/tests/geo
	$(call msg,GEN,$(O)/tests/geo/)
	$(Q)perl $< $(O)/tests/geo

$(O)/tests/test_policy: tests/unit/test_policy.c $(O)/libmodwall-asan.a $(GEO_DBS)
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -DGEO_DATA='"$(O)/tests/geo"' -o $@ $< \
		$(O)/libmodwall-asan.a $(LDLIBS) -lcmocka

$(O)/tests/test_geo: tests/unit/test_geo.c $(O)/libmodwall-asan.a $(GEO_DBS)
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -DGEO_DATA='"$(O)/tests/geo"' -o $@ $< $(O)/libmodwall-asan.a \
		$(LDLIBS) -lcmocka

$(O)/tests/test_observe: tests/observe/test_observe.c $(O)/libmodwall-asan.a
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(O)/tests/test_metrics: tests/daemon/test_metrics.c $(O)/libmodwall-asan.a $(GEO_DBS)
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -DGEO_DATA='"$(O)/tests/geo"' -o $@ $< \
		$(O)/libmodwall-asan.a $(LDLIBS) -lcmocka

$(O)/tests/test_radius: tests/radius/test_radius.c $(O)/libmodwall-asan.a
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(O)/tests/radiusd_test: tests/radius/radiusd_test.c $(O)/libmodwalld.a $(O)/libmodwall.a
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# the datagram path only: processing and the packet format, no socket
FUZZ_RADIUS_SRCS := user/daemon/radius.c user/daemon/radius_pkt.c
$(O)/tests/fuzz_radius: tests/radius/fuzz_radius.c $(FUZZ_RADIUS_SRCS) $(O)/libmodwall.a
	@mkdir -p $(@D)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) -std=gnu11 -O1 -g -Wall -Wextra -Werror -Iinclude -Iuser/lib -Iuser/cli -Iuser/daemon -I$(O) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ tests/radius/fuzz_radius.c $(FUZZ_RADIUS_SRCS) $(O)/libmodwall.a $(LDLIBS)

# DNS messages into the name cache; the library's two files built with the
# fuzzer's instrumentation, ldns as Debian ships it.
FUZZ_DNS_SRCS := user/lib/dns.c user/lib/namecache.c
$(O)/tests/fuzz_dns: tests/unit/fuzz_dns.c $(FUZZ_DNS_SRCS) user/lib/dns.h user/lib/namecache.h
	@mkdir -p $(@D)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) -std=gnu11 -O1 -g -Wall -Wextra -Werror -Iinclude -Iuser/lib \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ tests/unit/fuzz_dns.c $(FUZZ_DNS_SRCS) -lldns

# Test fixtures for the data path (tests/lib/fixture.h): skeleton loads,
# frames, BPF_PROG_TEST_RUN, per-CPU counters. libbpf only.
FIXTURE_CFLAGS := -Itests/lib
$(O)/tests/fixture.o: tests/lib/fixture.c $(O)/modwall.skel.h
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(FIXTURE_CFLAGS) -c $< -o $@

# Packet tests: BPF_PROG_TEST_RUN on the real object (needs root).
$(O)/tests/test_pkt: tests/pkt/test_pkt.c $(O)/tests/fixture.o $(O)/libmodwall.a $(O)/modwall.skel.h
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(FIXTURE_CFLAGS) -o $@ $< $(O)/tests/fixture.o $(O)/libmodwall.a $(LDLIBS) -lcmocka

# Flows and the tc egress program, policies through the real apply path.
$(O)/tests/test_flows: tests/pkt/test_flows.c $(O)/tests/fixture.o $(O)/libmodwall.a $(O)/modwall.skel.h
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(FIXTURE_CFLAGS) -o $@ $< $(O)/tests/fixture.o $(O)/libmodwall.a $(LDLIBS) -lcmocka

# Exact counting of one device flooding from every CPU at once.
$(O)/tests/test_flood: tests/pkt/test_flood.c $(O)/tests/fixture.o $(O)/libmodwall.a $(O)/modwall.skel.h
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(FIXTURE_CFLAGS) -o $@ $< $(O)/tests/fixture.o $(O)/libmodwall.a $(LDLIBS) -lcmocka -lpthread

# Discovery: the table and its LRU overflow, exact counts, two CPUs at once.
$(O)/tests/test_disc: tests/pkt/test_disc.c $(O)/tests/fixture.o $(O)/libmodwall.a $(O)/modwall.skel.h
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(FIXTURE_CFLAGS) -o $@ $< $(O)/tests/fixture.o $(O)/libmodwall.a $(LDLIBS) -lcmocka -lpthread

# GTP-U packet tests: frames from scapy's GTP layer, written at build time.
$(O)/tests/gtp_frames.txt: tests/gtp/frames.py
	@mkdir -p $(@D)
	$(call msg,GEN,$@)
	$(Q)/usr/bin/python3 $< $@
$(O)/tests/test_gtp: tests/gtp/test_gtp.c $(O)/tests/fixture.o $(O)/libmodwall.a $(O)/modwall.skel.h \
		$(O)/tests/gtp_frames.txt
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(FIXTURE_CFLAGS) -o $@ $< $(O)/tests/fixture.o $(O)/libmodwall.a $(LDLIBS) -lcmocka
# Differential test: the data path against a reference model written from the spec.
DIFF_SRCS := tests/diff/diff.c tests/diff/ref.c tests/diff/ref_flows.c tests/diff/harness.c \
	     tests/lib/fixture.c user/lib/maps_read.c
FUZZ_SRCS := tests/diff/fuzz.c tests/diff/ref.c tests/diff/harness.c tests/lib/fixture.c \
	     user/lib/maps_read.c
DIFF_HDRS := tests/diff/ref.h tests/diff/ref_flows.h tests/diff/harness.h tests/lib/fixture.h \
	     $(O)/modwall.skel.h

$(O)/tests/diff: $(DIFF_SRCS) $(DIFF_HDRS)
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(FIXTURE_CFLAGS) -o $@ $(DIFF_SRCS) -lbpf -lelf -lz

$(O)/tests/diff-fuzz: $(FUZZ_SRCS) $(DIFF_HDRS)
	@mkdir -p $(@D)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) -std=gnu11 -O1 -g -Wall -Wextra -Werror -Iinclude -Iuser/lib -Iuser/cli -Iuser/daemon -I$(O) \
		$(FIXTURE_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $(FUZZ_SRCS) -lbpf -lelf -lz

# Tests of the apply path against a loaded (not attached) program.
$(O)/tests/test_%: tests/apply/test_%.c $(O)/tests/fixture.o $(O)/libmodwall.a $(O)/modwall.skel.h
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(FIXTURE_CFLAGS) -o $@ $< $(O)/tests/fixture.o $(O)/libmodwall.a $(LDLIBS) -lcmocka

# Enforcement: allow-lists and rate limits through the real apply path.
$(O)/tests/test_enforce: tests/enforce/test_enforce.c $(O)/tests/fixture.o $(O)/libmodwall.a $(O)/modwall.skel.h
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(FIXTURE_CFLAGS) -o $@ $< $(O)/tests/fixture.o $(O)/libmodwall.a $(LDLIBS) -lcmocka

$(O)/tests/rate_accuracy: tests/enforce/rate_accuracy.c $(O)/tests/fixture.o $(O)/libmodwall.a $(O)/modwall.skel.h
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(FIXTURE_CFLAGS) -o $@ $< $(O)/tests/fixture.o $(O)/libmodwall.a $(LDLIBS) -lpthread -lm

$(O):
	@mkdir -p $@

deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS     installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi

# The quick loop: everything that needs no network namespace and no VM.
# The differential test runs CHECK_FRAMES frames (make difftest: 100000).
CHECK_FRAMES ?= 20000
check: $(O)/modwall $(UNIT_TESTS) $(PKT_TESTS) $(O)/tests/test_enforce $(O)/tests/diff
	@$(MAKE) --no-print-directory unit policytest pkttest
	@$(O)/tests/test_enforce
	@echo "  DIFF     $(CHECK_FRAMES) frames (make difftest runs 100000)"
	@$(O)/tests/diff --frames $(CHECK_FRAMES)

unit: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do $$t || exit 1; done

pkttest: $(PKT_TESTS)
	@for t in $(PKT_TESTS); do $$t || exit 1; done

difftest: $(O)/tests/diff
	@$(O)/tests/diff --frames 100000

# make fuzz [FUZZ_SECONDS=N] [FUZZ_DNS_SECONDS=N]: libFuzzer over the
# differential harness, then over the DNS parser and name cache (seeded
# with tests/unit/data/dns; new inputs stay under build/)
fuzz: deps
	@$(MAKE) --no-print-directory $(O)/tests/diff-fuzz $(O)/tests/fuzz_dns
	@mkdir -p $(O)/fuzz-corpus
	@$(O)/tests/diff --frames 2000 --corpus $(O)/fuzz-corpus >/dev/null
	@$(O)/tests/diff-fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(O)/fuzz-corpus
	@mkdir -p $(O)/fuzz-dns-corpus && cp tests/unit/data/dns/*.bin $(O)/fuzz-dns-corpus/
	@$(O)/tests/fuzz_dns -max_total_time=$(FUZZ_DNS_SECONDS) -max_len=4096 -print_final_stats=1 \
		$(O)/fuzz-dns-corpus

policytest: $(O)/modwall
	@tests/policy/run.sh $(O)/modwall

# Every command's JSON output and exit status (namespaces: run under the lock).
clitest: $(O)/modwall $(O)/modwalld
	@tests/cli/json.sh $(O)/modwall

# Pinned state that never lies: pins removed by hand, a bpffs mount, jumbo MTU.
statetest: $(O)/modwall
	@tests/state/run.sh $(O)/modwall

e2e: $(O)/modwall
	@tests/e2e/run.sh $(O)/modwall

applytest: $(O)/modwall
	@tests/apply/atomic.sh $(O)/modwall

enforcetest: $(O)/tests/test_enforce $(O)/modwall
	@$(O)/tests/test_enforce
	@tests/enforce/e2e.sh $(O)/modwall

observetest: $(O)/modwall $(GEO_DBS)
	@MW_GEO_DB=$(O)/tests/geo/geo4.mmdb tests/observe/run.sh $(O)/modwall

# Flows on a NAT gateway: uploads by XDP, downloads by tc egress after de-NAT, exact counts.
flowstest: $(O)/modwall
	@tests/flows/nat.sh $(O)/modwall
# Allow by name: dnsmasq, modwalld learning, 1000 fresh lookups.
namestest: $(O)/modwall $(O)/modwalld
	@tests/names/run.sh $(O)/modwall
# suggest: watch a device, learn its policy (and its MUD file), apply it, exact counts.
suggesttest: $(O)/modwall $(O)/modwalld
	@tests/suggest/run.sh $(O)/modwall
# GTP-U on an n3 interface: a base station namespace, RADIUS, exact counts.
gtptest: $(O)/modwall $(O)/modwalld
	@tests/gtp/run.sh $(O)/modwall

daemontest: $(O)/modwall $(GEO_DBS)
	@MW_GEO_DB=$(O)/tests/geo/geo4.mmdb tests/daemon/run.sh $(O)/modwall

# IPFIX export to nfcapd; nfdump reads back exact per-direction counts.
ipfixtest: $(O)/modwall $(O)/modwalld
	@tests/ipfix/run.sh $(O)/modwall

$(O)/tests/watch_test: tests/linkwatch/watch_test.c $(O)/libmodwalld.a $(O)/libmodwall.a
	@mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(O)/libmodwalld.a $(O)/libmodwall.a $(LDLIBS)

linkwatchtest: $(O)/modwall $(O)/tests/watch_test
	@tests/linkwatch/run.sh $(O)/modwall

# The daemon for SOAK_SECONDS under scrapes, RADIUS and link flaps: descriptors
# and memory must stay flat (tests/soak/run.sh); soaktest is the one-minute form.
soak: $(O)/modwall $(O)/modwalld
	@tests/soak/run.sh $(O)/modwall $(SOAK_SECONDS)

soaktest: $(O)/modwall $(O)/modwalld
	@tests/soak/run.sh $(O)/modwall 60

# modwall beside xdp-filter through libxdp.
coexisttest: $(O)/modwall
	@tests/coexist/run.sh $(O)/modwall

# Again on Debian 12's stock kernel in a VM: its verifier, and a libxdp
# dispatcher (this host's kernel may refuse the freplace programs it needs).
vmtest: $(O)/modwall $(PKT_TESTS) $(O)/tests/test_enforce
	@tests/vm/run.sh tests/vm/suite.sh $(O)/modwall

radiustest: $(O)/modwall $(O)/tests/radiusd_test
	@RADIUS_VIA_DAEMON=1 tests/radius/run.sh $(O)/modwall

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_TESTS) $(PKT_TESTS) $(O)/tests/diff $(O)/tests/test_enforce \
		$(O)/tests/radiusd_test $(O)/tests/watch_test
	@$(MAKE) --no-print-directory unit pkttest difftest policytest clitest installtest applytest e2e statetest \
		demotest enforcetest observetest flowstest namestest suggesttest gtptest daemontest ipfixtest radiustest \
		linkwatchtest soaktest coexisttest vmtest

# The demo as a test: its own namespace names and pin directory, so it can
# run beside a deployed modwall or a `make demo` in progress.
demotest: $(O)/modwall $(GEO_DBS)
	@if DEMO_PREFIX=mwdt DEMO_PIN_DIR=/sys/fs/bpf/modwall-demotest \
		DEMO_GEOIP_DB=$(O)/tests/geo/geo4.mmdb tests/demo.sh $(O)/modwall \
		>$(O)/demo.log 2>&1; then echo "demo: 1 passed, 0 failed"; \
	else tail -20 $(O)/demo.log; echo "demo: 0 passed, 1 failed"; exit 1; fi

demo: deps
	@$(MAKE) --no-print-directory all $(GEO_DBS)
	@DEMO_GEOIP_DB=$(O)/tests/geo/geo4.mmdb tests/demo.sh $(O)/modwall

# Benchmark tool: modwall's data path beside anchor programs (tests/bench/run.sh).
XDPBENCH_SRCS := tests/bench/xdpbench.c tests/bench/flowbench.c
$(O)/tests/xdpbench: $(XDPBENCH_SRCS) tests/bench/xdpbench.h $(O)/tests/fixture.o $(O)/libmodwall.a \
		$(O)/modwall.skel.h $(O)/entry.skel.h
	@mkdir -p $(@D)
	$(call msg,CC-BENCH,$@)
	$(Q)$(CC) $(CFLAGS) $(FIXTURE_CFLAGS) -DMULTIARCH='"$(shell $(CC) -dumpmachine)"' -o $@ \
		$(XDPBENCH_SRCS) $(O)/tests/fixture.o $(O)/libmodwall.a $(LDLIBS)

# Counter lines shared by CPUs: one device flooding from every CPU.
$(O)/tests/contention: tests/bench/contention.c $(O)/tests/fixture.o $(O)/libmodwall.a $(O)/modwall.skel.h
	@mkdir -p $(@D)
	$(call msg,CC-BENCH,$@)
	$(Q)$(CC) $(CFLAGS) $(FIXTURE_CFLAGS) -o $@ $< $(O)/tests/fixture.o $(O)/libmodwall.a $(LDLIBS) -lpthread

bench: deps
	@$(MAKE) --no-print-directory all $(O)/tests/xdpbench $(O)/tests/rate_accuracy $(O)/tests/contention
	@tests/bench/run.sh $(O)/modwall
	@$(MAKE) --no-print-directory geobench

# Country lookups and expansion (lib/geo): Debian's geoip-database, and the
# same data written as a MaxMind DB (tests/bench/geo_mmdb.pl).
$(O)/tests/geobench: tests/bench/geobench.c $(O)/libmodwall.a
	@mkdir -p $(@D)
	$(call msg,CC-BENCH,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(O)/libmodwall.a $(LIB_LDLIBS)

$(O)/tests/geo/debian.mmdb: $(O)/tests/geobench tests/bench/geo_mmdb.pl /usr/share/GeoIP/GeoIP.dat /usr/share/GeoIP/GeoIPv6.dat
	@mkdir -p $(@D)
	$(call msg,GEN,$@)
	$(Q)$(O)/tests/geobench dump | perl tests/bench/geo_mmdb.pl $@

geobench: $(O)/tests/geobench $(O)/tests/geo/debian.mmdb
	@printf '\n==== country lookups (lib/geo) ====\n\n'
	@$(O)/tests/geobench $(O)/tests/geo/debian.mmdb

install: $(O)/modwall $(O)/modwalld
	install -D -m 0755 $(O)/modwall $(DESTDIR)$(SBINDIR)/modwall
	install -D -m 0755 $(O)/modwalld $(DESTDIR)$(SBINDIR)/modwalld
	install -D -m 0644 man/modwall.8 $(DESTDIR)$(MANDIR)/man8/modwall.8
	install -D -m 0644 man/modwall.policy.5 $(DESTDIR)$(MANDIR)/man5/modwall.policy.5
	install -D -m 0644 contrib/modwall.service $(DESTDIR)$(PREFIX)/lib/systemd/system/modwall.service
	install -D -m 0644 contrib/modwall.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/modwall

# An installed modwall finds its modwalld: `modwall daemon` runs it.
installtest: $(O)/modwall $(O)/modwalld
	@rm -rf $(O)/inst && $(MAKE) --no-print-directory -s install DESTDIR=$(abspath $(O))/inst >/dev/null
	@if env -i PATH=/usr/bin:/bin $(O)/inst$(SBINDIR)/modwall daemon --help | grep -q -- --listen; \
	then echo "install: 1 passed, 0 failed"; \
	else echo "FAIL an installed 'modwall daemon' does not run modwalld"; \
		echo "install: 0 passed, 1 failed"; exit 1; fi

clean:
	rm -rf $(O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
