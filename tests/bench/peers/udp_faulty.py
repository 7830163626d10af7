#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A UDP echo that is wrong on purpose, for the smoke test of the load:
   flip  - one byte of every datagram changed
   cut   - every datagram one byte short
   dup   - every datagram echoed twice
   drop  - every 4th datagram dropped (the load must count 25 % loss)
On exit it prints how many source addresses it saw.

usage: udp_faulty.py MODE PORT   (0: any free port; printed on stderr)
"""
import signal
import socket
import sys


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', port))
    print('udp_faulty: listening on 127.0.0.1:%d' % s.getsockname()[1],
          file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    sources, n = set(), 0
    try:
        while True:
            data, peer = s.recvfrom(65536)
            sources.add(peer[0])
            n += 1
            if mode == 'flip':
                data = data[:-1] + bytes([data[-1] ^ 1])
            elif mode == 'cut':
                data = data[:-1]
            elif mode == 'drop' and n % 4 == 0:
                continue
            s.sendto(data, peer)
            if mode == 'dup':
                s.sendto(data, peer)
    finally:
        print('udp_faulty: %d sources' % len(sources), file=sys.stderr,
              flush=True)


if __name__ == '__main__':
    main()
