# cjafs - the analytics admin plane as a FUSE filesystem.
#
#   make            build build/cjafs
#   make check      install missing packages, build, fuzz-smoke, unit and mount tests
#   make run        install missing packages, build, mount a demo store at ./mnt
#   make install    the daemon, man pages, example config and systemd unit
#                   under DESTDIR PREFIX (/usr/local)
#   make asan       the same tests under AddressSanitizer and UBSan
#   make valgrind   the mount tests with the daemon under valgrind
#   make posix      the POSIX conformance suite, with a long fsx run
#   make torture    crash safety (200 SIGKILLs), concurrency, hostile input
#   make fuzz       libFuzzer harnesses, FUZZ_SECONDS (60) each; fuzz-smoke: 5 s
#   make bench      benchmarks against passthrough_ll, sqlite3 and DuckDB (QUICK=1: --quick)
#   make bench-scale  rows at 1M and 10M (BENCH_SCALE_MAX=100000000: 100M too)
#   make clean      remove every build output

CC      ?= cc
BUILD   ?= build
VERSION  = 0.1.0
PKGS     = fuse3 inih tdb libzstd libpcre2-8 libarchive
# CFLAGS is yours (make CFLAGS=-O0); what the code needs is in CJ_CFLAGS.
CFLAGS  ?= -O2 -g
CJ_CFLAGS = -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Werror \
	   -Wno-unused-parameter -Wno-missing-field-initializers \
	   -D_FILE_OFFSET_BITS=64 -Iinclude \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CFLAGS)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

