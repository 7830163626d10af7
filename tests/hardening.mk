# SPDX-License-Identifier: ISC
# Evidence for the hardening issue: fuzzing, soak, valgrind.
#   make fuzz [FUZZ_SECONDS=60]   each libFuzzer target for that long
#   make fuzz-smoke               each for FUZZ_SMOKE_SECONDS (make check)
#   make soak [SOAK_SECONDS=60]   mixed clients against one echod per mode
#   make soak-smoke               the same for 10 s (make check)
#   make valgrind                 the integration suite, server under memcheck
#   make coverage                 lines of src/ the integration suite runs
# Output goes to build/fuzz/, build/soak/, build/vg/, build/cov/.

PKGS += clang libclang-rt-14-dev valgrind
CHECKS += fuzz-smoke soak-smoke valgrind

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 8
FUZZ_FLAGS = $(STD) $(WARN) -O1 -g -fno-omit-frame-pointer -Isrc -Itests \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
# Every target reports a broken invariant through the test library.
FUZZ_LIB = tests/lib/report.c tests/lib/report.h
FUZZ_TARGETS = ring xform options listen_env guard cidr stamp http
FUZZ_BINS = $(addprefix build/fuzz/,$(FUZZ_TARGETS))

SOAK_SECONDS ?= 60
SOAK_SMOKE_SECONDS ?= 10
# One echod per mode, each for half the time: level-, then edge-triggered.
# soak adds -c, -t, -p 0 (and -E) to the server command itself.
SOAK_FLAGS = -c 64 -t 2 -s 1
SOAK_SERVER = ./build/echod

VG_CC ?= gcc
VG_TIMEOUT_SCALE ?= 5
VALGRIND = valgrind -q --error-exitcode=99 --leak-check=full

.PHONY: fuzz fuzz-smoke fuzz-build soak soak-smoke valgrind coverage

# What each target links beside its harness and the test library.
FUZZ_SRC_ring = src/ring.c
FUZZ_SRC_xform = src/xform.c
FUZZ_SRC_options = src/options.c src/say.c src/sys.c src/addr.c
FUZZ_SRC_listen_env = $(FUZZ_SRC_options)
FUZZ_SRC_guard = src/guard.c src/addr.c
FUZZ_SRC_cidr = src/addr.c
FUZZ_SRC_stamp = src/stamp.c
FUZZ_SRC_http = src/http.c src/say.c src/sys.c
$(foreach t,$(FUZZ_TARGETS),$(eval build/fuzz/$(t): $(FUZZ_SRC_$(t))))

$(FUZZ_BINS): build/fuzz/%: tests/fuzz/fuzz_%.c $(HDR) $(FUZZ_LIB) | setup
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_SRC_$*) \
		$(filter %.c,$(FUZZ_LIB))

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_SECONDS) long $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS) smoke $(FUZZ_TARGETS)

build/soak/soak: tests/soak.c $(TESTLIB) $(TESTLIB_HDR) | setup-build
	@mkdir -p $(@D)
	$(CC_MUSL) $(STD) $(WARN) -O2 -static -Itests -o $@ tests/soak.c \
		$(TESTLIB)

soak: build/soak/soak build/echod
	./build/soak/soak -d $(SOAK_SECONDS) $(SOAK_FLAGS) -- $(SOAK_SERVER)

soak-smoke: build/soak/soak build/echod
	./build/soak/soak -d $(SOAK_SMOKE_SECONDS) $(SOAK_FLAGS) -- $(SOAK_SERVER)

# A glibc build with no sanitizers: valgrind cannot run ASan binaries.
build/vg/echod: $(SRC) $(HDR) | setup
	@mkdir -p $(@D)
	$(VG_CC) $(STD) $(WARN) -O1 -g -o $@ $(SRC)

# Two cases cannot run under valgrind, which keeps descriptors of its own
# at the top of RLIMIT_NOFILE: it pins the client's hard limit to the soft
# one (fd-limit: echod cannot raise 64 to 2016 and warns) and takes 12 of
# the 24 descriptors emfile allows (only ~4 clients fit, the case wants 5).
# itest leaves them out (-x) and says so. Any memcheck error exits 99, a
# FAIL of the case. -S: valgrind's own syscalls are not on the seccomp
# allowlist.
valgrind: build/itest build/vg/echod
	./build/itest -T $(VG_TIMEOUT_SCALE) -k -x fd-limit -x emfile -- \
		$(VALGRIND) build/vg/echod -S

# gcov counters in a glibc build. -S: under the seccomp filter the counters
# could not be written at exit, so the two seccomp cases are left out.
build/cov/echod: $(SRC) $(HDR) | setup-build
	@mkdir -p $(@D)
	gcc $(STD) $(WARN) -O0 -g --coverage -o $@ $(SRC)

coverage: build/itest build/cov/echod
	@rm -f build/cov/*.gcda
	./build/itest -x seccomp -- build/cov/echod -S
	@cd build/cov && gcov -n $(notdir $(SRC:src/%.c=echod-%.gcda)) | \
		sed -n "s/^File '\(.*\)'/\1:/p; s/^Lines executed:/  /p" | \
		paste -d '' - - | sed '$$s/^/total:/'
