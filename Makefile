# SPDX-License-Identifier: ISC
# echod: make run, make check. See README.md.
#
# A packager's build runs no package manager and honours the usual
# variables:
#   make [CC=...] [CROSS_COMPILE=...] [CFLAGS=...] [CPPFLAGS=...] [LDFLAGS=...]
#   make install [DESTDIR=...] [PREFIX=/usr/local] [SBINDIR=...] [MANDIR=...]
#   make uninstall (the same variables)
# The test targets (run, test, check and each target check runs) install
# the Debian packages they need first, through tests/setup.sh.

CROSS_COMPILE ?=
ifeq ($(origin CC),default)
CC = $(CROSS_COMPILE)gcc
endif
# Test programs: static musl (itest, soak), or glibc with sanitizers.
CC_MUSL ?= musl-gcc
CC_SAN ?= gcc
PORT ?= 8000
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
INSTALL ?= install

WARN = -Wall -Wextra
STD = -std=c11 -D_GNU_SOURCE
# Size: link-time optimisation (small functions inlined across modules),
# no unwind tables, sections collected, one RX segment, one hash table
# (the dynamic symbol table is empty anyway), no symbol
# exported (a static-pie would otherwise carry a dynamic symbol table;
# on MIPS that is 5 KB).
# Hardening: static-pie (position-independent, no interpreter: rcrt1.o
# relocates the program itself), stack protector, RELRO with immediate
# binding (echod mprotects it itself: musl does not for static programs),
# no executable stack.
# The packager's CPPFLAGS, CFLAGS and LDFLAGS come after these: a flag
# given there on purpose (-O2, -fno-stack-protector) wins.
REL_CFLAGS = $(STD) $(WARN) -Os -flto -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fvisibility=hidden \
	-fPIE -fstack-protector-strong
REL_LDFLAGS = -static-pie -s -Wl,--gc-sections -Wl,-z,noseparate-code \
	-Wl,--exclude-libs,ALL -Wl,--hash-style=sysv -Wl,-z,relro,-z,now \
	-Wl,-z,noexecstack

