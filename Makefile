# echod: make run, make check. See README.md.

CC_MUSL ?= musl-gcc
CC_SAN ?= gcc
PORT ?= 8000

WARN = -Wall -Wextra
STD = -std=c11 -D_GNU_SOURCE
# Size: no unwind tables, sections collected, one RX segment, no RELRO page.
REL_CFLAGS = $(STD) $(WARN) -Os -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables
REL_LDFLAGS = -static -s -Wl,--gc-sections -Wl,-z,noseparate-code \
	-Wl,-z,norelro
SAN_FLAGS = $(STD) $(WARN) -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all

SRC = $(wildcard src/*.c)
HDR = $(wildcard src/*.h)
# Modules that make no syscalls of their own: unit tests drive them directly.
UNIT_SRC = src/ring.c src/slots.c src/xform.c src/options.c src/say.c
UNIT_TESTS = $(wildcard tests/unit/*.c)

# Debian packages each part needs; fragments below add theirs.
PKGS_BUILD = make gcc libc6-dev musl-tools
PKGS = $(PKGS_BUILD)
# Test targets make check runs, in order; fragments add theirs.
CHECKS = unit itest itest-asan

.PHONY: all run check unit itest itest-asan asan clean setup setup-build \
	size
all: build/echod

# The set-up step: install what is missing, as root or through sudo.
setup-build:
	@sh tests/setup.sh $(PKGS_BUILD)
setup:
	@sh tests/setup.sh $(PKGS)

build/echod: $(SRC) $(HDR) | setup-build
	@mkdir -p $(@D)
	$(CC_MUSL) $(REL_CFLAGS) $(REL_LDFLAGS) -o $@ $(SRC)

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

itest-asan: build/itest build/asan/echod
	./build/itest -- ./build/asan/echod

# Every test target in turn; one failure does not hide the others.
check: setup
	@failed=""; for t in $(CHECKS); do \
		echo "== make $$t"; \
		$(MAKE) --no-print-directory $$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "check: FAILED:$$failed"; exit 1; fi; \
	echo "check: all of $(CHECKS) passed"

clean:
	rm -rf build

# Each later part keeps its rules in its own directory.
-include qemu/qemu.mk docker/docker.mk tests/bench/bench.mk \
	tests/hardening.mk
