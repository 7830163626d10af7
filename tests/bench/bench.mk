# SPDX-License-Identifier: ISC
# The echo benchmark: make bench, make bench-quick, make bench-smoke.
# See tests/bench/run.py. Output goes to build/bench/.

PKGS += libuv1-dev libevent-dev linux-perf python3 pkg-config util-linux \
	socat ncat openbsd-inetd iproute2
CHECKS += bench-smoke

BENCH_CC ?= gcc
BENCH_PY ?= python3
BENCH_CFLAGS = $(STD) $(WARN) -O2
BENCH_PEERS = build/bench/uv_echo build/bench/ev_echo build/bench/fork_echo \
	build/bench/epoll_echo build/bench/udp_echo
BENCH_BINS = build/bench/load $(BENCH_PEERS) build/echod

.PHONY: bench bench-quick bench-smoke bench-build

build/bench/load: tests/bench/load.c | setup-build
	@mkdir -p $(@D)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ tests/bench/load.c

build/bench/uv_echo: tests/bench/peers/uv_echo.c | setup
	@mkdir -p $(@D)
	$(BENCH_CC) $(BENCH_CFLAGS) $$(pkg-config --cflags libuv) -o $@ $< \
		$$(pkg-config --libs libuv)

build/bench/ev_echo: tests/bench/peers/ev_echo.c | setup
	@mkdir -p $(@D)
	$(BENCH_CC) $(BENCH_CFLAGS) $$(pkg-config --cflags libevent) -o $@ $< \
		$$(pkg-config --libs libevent)

PEER_LISTEN = tests/bench/peers/listen.c tests/bench/peers/listen.h

build/bench/fork_echo: tests/bench/peers/fork_echo.c $(PEER_LISTEN)
	@mkdir -p $(@D)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ $< tests/bench/peers/listen.c

# The simplest echo servers are built as echod is (musl, static-pie, the
# same flags), so that CPU per message compares code, not toolchains.
build/bench/epoll_echo: tests/bench/peers/epoll_echo.c $(PEER_LISTEN) \
		$(REL_SPECS)
	@mkdir -p $(@D)
	$(CC_REL) $(REL_CFLAGS) $(REL_LDFLAGS) -o $@ $< tests/bench/peers/listen.c

build/bench/udp_echo: tests/bench/peers/udp_echo.c $(REL_SPECS)
	@mkdir -p $(@D)
	$(CC_REL) $(REL_CFLAGS) $(REL_LDFLAGS) -o $@ $<

bench-build: setup $(BENCH_BINS)

# The full matrix, 3 rounds: about 30 minutes on 2 cores.
bench: bench-build
	$(BENCH_PY) tests/bench/run.py --mode full

# One round of a reduced matrix, about 3 minutes.
bench-quick: bench-build
	$(BENCH_PY) tests/bench/run.py --mode quick

# Part of make check: tiny loads that must work and verify; no speed.
bench-smoke: bench-build
	$(BENCH_PY) tests/bench/run.py --mode smoke