# The release compiler must produce musl binaries. One that targets musl
# (its -dumpmachine says so: Alpine's cc, aarch64-openwrt-linux-musl-gcc)
# is used as it is. A glibc gcc becomes one through musl-gcc's specs
# (Debian's musl-tools; musl-dev:ARCH for a cross gcc), rewritten so that
# -static-pie links as with a musl gcc. Anything else is an error: never a
# silent glibc build.
# Debian's musl-gcc wrapper appends musl's own specs last: use the gcc it
# wraps instead.
ifeq ($(notdir $(CC)),musl-gcc)
override CC := $(or $(REALGCC),gcc)
endif
CC_TARGET := $(shell $(CC) -dumpmachine 2>/dev/null)
ifeq ($(findstring -musl,$(CC_TARGET)),)
REL_SPECS = build/musl-gcc.specs
MUSL_SPECS = /usr/lib/$(subst -gnu,-musl,$(CC_TARGET))/musl-gcc.specs
endif
CC_REL = $(CC)$(if $(REL_SPECS), -specs $(REL_SPECS))
REL_CMD = $(CC_REL) $(REL_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(REL_LDFLAGS) \
	$(LDFLAGS)
# musl's specs link only static non-PIE or dynamic programs; this adds
# -static-pie as gcc has it for a musl target: rcrt1.o and no interpreter.
# A static-pie also leaves out gcc's crtbeginS.o and crtendS.o: they
# register exception frames and transactional-memory clones for C++ and
# cost a C program 350 bytes.
pie_specs = sed -e 's|%{!shared: \([^ ]*/\)Scrt1\.o}|%{static-pie:\1rcrt1.o;!shared:\1Scrt1.o}|' \
	-e 's|-dynamic-linker [^ ]*|%{!static:%{!static-pie:&}} %{static-pie:-static -pie --no-dynamic-linker -z text}|' \
	-e 's|\(crt[a-z]*S\.o%s\)|%{!static-pie:\1}|g' \
	$(1) > $(2).tmp && grep -q rcrt1 $(2).tmp && mv $(2).tmp $(2)
SAN_FLAGS = $(STD) $(WARN) -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all

SRC = $(wildcard src/*.c)
HDR = $(wildcard src/*.h)
# Modules unit tests drive directly (udp.c, and the clock and net it
# calls, only for its size).
UNIT_SRC = src/ring.c src/slots.c src/mem.c src/xform.c src/options.c \
	src/say.c src/addr.c src/cap.c src/guard.c src/hash.c src/limit.c \
	src/udp.c src/clock.c src/net.c src/sys.c src/stamp.c src/http.c
UNIT_TESTS = $(wildcard tests/unit/*.c)
# The test library (tests/lib/, included as "lib/x.h") and the itest runner.
TESTLIB = $(wildcard tests/lib/*.c)
TESTLIB_HDR = $(wildcard tests/lib/*.h)
ITEST_SRC = $(wildcard tests/itest/*.c) $(TESTLIB)
ITEST_HDR = $(wildcard tests/itest/*.h) $(TESTLIB_HDR) $(HDR)

# Debian packages each part needs; fragments below add theirs.
PKGS_BUILD = make gcc libc6-dev musl-tools
# itest: tshark decodes STAMP (TWAMP-Test), promtool checks the metrics.
PKGS = $(PKGS_BUILD) cppcheck clang-tidy tshark prometheus
# Test targets make check runs, in order; fragments add theirs.
CHECKS = unit itest itest-asan hardening lint

.PHONY: all run test check unit itest itest-asan asan clean distclean \
	setup setup-build size hardening lint setup-lint install uninstall FORCE
all: build/echod

# The set-up step: install what is missing, as root or through sudo. Test
# programs and test targets depend on it; the release build never does.
setup-build:
	@sh tests/setup.sh $(PKGS_BUILD)
setup:
	@sh tests/setup.sh $(PKGS)

build/musl-gcc.specs: build/release.cmd
	@[ -n "$(CC_TARGET)" ] || { echo "make: $(CC): no such compiler" \
		"(set CC or CROSS_COMPILE)" >&2; exit 1; }
	@[ -f "$(MUSL_SPECS)" ] || { echo "make: $(CC) builds for" \
		"$(CC_TARGET) and $(MUSL_SPECS) is missing: install musl" \
		"(musl-tools, or musl-dev:ARCH for a cross gcc) or set CC to" \
		"a musl compiler" >&2; exit 1; }
	$(call pie_specs,$(MUSL_SPECS),$@)

# The compiler and flags of the last release build: changing them rebuilds.
build/release.cmd: FORCE
	$(shell mkdir -p $(@D))$(file >$@.new,$(REL_CMD) $(MUSL_SPECS))
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

build/echod: $(SRC) $(HDR) $(REL_SPECS) build/release.cmd
	$(REL_CMD) -o $@ $(SRC)

# The release build before stripping, for the checks that need symbols.
build/echod.debug: $(SRC) $(HDR) $(REL_SPECS) build/release.cmd
	$(filter-out -s,$(REL_CMD)) -o $@ $(SRC)

# The same sources against glibc, under AddressSanitizer and UBSan.
build/asan/echod: $(SRC) $(HDR) | setup-build
	@mkdir -p $(@D)
	$(CC_SAN) $(SAN_FLAGS) -o $@ $(SRC)
asan: build/asan/echod

build/itest: $(ITEST_SRC) $(ITEST_HDR) | setup-build
	@mkdir -p $(@D)
	$(CC_MUSL) $(STD) $(WARN) -O2 -static -Itests -o $@ $(ITEST_SRC)

build/unit: $(UNIT_TESTS) $(UNIT_SRC) $(HDR) tests/unit/check.h | setup-build
	@mkdir -p $(@D)
	$(CC_SAN) $(SAN_FLAGS) -Isrc -o $@ $(UNIT_TESTS) $(UNIT_SRC)

# Installing never builds: as root, it would build as root.
install:
	@[ -f build/echod ] || { echo "make install: build/echod is missing:" \
		"run make first" >&2; exit 1; }
	$(INSTALL) -d -m 0755 '$(DESTDIR)$(SBINDIR)' '$(DESTDIR)$(MANDIR)/man8'
	$(INSTALL) -m 0755 build/echod '$(DESTDIR)$(SBINDIR)/echod'
	$(INSTALL) -m 0644 src/echod.8 '$(DESTDIR)$(MANDIR)/man8/echod.8'
uninstall:
	rm -f '$(DESTDIR)$(SBINDIR)/echod' '$(DESTDIR)$(MANDIR)/man8/echod.8'

run: setup-build build/echod
	./build/echod -p $(PORT)

# What each module costs: the release link without LTO (which blends the
# modules) from one object per module, with the linker's map
# (tests/size.sh reads it); then build/echod as shipped.
SIZE_OBJ = $(SRC:src/%.c=build/size/%.o)
build/size/%.o: src/%.c $(HDR) $(REL_SPECS) build/release.cmd
	@mkdir -p $(@D)
	$(filter-out -flto,$(CC_REL) $(REL_CFLAGS) $(CPPFLAGS) $(CFLAGS)) \
		-c -o $@ $<
build/size/echod: $(SIZE_OBJ)
	$(filter-out -flto,$(REL_CMD)) -Wl,-Map=$@.map -o $@ $(SIZE_OBJ)
size: build/echod build/size/echod
	@sh tests/size.sh build/size/echod build/size/echod.map build/echod

# The fast loop while changing the code: under a minute.
test: unit itest

unit: build/unit
	./build/unit

itest: build/itest build/echod
	./build/itest -- ./build/echod

# The server allocates nothing, and LeakSanitizer cannot read /proc from
# inside the chroot of the privilege-drop case.
itest-asan: build/itest build/asan/echod
	ASAN_OPTIONS=detect_leaks=0 ./build/itest -- ./build/asan/echod

# Every C file of ours; .clang-tidy and tests/.clang-tidy say which checks.
LINT_SRC = $(SRC) $(wildcard tests/*.c tests/lib/*.c tests/itest/*.c \
	tests/unit/*.c tests/fuzz/*.c tests/bench/*.c tests/bench/peers/*.c \
	qemu/*.c)
lint: | setup-lint
	@sh tests/lint.sh $(LINT_SRC)
setup-lint:
	@sh tests/setup.sh cppcheck clang-tidy

# The release binary is what the Makefile promises: static-pie, RELRO,
# immediate binding, no executable stack, a stack protector, stripped.
hardening: setup-build build/echod build/echod.debug
	@sh tests/hardening.sh build/echod build/echod.debug

# Every test target in turn; one failure does not hide the others.
check: setup
	@failed=""; for t in $(CHECKS); do \
		echo "== make $$t"; \
		$(MAKE) --no-print-directory $$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "check: FAILED:$$failed"; exit 1; fi; \
	echo "check: all of $(CHECKS) passed"

# clean keeps the downloads (cross sysroots, kernels, their apt cache);
# distclean removes them too.
clean:
	rm -rf $(filter-out build/apt build/kernels build/sysroot,$(wildcard build/*))
distclean:
	rm -rf build

# Each later part keeps its rules in its own directory.
-include qemu/qemu.mk docker/docker.mk tests/bench/bench.mk \
	tests/hardening.mk tests/pkg.mk
