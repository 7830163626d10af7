#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The Linux epoll tutorial's server (Python, select.epoll), ported to
Python 3 and made an echo: level-triggered, one queue of pending data per
connection, and epoll.modify() after every read (to EPOLLOUT) and after
every write (back to EPOLLIN once the queue is empty). Byte-exact: a
partial send keeps the unsent tail at the head of the queue.

Set-up only differs from the tutorial: TCP_NODELAY on each client (echod
sets it) and a backlog of 4096.

usage: tutorial.py PORT   (0: any free port; the port is printed on stderr)
"""
import collections
import select
import signal
import socket
import sys


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 7000
    serversocket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    serversocket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    serversocket.bind(('127.0.0.1', port))
    serversocket.listen(4096)
    serversocket.setblocking(0)
    print('tutorial.py: listening on 127.0.0.1:%d'
          % serversocket.getsockname()[1], file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    epoll = select.epoll()
    epoll.register(serversocket.fileno(), select.EPOLLIN)
    connections = {}
    queues = {}

    def close(fileno):
        epoll.unregister(fileno)
        connections.pop(fileno).close()
        del queues[fileno]

    try:
        while True:
            events = epoll.poll(1)
            for fileno, event in events:
                if fileno == serversocket.fileno():
                    try:
                        connection, address = serversocket.accept()
                    except BlockingIOError:
                        continue
                    connection.setblocking(0)
                    connection.setsockopt(socket.IPPROTO_TCP,
                                          socket.TCP_NODELAY, 1)
                    epoll.register(connection.fileno(), select.EPOLLIN)
                    connections[connection.fileno()] = connection
                    queues[connection.fileno()] = collections.deque()
                elif event & select.EPOLLIN:
                    try:
                        data = connections[fileno].recv(4096)
                    except BlockingIOError:
                        continue
                    except OSError:
                        close(fileno)
                        continue
                    if not data:
                        close(fileno)
                        continue
                    queues[fileno].append(data)
                    epoll.modify(fileno, select.EPOLLOUT)
                elif event & select.EPOLLOUT:
                    queue = queues[fileno]
                    try:
                        sent = connections[fileno].send(queue[0])
                    except BlockingIOError:
                        sent = 0
                    except OSError:
                        close(fileno)
                        continue
                    if sent < len(queue[0]):
                        queue[0] = queue[0][sent:]
                    else:
                        queue.popleft()
                    epoll.modify(fileno, select.EPOLLOUT if queue
                                 else select.EPOLLIN)
                elif event & (select.EPOLLHUP | select.EPOLLERR):
                    close(fileno)
    finally:
        epoll.unregister(serversocket.fileno())
        epoll.close()
        serversocket.close()


if __name__ == '__main__':
    main()
