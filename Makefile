# cjafs - the analytics admin plane as a FUSE filesystem.
#
#   make            build build/cjafs
#   make check      install missing packages, build, run unit and mount tests
#   make run        install missing packages, build, mount a demo store at ./mnt
#   make asan       the same tests under AddressSanitizer and UBSan
#   make valgrind   the mount tests with the daemon under valgrind
#   make clean      remove every build output

CC      ?= cc
BUILD   ?= build
PKGS     = fuse3 inih tdb
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

$(BUILD)/libcjafs.a: $(MODEL_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/cjafs: $(FS_OBJ) $(BUILD)/libcjafs.a
	$(CC) $(CJ_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libcjafs.a
	$(CC) $(CJ_CFLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

tests: $(BUILD)/cjafs $(TESTS)

deps:
	@scripts/deps.sh --editors --tools

# Unit tests first (Check prints its summary per binary), then the mount
# tests, whose last line is "N passed, N failed".
check: deps
	$(MAKE) tests
	@scripts/unit.sh $(BUILD)
	@tests/mount/run.sh $(BUILD)/cjafs

asan: deps
	$(MAKE) BUILD=build/asan CFLAGS="-O1 -g -fsanitize=address,undefined \
		-fno-omit-frame-pointer -fno-sanitize-recover=all" tests
	@CK_FORK=no ASAN_OPTIONS=detect_leaks=1 scripts/unit.sh build/asan
	@ASAN_OPTIONS=detect_leaks=1 tests/mount/run.sh build/asan/cjafs

VALGRIND = valgrind --error-exitcode=99 --leak-check=full \
	   --errors-for-leak-kinds=definite --quiet --vgdb=no

valgrind: deps
	$(MAKE) tests
	@CK_FORK=no CK_DEFAULT_TIMEOUT=600 UNIT_WRAP="$(VALGRIND)" \
		scripts/unit.sh $(BUILD)
	@CJAFS_WRAP="$(VALGRIND)" tests/mount/run.sh $(BUILD)/cjafs

run: deps all
	@scripts/run-demo.sh $(BUILD)/cjafs

clean:
	rm -rf build

.PHONY: all tests deps check asan valgrind run clean
.SECONDARY:

-include $(MODEL_OBJ:.o=.d) $(FS_OBJ:.o=.d) $(TESTS:=.d) \
	 $(TESTS:=.o:.o=.d)