MODEL_SRC = $(wildcard model/*.c)
FS_SRC    = $(wildcard fs/*.c)
TEST_SRC  = $(wildcard tests/check_*.c)

MODEL_OBJ = $(MODEL_SRC:%.c=$(BUILD)/%.o)
FS_OBJ    = $(FS_SRC:%.c=$(BUILD)/%.o)
TESTS     = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

all: $(BUILD)/cjafs

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CJ_CFLAGS) -MMD -MP -c -o $@ $<

# cjafs --version
$(BUILD)/fs/main.o: CJ_CFLAGS += -DCJAFS_VERSION='"$(VERSION)"'

$(BUILD)/libcjafs.a: $(MODEL_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/cjafs: $(FS_OBJ) $(BUILD)/libcjafs.a
	$(CC) $(CJ_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libcjafs.a
	$(CC) $(CJ_CFLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

tests: $(BUILD)/cjafs $(TESTS)

deps:
	@scripts/deps.sh --editors --tools

# A short fuzzing run of every harness first (fuzz-smoke), then the unit
# tests (Check prints its summary per binary, then their sum), then the
# mount tests, whose last line is "N passed, N failed".  Every part runs
# even when an earlier one failed; the status is that of all three.
check: deps
	$(MAKE) tests
	@st=0; \
	$(MAKE) --no-print-directory fuzz-smoke || st=1; \
	scripts/unit.sh $(BUILD) || st=1; \
	tests/mount/run.sh $(BUILD)/cjafs || st=1; \
	exit $$st

# strict_string_checks: a str* call on an unterminated buffer is reported
# even when it finds its match in time; UBSan prints a stack with its report.
# detect_stack_use_after_return: stack use after return, not only scope.
ASAN_OPTIONS_ALL = detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1
UBSAN_OPTIONS_ALL = print_stacktrace=1

asan: deps
	$(MAKE) BUILD=build/asan CFLAGS="-O1 -g -fsanitize=address,undefined \
		-fno-omit-frame-pointer -fno-sanitize-recover=all" tests
	@st=0; \
	CK_FORK=no ASAN_OPTIONS=$(ASAN_OPTIONS_ALL) \
		UBSAN_OPTIONS=$(UBSAN_OPTIONS_ALL) \
		scripts/unit.sh build/asan || st=1; \
	ASAN_OPTIONS=$(ASAN_OPTIONS_ALL) UBSAN_OPTIONS=$(UBSAN_OPTIONS_ALL) \
		tests/mount/run.sh build/asan/cjafs || st=1; \
	exit $$st

# --fair-sched: valgrind runs one thread at a time, and without a fair
# lock a scanning worker keeps it for seconds while request threads wait,
# which a daemon that answers requests beside scans never does.
VALGRIND = valgrind --fair-sched=yes --error-exitcode=99 --leak-check=full \
	   --errors-for-leak-kinds=definite --quiet --vgdb=no \
	   --error-markers=VALGRIND-ERROR-BEGIN,VALGRIND-ERROR-END

# Bounded for CI (about 30 minutes on 2 cores beside make asan): the
# Check cases tagged slow (tz against glibc for every zone, speed figures)
# run under ASan only; a daemon under valgrind is too slow for kills to land
# inside commits, so torture gets 3 kills; concurrency and fsx are
# shortened, the access matrix runs 4 of its 15 roles (every action, as
# product admin, profile admin, member and unmapped caller: what runs the
# daemon's allowed, refused and hidden paths; which answer each role gets
# is make check's and make asan's, with all 15; all 15 take 10-15 minutes
# under valgrind), and a mount test file may take 25 minutes instead of
# 10.
# VG_BOUNDS= runs everything at make check length.  Two mount tests bound
# themselves under any CJAFS_WRAP: t_posix holds 4,200 scratch inodes
# instead of 6,000, t_activity scans 250,000 rows instead of 1,000,000.
VG_BOUNDS ?= CK_EXCLUDE_TAGS=slow TORTURE_KILLS=3 CONC_SECONDS=5 \
	     CONC_ROWS=500 FSX_OPS=500 MT_TIMEOUT=1500 \
	     MATRIX_ROLES="PA LEAD VIEW UNMAP"

valgrind: deps
	$(MAKE) tests
	@st=0; \
	$(VG_BOUNDS) CK_FORK=no CK_DEFAULT_TIMEOUT=600 \
		UNIT_WRAP="$(VALGRIND)" scripts/unit.sh $(BUILD) || st=1; \
	$(VG_BOUNDS) CJAFS_WRAP="$(VALGRIND)" \
		tests/mount/run.sh $(BUILD)/cjafs || st=1; \
	exit $$st

# The POSIX conformance suite (tests/mount/t_posix.sh) alone: every test
# line, the tally by system call, and FSX_OPS random operations on scratch
# files (make check runs 2000).  FSX_SEED=N replays an fsx run.
FSX_OPS ?= 50000
posix: all
	@FSX_OPS=$(FSX_OPS) POSIX_VERBOSE=1 MT_ONLY=posix \
		tests/mount/run.sh $(BUILD)/cjafs

# Crash safety, concurrency and hostile input at full length (issue 7):
# TORTURE_KILLS SIGKILLs of the daemon while mapped users commit (each
# followed by tdbtool check, a remount and a check of every acknowledged
# commit), CONC_SECONDS of 8 writers as 4 users and CONC_ROWS rows each
# from 8 parallel ingesters, and every hostile-input case.  make check
# runs the same drivers bounded (tests/mount/t_torture.sh,
# t_concurrency.sh, t_hostile.sh).  TORTURE_SEED=N replays a torture run.
PYTHON        ?= python3
TORTURE_KILLS ?= 200
CONC_SECONDS  ?= 60
CONC_ROWS     ?= 20000
torture: deps
	$(MAKE) all
	@st=0; \
	$(PYTHON) tests/torture/torture.py --cjafs $(BUILD)/cjafs \
		--kills $(TORTURE_KILLS) \
		$(if $(TORTURE_SEED),--seed $(TORTURE_SEED)) || st=1; \
	$(PYTHON) tests/torture/concurrency.py --cjafs $(BUILD)/cjafs \
		--seconds $(CONC_SECONDS) --rows $(CONC_ROWS) || st=1; \
	$(PYTHON) tests/torture/hostile.py --cjafs $(BUILD)/cjafs || st=1; \
	exit $$st

.PHONY: torture

run: deps all
	@scripts/run-demo.sh $(BUILD)/cjafs

# make install [PREFIX=/usr/local] [DESTDIR=]: the daemon, cjafs(8) and
# cjafs(5), the example config in the package's doc directory (the admin
# copies it to /etc/cjafs/NAME.ini) and the template unit cjafs@.service
# (cjafs@NAME mounts /etc/cjafs/NAME.ini at the mountpoint it names).
# The unit goes to PREFIX/lib/systemd/system, where systemd looks for
# /usr and /usr/local alike.
PREFIX  ?= /usr/local
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man
DOCDIR   = $(PREFIX)/share/doc/cjafs
UNITDIR  = $(PREFIX)/lib/systemd/system
INSTALL ?= install

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(UNITDIR)
	$(INSTALL) -m 755 $(BUILD)/cjafs $(DESTDIR)$(BINDIR)/cjafs
	$(INSTALL) -m 644 etc/cjafs.5 $(DESTDIR)$(MANDIR)/man5/cjafs.5
	$(INSTALL) -m 644 etc/cjafs.8 $(DESTDIR)$(MANDIR)/man8/cjafs.8
	$(INSTALL) -m 644 etc/cjafs.ini $(DESTDIR)$(DOCDIR)/cjafs.ini.example
	sed 's|@BINDIR@|$(BINDIR)|g' etc/cjafs@.service \
		>$(DESTDIR)$(UNITDIR)/cjafs@.service
	chmod 644 $(DESTDIR)$(UNITDIR)/cjafs@.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cjafs $(DESTDIR)$(MANDIR)/man5/cjafs.5 \
		$(DESTDIR)$(MANDIR)/man8/cjafs.8 \
		$(DESTDIR)$(DOCDIR)/cjafs.ini.example \
		$(DESTDIR)$(UNITDIR)/cjafs@.service
	-rmdir $(DESTDIR)$(DOCDIR)

# Fuzzing: the libFuzzer harnesses tests/fuzz/fuzz_*.c, built with clang
# against the model sources, compiled again with clang into build/fuzz
# (not the gcc-built library).  `make fuzz` runs each for FUZZ_SECONDS,
# `make fuzz-smoke` for FUZZ_SMOKE_SECONDS; either fails on any crash.
FUZZ_CC       = clang
FUZZ_BUILD    = build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_CFLAGS   = -std=gnu11 -g -O1 -fno-omit-frame-pointer \
		-fsanitize=address,undefined -fno-sanitize-recover=all \
		-Wall -Wextra -Wno-unused-parameter \
		-Wno-missing-field-initializers -D_FILE_OFFSET_BITS=64 \
		-Iinclude $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_NAMES    = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS     = $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_OBJ      = $(MODEL_SRC:%.c=$(FUZZ_BUILD)/%.o)
# every "const struct inidoc_schema NAME =" in the model, for fuzz_ini
FUZZ_SCHEMAS  = $(shell sed -n \
	's/^const struct inidoc_schema \([A-Za-z0-9_]*\) = .*/X(\1)/p' $(sort $(MODEL_SRC)))

$(FUZZ_BUILD)/model/%.o: model/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/libcjafs.a: $(FUZZ_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# The model files a harness needs; unlisted ones link the whole model
# (fuzz_ini: the schemas live with their kinds; fuzz_lines: admin.c).
FUZZ_USES_csv       = buf csv
FUZZ_USES_timeparse = timeparse
FUZZ_USES_filter    = buf filter
FUZZ_USES_rules     = buf filter
FUZZ_USES_config    = buf config
fuzz_objs = $(if $(FUZZ_USES_$(1)),$(FUZZ_USES_$(1):%=$(FUZZ_BUILD)/model/%.o),$(FUZZ_BUILD)/libcjafs.a)

.SECONDEXPANSION:
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $$(call fuzz_objs,$$*)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wshadow -Werror -fsanitize=fuzzer \
		'-DFUZZ_SCHEMAS=$(FUZZ_SCHEMAS)' -MMD -MP -o $@ $< \
		$(call fuzz_objs,$*) $(LDLIBS)

fuzz-deps:
	@scripts/deps.sh --fuzz

fuzz-bins: $(FUZZ_BINS)

fuzz: fuzz-deps
	$(MAKE) fuzz-bins
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZ_NAMES)

# from the seeds alone and with a fixed seed, so that it does not depend
# on what earlier runs found
fuzz-smoke: fuzz-deps
	$(MAKE) fuzz-bins
	@FUZZ_FRESH=1 FUZZ_ARGS="-seed=1 $(FUZZ_ARGS)" \
		tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_BUILD) $(FUZZ_NAMES)

