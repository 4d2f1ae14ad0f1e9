# pktscope build.  Everything generated goes to $(BUILD); nothing generated
# is committed.  `make` builds the tool, `make test` runs the whole suite,
# `make bench` the benchmarks.

BUILD    ?= build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine)

CFLAGS   ?= -O2 -g
# The library's folders (src/*/ but the CLI): each is a part of the
# architecture (core, filter, capture, flow, fmt); headers are included by
# name, so a file moves between folders without its includers changing.
SRC_DIRS := $(filter-out src/cli,$(patsubst %/,%,$(wildcard src/*/)))
SRC_INC  := $(addprefix -I,$(SRC_DIRS))

CFLAGS   += -Wall -Wextra -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE \
	    -Iinclude -Isrc $(SRC_INC) -I$(BUILD)
LDLIBS   := -lbpf -lelf -lz -lpcap -ljansson -lncurses -lmnl -lyaml -lm

BPF_CFLAGS := -O2 -g -Wall -target bpf -Iinclude -Ibpf -I$(ARCH_INC)

BPF_SRCS := $(wildcard bpf/*.bpf.c) $(wildcard bench/*.bpf.c) $(wildcard tests/unit/*.bpf.c)
BPF_HDRS := $(wildcard bpf/lib/*.h) $(wildcard include/pktscope/*.h)
SKELS    := $(patsubst %.bpf.c,$(BUILD)/%.skel.h,$(notdir $(BPF_SRCS)))

LIB_SRCS := $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c))
LIB_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
CLI_SRCS := $(wildcard src/cli/*.c)
CLI_OBJS := $(patsubst src/cli/%.c,$(BUILD)/obj/cli/%.o,$(CLI_SRCS))
USR_HDRS := $(wildcard src/*/*.h) $(wildcard include/pktscope/*.h)

TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_LIB  := $(filter-out tests/tools/mk%.c,$(TOOL_SRCS))
TOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(filter tests/tools/mk%.c,$(TOOL_SRCS)))

.PHONY: all test bench bench-capture bench-capture-disk bench-flows bench-hooks bench-startup clean tests fuzz fuzz-build
all: $(BUILD)/pktscope

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
$(BUILD)/%.bpf.o: bench/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
$(BUILD)/%.bpf.o: tests/unit/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: src/%.c $(USR_HDRS) $(SKELS) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libpktscope.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/pktscope: $(CLI_OBJS) $(BUILD)/libpktscope.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Test programs: cmocka unit tests and the packet tools the shell tests use.
$(BUILD)/tests/%: tests/unit/%.c $(TOOL_LIB) tests/tools/*.h $(BUILD)/libpktscope.a $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/tools -o $@ $< $(TOOL_LIB) $(BUILD)/libpktscope.a $(LDLIBS) -lcmocka

$(BUILD)/tools/%: tests/tools/%.c $(TOOL_LIB) tests/tools/*.h $(BUILD)/libpktscope.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/tools -o $@ $< $(TOOL_LIB) $(BUILD)/libpktscope.a $(LDLIBS)

tests: $(BUILD)/pktscope $(TEST_BINS) $(TOOL_BINS) fuzz-build

test: tests
	tests/run.sh

$(BUILD)/bench: bench/bench.c $(BUILD)/libpktscope.a $(SKELS) $(TOOL_LIB) tests/tools/*.h
	$(CC) $(CFLAGS) -Itests/tools -o $@ $< $(TOOL_LIB) $(BUILD)/libpktscope.a $(LDLIBS)

bench: $(BUILD)/bench
	$(BUILD)/bench

# pktscope capture against tcpdump on live veth traffic (root; a few minutes).
$(BUILD)/inject: bench/inject.c $(BUILD)/libpktscope.a $(SKELS) $(TOOL_LIB) tests/tools/*.h
	$(CC) $(CFLAGS) -Itests/tools -o $@ $< $(TOOL_LIB) $(BUILD)/libpktscope.a $(LDLIBS)

bench-capture: $(BUILD)/pktscope $(BUILD)/inject
	BUILD=$(BUILD) bench/capture_vs_tcpdump.sh

# The same on this machine's disk: O_DIRECT against the page cache, on the
# mix, small packets and bulk TCP (iperf3).
bench-capture-disk: $(BUILD)/pktscope $(BUILD)/inject
	mkdir -p /var/tmp/pscap-bench
	BUILD=$(BUILD) OUTDIR=/var/tmp/pscap-bench \
		CASES="base ps-B ps-B-pc td-B ps ps-pc td sm-base sm-ps sm-ps-pc sm-td \
		tcp-base tcp-ps-B tcp-ps-B-pc tcp-td-B tcp-ps tcp-ps-pc tcp-td" \
		bench/capture_vs_tcpdump.sh

# pktscope flows' CPU against tcpdump, and its memory with 100,000 flows
# (root; a few minutes).
bench-flows: $(BUILD)/pktscope $(BUILD)/inject
	BUILD=$(BUILD) bench/flows_cpu.sh

# What each hook costs the host's own TCP and UDP: iperf3 over a veth pair
# with pktscope stats at each hook (root; about 5 minutes).
bench-hooks: $(BUILD)/pktscope
	BUILD=$(BUILD) bench/hooks_iperf3.sh

# Start-up: each command over a small file, end to end, against tcpdump -r.
bench-startup: $(BUILD)/pktscope $(BUILD)/tools/mkpcap
	BUILD=$(BUILD) bench/startup.sh

# Installing: PREFIX (default /usr/local) and DESTDIR as usual; each
# directory can be set apart.  The binary goes to sbin and the pages to
# section 8: every command, -r too, loads BPF programs and needs root (or
# CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON), as bpftool and xdp-tools do,
# which Debian installs there.
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL     ?= install
MAN_PAGES   := $(wildcard docs/man/*.8)

.PHONY: install uninstall
install: $(BUILD)/pktscope
	$(INSTALL) -d "$(DESTDIR)$(SBINDIR)" "$(DESTDIR)$(MANDIR)/man8" "$(DESTDIR)$(BASHCOMPDIR)"
	$(INSTALL) -m 0755 $(BUILD)/pktscope "$(DESTDIR)$(SBINDIR)/pktscope"
	$(INSTALL) -m 0644 $(MAN_PAGES) "$(DESTDIR)$(MANDIR)/man8/"
	$(INSTALL) -m 0644 contrib/bash-completion/pktscope "$(DESTDIR)$(BASHCOMPDIR)/pktscope"

uninstall:
	rm -f "$(DESTDIR)$(SBINDIR)/pktscope" "$(DESTDIR)$(BASHCOMPDIR)/pktscope"
	rm -f $(patsubst docs/man/%,"$(DESTDIR)$(MANDIR)/man8/%",$(MAN_PAGES))

# libFuzzer harnesses (fuzz/): the library, the CLI's option parsers and the
# test tools compiled again by clang with ASan, UBSan and the fuzzer's
# coverage, into $(BUILD)/fuzz.  `make fuzz` runs each harness FUZZ_SECONDS
# (default 120) from its seeds in fuzz/corpus, keeping what it finds in
# $(BUILD)/fuzz/work; the test suite runs each briefly
# (tests/integration/test_fuzz.sh).  The CLI's main() is renamed, and
# stats.c and flows.c come in through fuzz/cli_*_seam.c, which reach their
# static parse_args().
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -Wall -Wextra \
		-Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc $(SRC_INC) -I$(BUILD) \
		-Itests/tools -Ifuzz
FUZZ_SEAMED  := src/cli/stats.c src/cli/flows.c
FUZZ_OBJS    := $(patsubst src/%.c,$(FUZZ_DIR)/obj/%.o,$(LIB_SRCS)) \
		$(patsubst src/cli/%.c,$(FUZZ_DIR)/obj/cli/%.o,$(filter-out $(FUZZ_SEAMED),$(CLI_SRCS))) \
		$(patsubst tests/tools/%.c,$(FUZZ_DIR)/obj/tools/%.o,$(TOOL_LIB)) \
		$(patsubst fuzz/%.c,$(FUZZ_DIR)/obj/fuzz/%.o,$(filter-out fuzz/fuzz_%.c,$(wildcard fuzz/*.c)))
FUZZ_BINS    := $(patsubst fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 120
# The option parsers exit(0) after --help: the harness catches it.
FUZZ_LDFLAGS_fuzz_cli := -Wl,--wrap=exit

$(FUZZ_DIR)/obj/cli/main.o: src/cli/main.c $(USR_HDRS) | $(BUILD)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Dmain=ps_cli_main -c $< -o $@
$(FUZZ_DIR)/obj/%.o: src/%.c $(USR_HDRS) $(SKELS) | $(BUILD)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_DIR)/obj/tools/%.o: tests/tools/%.c tests/tools/*.h | $(BUILD)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_DIR)/obj/fuzz/%.o: fuzz/%.c fuzz/*.h $(USR_HDRS) $(FUZZ_SEAMED) $(SKELS) | $(BUILD)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_DIR)/libfuzz.a: $(FUZZ_OBJS)
	$(AR) rcs $@ $^
$(FUZZ_DIR)/%: fuzz/%.c fuzz/*.h $(FUZZ_DIR)/libfuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_LDFLAGS_$*) -o $@ $< \
		$(FUZZ_DIR)/libfuzz.a $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	BUILD=$(BUILD) fuzz/run.sh -k -t $(FUZZ_SECONDS)

$(BUILD):
	mkdir -p $(BUILD)

clean:
	rm -rf $(BUILD)
