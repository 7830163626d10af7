# echod: make run, make check. See README.md.

CC_MUSL ?= musl-gcc
CC_SAN ?= gcc
PORT ?= 8000

WARN = -Wall -Wextra
STD = -std=c11 -D_GNU_SOURCE
# Size: no unwind tables, sections collected, one RX segment, no symbol
# exported (a static-pie would otherwise carry a dynamic symbol table;
# on MIPS that is 5 KB).
# Hardening: position-independent (static-pie, through the specs below),
# stack protector, RELRO with immediate binding (echod mprotects it
# itself: musl does not for static programs), no executable stack.
REL_CFLAGS = $(STD) $(WARN) -Os -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fvisibility=hidden \
	-fPIE -fstack-protector-strong
REL_LDFLAGS = -static -s -Wl,--gc-sections -Wl,-z,noseparate-code \
	-Wl,--exclude-libs,ALL -Wl,-z,relro,-z,now -Wl,-z,noexecstack

# musl's specs link static non-PIE programs; this rewrite of them links
# static-pie: rcrt1.o relocates the program itself, no interpreter.
MUSL_SPECS = /usr/lib/$(shell gcc -dumpmachine | sed 's/-gnu$$/-musl/')/musl-gcc.specs
pie_specs = sed -e 's|Scrt1\.o|rcrt1.o|g' \
	-e 's|-dynamic-linker [^ ]*|-static -pie --no-dynamic-linker -z text|' \
	$(1) > $(2).tmp && mv $(2).tmp $(2)
CC_REL = gcc -specs build/static-pie.specs
SAN_FLAGS = $(STD) $(WARN) -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all

SRC = $(wildcard src/*.c)
HDR = $(wildcard src/*.h)
# Modules unit tests drive directly (udp.c only for its size).
UNIT_SRC = src/ring.c src/slots.c src/mem.c src/udp.c src/xform.c src/options.c src/say.c \
	src/addr.c src/cap.c src/clock.c src/guard.c src/hash.c src/limit.c src/net.c
UNIT_TESTS = $(wildcard tests/unit/*.c)

# Debian packages each part needs; fragments below add theirs.
PKGS_BUILD = make gcc libc6-dev musl-tools
PKGS = $(PKGS_BUILD) cppcheck clang-tidy
# Test targets make check runs, in order; fragments add theirs.
CHECKS = unit itest itest-asan hardening lint

.PHONY: all run check unit itest itest-asan asan clean distclean setup setup-build \
	size hardening lint setup-lint
all: build/echod

# The set-up step: install what is missing, as root or through sudo.
setup-build:
	@sh tests/setup.sh $(PKGS_BUILD)
setup:
	@sh tests/setup.sh $(PKGS)

build/static-pie.specs: | setup-build
	@mkdir -p $(@D)
	$(call pie_specs,$(MUSL_SPECS),$@)

build/echod: $(SRC) $(HDR) build/static-pie.specs | setup-build
	@mkdir -p $(@D)
	$(CC_REL) $(REL_CFLAGS) $(REL_LDFLAGS) -o $@ $(SRC)

# The same sources against glibc, under AddressSanitizer and UBSan.
build/asan/echod: $(SRC) $(HDR) | setup-build
	@mkdir -p $(@D)
	$(CC_SAN) $(SAN_FLAGS) -o $@ $(SRC)
asan: build/asan/echod

build/itest: tests/itest.c | setup-build
	@mkdir -p $(@D)
	$(CC_MUSL) $(STD) $(WARN) -O2 -static -o $@ tests/itest.c

build/unit: $(UNIT_TESTS) $(UNIT_SRC) $(HDR) tests/unit/check.h | setup-build
	@mkdir -p $(@D)
	$(CC_SAN) $(SAN_FLAGS) -Isrc -o $@ $(UNIT_TESTS) $(UNIT_SRC)

run: build/echod
	./build/echod -p $(PORT)

size: build/echod
	@echo "build/echod: $$(stat -c %s build/echod) bytes"

unit: build/unit
	./build/unit

itest: build/itest build/echod
	./build/itest -- ./build/echod

# The server allocates nothing, and LeakSanitizer cannot read /proc from
# inside the chroot of the privilege-drop case.
itest-asan: build/itest build/asan/echod
	ASAN_OPTIONS=detect_leaks=0 ./build/itest -- ./build/asan/echod

# Every C file of ours; .clang-tidy and tests/.clang-tidy say which checks.
LINT_SRC = $(SRC) $(wildcard tests/*.c tests/unit/*.c tests/fuzz/*.c \
	tests/bench/*.c tests/bench/peers/*.c qemu/*.c)
lint: | setup-lint
	@sh tests/lint.sh $(LINT_SRC)
setup-lint:
	@sh tests/setup.sh cppcheck clang-tidy

# Every test target in turn; one failure does not hide the others.
# The release binary is what the Makefile promises: static-pie, RELRO,
# immediate binding, no executable stack, a stack protector, stripped.
hardening: build/echod build/echod.debug
	@sh tests/hardening.sh build/echod build/echod.debug

# The release build before stripping, for the checks that need symbols.
build/echod.debug: $(SRC) $(HDR) build/static-pie.specs | setup-build
	$(CC_REL) $(REL_CFLAGS) $(filter-out -s,$(REL_LDFLAGS)) -o $@ $(SRC)

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
	tests/hardening.mk