.PHONY: fuzz fuzz-smoke fuzz-bins fuzz-deps

# Benchmarks (scripts/bench.sh; not part of check).  The generator and the
# in-process driver link the model library; passthrough_ll is compiled by
# the script from libfuse's examples.  QUICK=1 runs the short version.
BENCH_BUILD = $(BUILD)/bench
BENCH_BINS  = $(BENCH_BUILD)/gen $(BENCH_BUILD)/driver

$(BENCH_BUILD)/%: tests/bench/%.c $(BUILD)/libcjafs.a
	@mkdir -p $(dir $@)
	$(CC) $(CJ_CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(BUILD)/libcjafs.a \
		$(LDLIBS)

bench-bins: $(BUILD)/cjafs $(BENCH_BINS)

bench:
	@scripts/deps.sh --bench
	$(MAKE) bench-bins
	@scripts/bench.sh $(if $(QUICK),--quick)

# Rows at scale, cjafs alone (long: minutes at 10M, hours at 100M).
bench-scale: $(BUILD)/cjafs
	@scripts/bench-scale.sh

.PHONY: bench bench-bins bench-scale
-include $(BENCH_BINS:=.d)
-include $(FUZZ_OBJ:.o=.d) $(FUZZ_BINS:=.d)

clean:
	rm -rf build

.PHONY: all tests deps check asan valgrind posix run install uninstall clean
.SECONDARY:

-include $(MODEL_OBJ:.o=.d) $(FS_OBJ:.o=.d) $(TESTS:=.d) \
	 $(TESTS:=.o:.o=.d)
