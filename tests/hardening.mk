# Evidence for the hardening issue: fuzzing, soak, valgrind.
#   make fuzz [FUZZ_SECONDS=60]   each libFuzzer target for that long
#   make fuzz-smoke               each for FUZZ_SMOKE_SECONDS (make check)
#   make soak [SOAK_SECONDS=60]   mixed clients against one echod per mode
#   make soak-smoke               the same for 10 s (make check)
#   make valgrind                 the integration suite, server under memcheck
# Output goes to build/fuzz/, build/soak/, build/vg/.

PKGS += clang libclang-rt-14-dev valgrind
CHECKS += fuzz-smoke soak-smoke valgrind

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 8
FUZZ_FLAGS = $(STD) $(WARN) -O1 -g -fno-omit-frame-pointer -Isrc -Itests/fuzz \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS = ring xform options guard cidr
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

.PHONY: fuzz fuzz-smoke fuzz-build soak soak-smoke valgrind

build/fuzz/ring: tests/fuzz/fuzz_ring.c src/ring.c $(HDR) | setup
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_ring.c src/ring.c

build/fuzz/xform: tests/fuzz/fuzz_xform.c src/xform.c $(HDR) | setup
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_xform.c src/xform.c

build/fuzz/options: tests/fuzz/fuzz_options.c src/options.c src/say.c \
		src/addr.c $(HDR) | setup
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_options.c \
		src/options.c src/say.c src/addr.c

build/fuzz/guard: tests/fuzz/fuzz_guard.c src/guard.c src/addr.c $(HDR) | setup
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_guard.c src/guard.c \
		src/addr.c

build/fuzz/cidr: tests/fuzz/fuzz_cidr.c src/addr.c $(HDR) | setup
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_cidr.c src/addr.c

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_SECONDS) long $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS) smoke $(FUZZ_TARGETS)

build/soak/soak: tests/soak.c | setup-build
	@mkdir -p $(@D)
	$(CC_MUSL) $(STD) $(WARN) -O2 -static -o $@ tests/soak.c

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
