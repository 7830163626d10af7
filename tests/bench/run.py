#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The echo benchmark's runner: echod against its peers, side by side.

Every run starts a fresh server pinned to CPU 0 and runs the load
generator (build/bench/load) pinned to CPU 1; the load prints one JSON
line. Servers are interleaved round by round (A B C ... A B C ...), and
every figure is the median over the rounds:

  - messages/s (MiB/s in bulk mode) and latency percentiles, from the load;
  - server CPU time per message, from /proc over the measured period;
  - syscalls per message: `perf stat -e raw_syscalls:sys_enter -p PID`
    over a short and a long run, subtracted, so set-up and tear-down
    cancel;
  - VmRSS and VmHWM with idle connections (load f);
  - UDP loads (h-l): datagrams/s, loss, the same CPU and syscall figures
    per datagram; each sender from its own loopback address;
  - binary size (with the shared libraries it loads).

Modes: full (make bench), quick (make bench-quick: one round of a reduced
matrix) and smoke (make bench-smoke, part of make check: tiny loads that
must work and verify; it asserts nothing about speed). --tail runs the
tail-latency probe instead (see tail()).
"""
import argparse
import atexit
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.join(ROOT, 'build', 'bench')
LOAD = os.path.join(BIN, 'load')
ECHOD = os.path.join(ROOT, 'build', 'echod')
PYTHON = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') \
    else shutil.which('python3')
# Where the server and the load run. On a bigger machine give the load more
# CPUs (BENCH_LOAD_CPUS=1-3): it then runs one load process per CPU.
SERVER_CPU = os.environ.get('BENCH_SERVER_CPU', '0')
LOAD_CPU = os.environ.get('BENCH_LOAD_CPUS', '1')


def cpu_count(spec):
    n = 0
    for part in spec.split(','):
        lo, _, hi = part.partition('-')
        n += int(hi or lo) - int(lo) + 1
    return n


LOAD_PROCS = cpu_count(LOAD_CPU)
PORT_RE = re.compile(r'listening on \S*:(\d+)')


class Peer:
    """How to start a server. cmd prints "listening on ADDR:PORT" on stderr,
    or has {port} for a free port the runner picks (and {conf} for a file
    of its own); protos are the loads it serves; udp_args are added for UDP
    loads; netns: it runs in the runner's network namespace, on port."""

    def __init__(self, cmd, protos=('tcp',), udp_args=(), files=None,
                 netns=False, port=None, conf=''):
        self.cmd, self.protos, self.udp_args = cmd, protos, list(udp_args)
        self.netns, self.port, self.conf = netns, port, conf
        # What it runs from: the executable (and an interpreter's script);
        # binary_size adds the shared libraries.
        self.files = files or [shutil.which(cmd[0]) or cmd[0]]


ECHOD_CMD = [ECHOD, '-p', '0', '-l', '127.0.0.1', '-t', '0']
SERVERS = {
    # The highest per-source rate: the guards and limits run and cost what
    # they cost, but a load from one address is not throttled.
    'echod': Peer(ECHOD_CMD, ('tcp', 'udp'), ['-U', '-R', '1000000']),
    'echod -E': Peer(ECHOD_CMD + ['-E']),
    # The simplest epoll echo: what echod's slots and rings cost.
    'simple epoll': Peer([os.path.join(BIN, 'epoll_echo'), '0']),
    'libuv': Peer([os.path.join(BIN, 'uv_echo'), '0']),
    'libevent': Peer([os.path.join(BIN, 'ev_echo'), '0']),
    'tutorial.py': Peer([PYTHON, os.path.join(HERE, 'peers', 'tutorial.py'),
                         '0'], files=[os.path.realpath(PYTHON or ''),
                                      os.path.join(HERE, 'peers',
                                                   'tutorial.py')]),
    'fork (inetd)': Peer([os.path.join(BIN, 'fork_echo'), '0']),
    # UDP: a recvfrom/sendto loop in C, and what a user would type.
    'recvfrom loop': Peer([os.path.join(BIN, 'udp_echo'), '0'], ('udp',)),
    # A process per datagram: the one socat UDP echo that keeps datagrams
    # whole (UDP-LISTEN,fork PIPE glues queued datagrams together).
    'socat': Peer(['socat', 'UDP-RECVFROM:{port},bind=127.0.0.1,fork',
                   'PIPE'], ('udp',)),
    # A process per peer, through cat: datagram edges are not kept.
    'ncat': Peer(['ncat', '--udp', '-l', '-k', '127.0.0.1', '{port}', '-e',
                  '/bin/cat'], ('udp',)),
    # Internal echo: it ignores 127/8 sources, so it runs behind a veth.
    'inetd (netns)': Peer(['inetd', '-i', '{conf}'], ('udp',), netns=True,
                          port=7, conf='echo dgram udp wait root internal\n'),
}


# The servers echod is measured against; any other (echod, echod -E, a
# --server build) must run every load without an error.
PEERS = [s for s in SERVERS if not s.startswith('echod')]


class Load:
    def __init__(self, key, title, args, kind='echo', slots=None):
        self.key, self.title, self.args, self.kind = key, title, args, kind
        self.slots = slots      # echod -c, when the default 1024 is short
        self.proto = 'udp' if kind.startswith('udp') else 'tcp'


def udp_loads(smoke):
    """(h)-(l): ping-pong and floods at 64 and 1400 B, and mixed sizes."""
    senders = (1, 10, 4) if smoke else (1, 100, 8)
    depth = '8' if smoke else '32'
    u = ['-m', 'udp']
    return [
        Load('h', 'UDP ping-pong, 1 sender, 64 B', u + ['-c', '1'], 'udp'),
        Load('i', 'UDP ping-pong, %d senders, 64 B' % senders[1],
             u + ['-c', str(senders[1])], 'udp'),
        Load('j', 'UDP flood, %d senders x %s in flight, 64 B' % (
            senders[2], depth), u + ['-c', str(senders[2]), '-d', depth],
            'udp'),
        Load('k', 'UDP flood, %d senders x %s in flight, 1400 B' % (
            senders[2], depth), u + ['-c', str(senders[2]), '-d', depth,
                                     '-s', '1400'], 'udp'),
        Load('l', 'UDP mixed sizes 64 B-65,507 B, %d senders x 4 in flight'
             % senders[2], u + ['-c', str(senders[2]), '-d', '4', '-s', 'mix',
                                '-T', '200'], 'udpmix'),
    ]


def tcp_loads(smoke):
    """(a)-(g): ping-pong, pipelined, bulk, idle and many connections; a
    smoke run has fewer of each and no (c)."""
    conns, bulk, idle = (10, 2, 50) if smoke else (100, 10, 1000)
    loads = [
        Load('a', '1 connection ping-pong, 64 B', ['-c', '1']),
        Load('b', '%d connections, 64 B' % conns, ['-c', str(conns)]),
        Load('d', '%d connections x 16 in flight x 512 B' % conns,
             ['-c', str(conns), '-d', '16', '-s', '512']),
        Load('e', 'bulk, %d connections, 64 KiB writes' % bulk,
             ['-m', 'bulk', '-c', str(bulk), '-s', '65536'], 'bulk'),
        Load('f', '%d idle connections' % idle,
             ['-c', str(idle), '-a', '0'], 'idle'),
    ]
    if smoke:
        return loads + [
            Load('g', '300 connections, 10 active, 2 load processes',
                 ['-c', '300', '-a', '10', '-j', '2'])]
    return loads[:2] + [
        Load('c', '1000 connections, 64 B', ['-c', '1000'])] + loads[2:] + [
        # One load process: two on the load's one core take turns, and an
        # echo that comes while the other runs waits out its time slice
        # (a p99 of 4.3 ms for any server fast enough to keep it busy).
        Load('g', '10 000 connections, 100 active, 64 B',
             ['-c', '10000', '-a', '100'], slots='10100')]


def loads_for(mode):
    if mode == 'smoke':
        return tcp_loads(True) + udp_loads(True)
    full = tcp_loads(False) + udp_loads(False)
    if mode == 'quick':
        return [l for l in full if l.key in 'bdef'] + [
            Load('g', '2000 connections, 100 active, 64 B',
                 ['-c', '2000', '-a', '100'], slots='2100')] + \
            [l for l in full if l.key in 'ijl']
    return full


# Seconds: warm-up, measured period, and the syscall pair's short and long
# measured periods (after the same warm-up).
TIMES = {
    'full': dict(warm=1.0, measure=3.0, idle=1.0, sys_warm=0.5,
                 sys_short=0.5, sys_long=2.0),
    'quick': dict(warm=0.2, measure=0.7, idle=0.3, sys_warm=0.2,
                  sys_short=0.2, sys_long=0.7),
    'smoke': dict(warm=0.1, measure=0.2, idle=0.1, sys_warm=0.1,
                  sys_short=0.1, sys_long=0.3),
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


class NetNS:
    """A network namespace behind a veth pair, for a server that ignores
    loopback sources (inetd). Root only; made on first use, removed at
    exit. The addresses are from 198.18.0.0/15 (RFC 2544, benchmarking),
    a /30 per runner's pid so that two runners do not meet."""

    def __init__(self):
        n = os.getpid() % 16384
        self.name = 'echodbench%d' % os.getpid()
        self.veth = ('ebv%da' % n, 'ebv%db' % n)
        a, b = 18 + (n >> 13), (n >> 5) & 255
        self.local = '198.%d.%d.%d' % (a, b, (n & 31) * 8 + 1)
        self.host = '198.%d.%d.%d' % (a, b, (n & 31) * 8 + 2)
        self.ready, self.reason = None, ''

    def up(self):
        if self.ready is not None:
            return self.ready
        self.ready = False
        if os.geteuid() != 0:
            self.reason = 'not root (it needs a network namespace)'
            return False
        if not shutil.which('ip'):
            self.reason = 'no ip command (iproute2)'
            return False
        atexit.register(self.down)
        ns = ['ip', '-n', self.name]
        for cmd in (['ip', 'netns', 'add', self.name],
                    ['ip', 'link', 'add', self.veth[0], 'type', 'veth',
                     'peer', 'name', self.veth[1], 'netns', self.name],
                    ['ip', 'addr', 'add', self.local + '/30', 'dev',
                     self.veth[0]],
                    ['ip', 'link', 'set', self.veth[0], 'up'],
                    ns + ['addr', 'add', self.host + '/30', 'dev',
                          self.veth[1]],
                    ns + ['link', 'set', self.veth[1], 'up'],
                    ns + ['link', 'set', 'lo', 'up']):
            p = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            if p.returncode != 0:
                self.reason = '%s: %s' % (' '.join(cmd), p.stdout.strip())
                self.down()
                return False
        self.ready = True
        return True

    def down(self):
        """Deleting the namespace deletes both ends of the veth pair."""
        for cmd in (['ip', 'netns', 'del', self.name],
                    ['ip', 'link', 'del', self.veth[0]]):
            subprocess.run(cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        self.ready = None if self.ready is None else False


NETNS = NetNS()


def missing(name):
    """Why a server cannot run here, or None."""
    peer = SERVERS[name]
    exe = peer.cmd[0]
    if not (os.path.exists(exe) or shutil.which(exe)):
        return '%s is not installed or built' % exe
    if peer.netns and not NETNS.up():
        return NETNS.reason
    return None


def free_port():
    """A port free for both TCP and UDP on 127.0.0.1, for now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(('127.0.0.1', 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(('127.0.0.1', port))
                except OSError:
                    continue
        return port
    raise RuntimeError('no free port')


def listening(pid, port, proto):
    """Whether a socket of that port is bound in pid's network namespace."""
    want = ':%04X' % port
    for table in (proto, proto + '6'):
        try:
            with open('/proc/%d/net/%s' % (pid, table)) as f:
                for line in f.readlines()[1:]:
                    fields = line.split()
                    if fields[1].endswith(want) and fields[3] in ('07', '0A'):
                        return True
        except OSError:
            pass
    return False


class Server:
    """A fresh server pinned to CPU 0, in its own process group."""

    def __init__(self, name, load, outdir, extra=()):
        peer = SERVERS[name]
        cmd = list(peer.cmd) + list(extra)
        if load.proto == 'udp':
            cmd += peer.udp_args
        if os.path.basename(cmd[0]) == 'echod' and load.slots:
            cmd += ['-c', load.slots]
        self.host, self.port = '127.0.0.1', peer.port
        if any('{port}' in c for c in cmd):
            self.port = free_port()
        conf = os.path.join(outdir, 'server.conf')
        if peer.conf:
            with open(conf, 'w') as f:
                f.write(peer.conf)
        cmd = [c.replace('{port}', str(self.port)).replace('{conf}', conf)
               for c in cmd]
        if peer.netns:
            self.host = NETNS.host
            cmd = ['ip', 'netns', 'exec', NETNS.name] + cmd
        self.errpath = os.path.join(outdir, 'server.err')
        self.err = open(self.errpath, 'w')
        self.proc = subprocess.Popen(
            ['taskset', '-c', SERVER_CPU] + cmd, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=self.err,
            start_new_session=True)
        self.pid = self.proc.pid
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.port is not None:
                # taskset and ip exec the server: the pid stays the same.
                if listening(self.pid, self.port, load.proto):
                    return
            else:
                with open(self.errpath) as f:
                    m = PORT_RE.search(f.read())
                if m:
                    self.port = int(m.group(1))
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        self.stop()
        with open(self.errpath) as f:
            raise RuntimeError('%s did not start: %s' % (name, f.read()))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # A fork-per-connection server's children, if any are left.
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.err.close()


def wait_attached(proc):
    """perf is attached once it holds a perf_event descriptor."""
    fds = '/proc/%d/fd' % proc.pid
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            for fd in os.listdir(fds):
                try:
                    if 'perf_event' in os.readlink(os.path.join(fds, fd)):
                        return
                except OSError:
                    pass
        except OSError:
            pass
        time.sleep(0.01)
    raise RuntimeError('perf did not attach')


class Perf:
    """perf stat counting the server's syscalls, children included."""

    def __init__(self, pid, outdir):
        self.out = os.path.join(outdir, 'perf.out')
        self.proc = subprocess.Popen(
            ['taskset', '-c', LOAD_CPU, 'perf', 'stat', '-x,', '-e',
             'raw_syscalls:sys_enter', '-p', str(pid), '-o', self.out],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        wait_attached(self.proc)

    def count(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(10)
        with open(self.out) as f:
            for line in f:
                fields = line.strip().split(',')
                if len(fields) > 2 and fields[2] == 'raw_syscalls:sys_enter':
                    return int(fields[0]) if fields[0].isdigit() else 0
        raise RuntimeError('no count in perf output')


def run_load(server, load, warm, measure, label, outdir, extra=()):
    args = ['taskset', '-c', LOAD_CPU, LOAD, '-H', server.host,
            '-p', str(server.port), '-S', str(server.pid), '-w', str(warm),
            '-t', str(measure), '-D', str(warm + measure + 60), '-L', label]
    if LOAD_PROCS > 1 and '-j' not in load.args:
        args += ['-j', str(LOAD_PROCS)]
    # Every UDP sender from its own loopback address: a server's limits
    # per source address see as many sources as there are senders.
    if load.proto == 'udp' and server.host == '127.0.0.1':
        args += ['-b', '127.0.0.2+%s' % load.args[load.args.index('-c') + 1]]
    args += load.args + list(extra)
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=warm + measure + 90)
    line = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ''
    try:
        r = json.loads(line)
    except ValueError:
        r = {'ok': False, 'error': 'no JSON from load: %s %s'
             % (p.stdout.strip()[:200], p.stderr.strip()[:200])}
    if p.stderr.strip():
        r.setdefault('stderr', p.stderr.strip()[:300])
    return r


def one_run(name, load, warm, measure, outdir, perf=False, extra=(),
            load_extra=(), watcher=None):
    """A fresh server, one load run; the JSON line plus the syscalls.
    watcher(pid) starts something that watches the server during the run
    and returns an object whose finish() is called after it."""
    label = '%s/%s' % (load.key, name)
    server = Server(name, load, outdir, extra)
    counter = None
    try:
        if perf:
            counter = Perf(server.pid, outdir)
        if watcher:
            counter = watcher(server.pid)
        r = run_load(server, load, warm, measure, label, outdir, load_extra)
        if watcher:
            r.update(counter.finish())
            counter = None
        if counter:
            r['syscalls'] = counter.count()
            counter = None
    finally:
        if counter:
            counter.proc.kill()
            counter.proc.wait()
        server.stop()
    r['server'], r['load'] = name, load.key
    return r


def units(r, load):
    """Messages (datagrams) a run echoed in all; bulk counts 64 KiB
    writes."""
    if load.kind == 'bulk':
        return r.get('bytes_total', 0) / 65536.0
    return r.get('msgs_total', 0)


def syscall_pair(name, load, t, outdir, record, tries=3):
    """Syscalls per message from a short and a long run, subtracted. A pair
    where the long run echoed little more than the short one (a stall on
    the shared machine) is imprecise, so it is tried again."""
    err = None
    for _ in range(tries):
        short = one_run(name, load, t['sys_warm'], t['sys_short'], outdir,
                        True)
        long_ = one_run(name, load, t['sys_warm'], t['sys_long'], outdir,
                        True)
        for kind, r in (('sys_short', short), ('sys_long', long_)):
            r['kind'] = kind
            record(r)
        if not (short.get('ok') and long_.get('ok')):
            err = short.get('error') or long_.get('error')
            continue
        du = units(long_, load) - units(short, load)
        if du < 0.1 * units(long_, load) or du < 100:
            err = 'the long run echoed too little more than the short one'
            continue
        return (long_['syscalls'] - short['syscalls']) / du, None
    return None, err


def binary_size(name):
    """Bytes of the executable(s) plus the shared libraries they load."""
    files = [f for f in SERVERS[name].files if f]
    libs = set()
    for f in files:
        try:
            out = subprocess.run(['ldd', f], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True).stdout
        except OSError:
            out = ''
        for m in re.finditer(r'(/\S+) \(0x', out):
            libs.add(os.path.realpath(m.group(1)))
    own = sum(os.path.getsize(f) for f in files if os.path.exists(f))
    return own, own + sum(os.path.getsize(l) for l in libs)


def machine():
    def first(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True
                                  ).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return '?'

    def pkg(p):
        return first(['dpkg-query', '-W', '-f=${Version}', p])

    cpu = '?'
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    with open('/proc/meminfo') as f:
        mem = int(f.readline().split()[1]) // 1024
    return {
        'date': datetime.datetime.now(datetime.timezone.utc)
        .strftime('%Y-%m-%d %H:%M UTC'),
        'kernel': platform.release(),
        'cpu': '%s, %d cores' % (cpu, os.cpu_count()),
        'memory': '%d MiB' % mem,
        'os': first(['sh', '-c', '. /etc/os-release && echo $PRETTY_NAME']),
        'versions': 'gcc %s, musl %s, libuv %s, libevent %s, Python %s, '
        'perf %s' % (pkg('gcc'), pkg('musl-tools'), pkg('libuv1-dev'),
                     pkg('libevent-dev'), platform.python_version(),
                     first(['perf', 'version']).replace('perf version ', '')),
    }


# --- the table -------------------------------------------------------------

# (load kind, field, label, better): better is 'hi' or 'lo'.
FIGURES = {
    'echo': [('msg_per_s', 'messages/s', 'hi'),
             ('lat_p50_us', 'latency p50 µs', 'lo'),
             ('lat_p99_us', 'latency p99 µs', 'lo'),
             ('lat_p999_us', 'latency p99.9 µs', 'lo'),
             ('server_cpu_us_per_msg', 'server CPU µs/message', 'lo'),
             ('syscalls_per_msg', 'syscalls/message', 'lo')],
    'bulk': [('mib_per_s', 'MiB/s', 'hi'),
             ('server_cpu_s_per_gib', 'server CPU s/GiB', 'lo'),
             ('syscalls_per_msg', 'syscalls/64 KiB', 'lo')],
    'idle': [('server_rss_kib', 'VmRSS KiB', 'lo'),
             ('server_hwm_kib', 'VmHWM KiB', 'lo')],
    'udp': [('msg_per_s', 'datagrams/s', 'hi'),
            ('loss_pct', 'loss %', 'lo'),
            ('lat_p50_us', 'latency p50 µs', 'lo'),
            ('lat_p99_us', 'latency p99 µs', 'lo'),
            ('lat_p999_us', 'latency p99.9 µs', 'lo'),
            ('server_cpu_us_per_msg', 'server CPU µs/datagram', 'lo'),
            ('syscalls_per_msg', 'syscalls/datagram', 'lo')],
}
FIGURES['udpmix'] = FIGURES['udp'][:1] + [('mib_per_s', 'MiB/s', 'hi')] + \
    FIGURES['udp'][1:]


def fmt(v):
    if v is None:
        return '–'
    if isinstance(v, str):
        return v
    a = abs(v)
    if a >= 100000:
        return '{:,.0f}'.format(v).replace(',', ' ')
    if a >= 100:
        return '%.0f' % v
    if a >= 10:
        return '%.1f' % v
    if a >= 1:
        return '%.2f' % v
    return '%.3f' % v


def fmt3(v):
    return '–' if v is None else '%.3f' % v


def cell(v, ref):
    if v is None or isinstance(v, str):
        return fmt(v)
    if ref is None or isinstance(ref, str) or ref == 0:
        return fmt(v)
    return '%s (%.2f×)' % (fmt(v), v / ref)


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def summarize(results, loads, servers):
    """(load, server, field) -> median over rounds, or 'ERR'."""
    med = {}
    for load in loads:
        for s in servers:
            runs = [r for r in results if r.get('load') == load.key and
                    r.get('server') == s and r.get('kind') == 'main']
            fields = [f for f, _, _ in FIGURES[load.kind]]
            for f in fields + ['load_util', 'server_util', 'server_procs']:
                if f == 'syscalls_per_msg':
                    vals = [r.get(f) for r in results
                            if r.get('load') == load.key and
                            r.get('server') == s and r.get('kind') == 'pair']
                else:
                    vals = [r.get(f) for r in runs if r.get('ok')]
                m = median(vals)
                if m is None and runs and not any(r.get('ok') for r in runs):
                    m = 'ERR'
                med[(load.key, s, f)] = m
    return med


def table(med, loads, servers, sizes):
    ref = servers[0]
    out = ['| load | figure | ' + ' | '.join(servers) + ' |',
           '|---|---|' + '---|' * len(servers)]
    for load in loads:
        for f, label, better in FIGURES[load.kind]:
            arrow = '↑' if better == 'hi' else '↓'
            r = med.get((load.key, ref, f))
            row = ['(%s) %s' % (load.key, load.title), '%s %s' % (label, arrow)]
            for s in servers:
                v = med.get((load.key, s, f))
                row.append(fmt(v) if s == ref else cell(v, r))
            out.append('| ' + ' | '.join(row) + ' |')
    for i, label in ((0, 'binary KiB'), (1, 'with shared libraries KiB')):
        row = ['–', label + ' ↓']
        r = sizes[ref][i] / 1024.0
        for s in servers:
            v = sizes[s][i] / 1024.0
            row.append(fmt(v) if s == ref else cell(v, r))
        out.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(out)


def load_check(med, loads, servers):
    """The load generator's own CPU: near 1.0 means it was the bottleneck."""
    out = ['| load | ' + ' | '.join(servers) + ' |',
           '|---|' + '---|' * len(servers)]
    for load in loads:
        if load.kind == 'idle':
            continue
        row = ['(%s)' % load.key]
        for s in servers:
            lu, su = med.get((load.key, s, 'load_util')), \
                med.get((load.key, s, 'server_util'))
            row.append('%s / %s' % (fmt(lu), fmt(su)))
        out.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(out)


def targets(med, loads, servers):
    """The issue's targets, as figures: met or missed, never a failure."""
    keys = {l.key for l in loads}
    peers = [s for s in servers if not s.startswith('echod')]
    lines = []

    def get(k, s, f):
        v = med.get((k, s, f))
        return None if isinstance(v, str) else v

    def say(ok, text):
        mark = '–' if ok is None else ('met' if ok else 'MISSED')
        lines.append('- %s: %s' % (mark, text))

    def cpu_ratio(k1, s1, k2, s2):
        a = get(k1, s1, 'server_cpu_us_per_msg')
        b = get(k2, s2, 'server_cpu_us_per_msg')
        return a / b if a and b else None

    def at_most(r, limit, what):
        say(None if r is None else r <= limit, '%s: %s×' % (what, fmt3(r)))

    if 'b' in keys:
        v = get('b', 'echod', 'syscalls_per_msg')
        say(None if v is None else v <= 2.05,
            'syscalls/message at (b) ≤ 2.05: %s' % fmt3(v))
    for k in 'abcd':
        if k not in keys:
            continue
        e = get(k, 'echod', 'server_cpu_us_per_msg')
        ps = {p: get(k, p, 'server_cpu_us_per_msg') for p in peers}
        best = min((v for v in ps.values() if v is not None), default=None)
        say(None if e is None or best is None else e < best,
            'CPU/message at (%s) below every peer: echod %s µs, best peer %s'
            % (k, fmt(e), fmt(best)))
    if 'b' in keys and 'libuv' in servers:
        at_most(cpu_ratio('b', 'echod', 'b', 'libuv'), 0.7,
                'CPU/message at (b) ≤ 0.7× libuv')
    if 'e' in keys:
        e = get('e', 'echod', 'mib_per_s')
        best = max((v for v in (get('e', p, 'mib_per_s') for p in peers)
                    if v is not None), default=None)
        say(None if e is None or best is None else e >= best,
            'bulk MiB/s at (e) ≥ best peer: echod %s, best peer %s'
            % (fmt(e), fmt(best)))
        ec = get('e', 'echod', 'server_cpu_s_per_gib')
        bc = min((v for v in (get('e', p, 'server_cpu_s_per_gib')
                              for p in peers) if v is not None), default=None)
        say(None if ec is None or bc is None else ec < bc,
            'bulk CPU/GiB at (e) below every peer: echod %s s, best peer %s s'
            % (fmt(ec), fmt(bc)))
    if 'f' in keys:
        v = get('f', 'echod', 'server_rss_kib')
        say(None if v is None else v <= 128,
            'VmRSS with the idle connections ≤ 128 KiB: %s KiB' % fmt(v))
    if 'g' in keys and 'b' in keys:
        at_most(cpu_ratio('g', 'echod', 'b', 'echod'), 1.2,
                'CPU/message at (g) within 1.2× of (b)')
    if 'simple epoll' in servers:
        for k in 'abcd':
            if k in keys:
                at_most(cpu_ratio(k, 'echod', k, 'simple epoll'), 1.03,
                        'CPU/message at (%s) within 3 %% of the simple '
                        'epoll echo' % k)
    for k in 'cg':
        if k not in keys:
            continue
        for f, label in (('lat_p99_us', 'p99'), ('lat_p999_us', 'p99.9')):
            e = get(k, 'echod', f)
            best = min((v for v in (get(k, p, f) for p in peers)
                        if v is not None), default=None)
            say(None if e is None or best is None else e <= best,
                'latency %s at (%s) no worse than the best peer: echod %s '
                'µs, best peer %s µs' % (label, k, fmt(e), fmt(best)))
    for k in 'jk':
        if k not in keys:
            continue
        e = get(k, 'echod', 'server_cpu_us_per_msg')
        p = get(k, 'recvfrom loop', 'server_cpu_us_per_msg')
        r = e / p if e and p else None
        say(None if r is None else r <= 0.7,
            'UDP flood (%s): CPU/datagram ≤ 0.7× the recvfrom loop: %s×'
            % (k, fmt3(r)))
        v = get(k, 'echod', 'syscalls_per_msg')
        say(None if v is None else v <= 0.15,
            'UDP flood (%s): syscalls/datagram ≤ 0.15: %s' % (k, fmt3(v)))
    if 'echod -E' in servers:
        for k in sorted(keys):
            lv = get(k, 'echod', 'syscalls_per_msg')
            ev = get(k, 'echod -E', 'syscalls_per_msg')
            if lv is None or ev is None:
                continue
            # Within 1 %: how many events one epoll_wait returns varies
            # from run to run by that much.
            say(ev <= lv * 1.01,
                'edge-triggered syscalls ≤ level-triggered (within 1 %%) at '
                '(%s): %s vs %s' % (k, fmt3(ev), fmt3(lv)))
    return '\n'.join(lines)


# --- the matrix ---------------------------------------------------------------

def bench(mode, rounds, servers, loads, outdir, with_perf, times=None):
    t = TIMES[times or mode]
    results = []
    raw = open(os.path.join(outdir, 'runs.jsonl'), 'w')

    def record(r):
        results.append(r)
        raw.write(json.dumps(r) + '\n')
        raw.flush()

    start = time.monotonic()
    for rnd in range(1, rounds + 1):
        for load in loads:
            idle = load.kind == 'idle'
            serving = serving_load(servers, load)
            for s in serving:
                warm = 0 if idle else t['warm']
                measure = t['idle'] if idle else t['measure']
                try:
                    r = one_run(s, load, warm, measure, outdir)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    r = {'ok': False, 'error': str(e), 'server': s,
                         'load': load.key}
                r['kind'], r['round'] = 'main', rnd
                record(r)
                log('round %d (%s) %-13s %s' % (rnd, load.key, s,
                                                brief(r, load)))
            if idle or not with_perf:
                continue
            for s in serving:
                try:
                    v, err = syscall_pair(s, load, t, outdir, record)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    v, err = None, str(e)
                record({'kind': 'pair', 'server': s, 'load': load.key,
                        'round': rnd, 'syscalls_per_msg': v, 'error': err})
                log('round %d (%s) %-13s syscalls/%s %s' % (
                    rnd, load.key, s,
                    {'bulk': '64KiB', 'echo': 'message'}.get(load.kind,
                                                             'datagram'),
                    fmt(v) if v is not None else 'ERR: %s' % err))
    raw.close()
    log('%.0f s' % (time.monotonic() - start))
    return results


def serving_load(servers, load):
    return [s for s in servers if load.proto in SERVERS[s].protos]


def brief(r, load):
    if not r.get('ok'):
        return 'ERROR: %s' % r.get('error')
    if load.kind == 'bulk':
        return '%s MiB/s, %s s CPU/GiB%s' % (
            fmt(r.get('mib_per_s')), fmt(r.get('server_cpu_s_per_gib')),
            stall(r))
    if load.kind == 'idle':
        return 'VmRSS %s KiB, VmHWM %s KiB' % (
            fmt(r.get('server_rss_kib')), fmt(r.get('server_hwm_kib')))
    loss = ', loss %s %%' % fmt(r.get('loss_pct')) \
        if load.proto == 'udp' else ''
    return '%s msg/s, %s µs CPU/msg, p99 %s µs, load CPU %s%s%s' % (
        fmt(r.get('msg_per_s')), fmt(r.get('server_cpu_us_per_msg')),
        fmt(r.get('lat_p99_us')), fmt(r.get('load_util')), loss, stall(r))


def stall(r):
    v = r.get('stall_max_ms', 0)
    return ', STALLED %.0f ms' % v if v >= 200 else ''


def report(results, loads, servers, rounds, mode, outdir):
    med = summarize(results, loads, servers)
    sizes = {s: binary_size(s) for s in servers}
    m = machine()
    text = []
    text.append('echod benchmark (%s): %d round%s, medians; every cell\'s '
                'ratio is to echod (level-triggered).' %
                (mode, rounds, '' if rounds == 1 else 's'))
    text.append('')
    text.append('Machine: %s; %s; %s; %s; Linux %s; %s. Server pinned to '
                'CPU %s, load to CPU %s; the machine is shared with other '
                'work.' % (m['date'], m['cpu'], m['memory'], m['os'],
                           m['kernel'], m['versions'], SERVER_CPU,
                           LOAD_CPU))
    for proto in ('tcp', 'udp'):
        part = [l for l in loads if l.proto == proto]
        if not part:
            continue
        ss = serving_load(servers, part[0])
        text.append('')
        text.append('%s:' % proto.upper())
        text.append('')
        text.append(table(med, part, ss, sizes))
        text.append('')
        text.append('Load generator CPU / server CPU, as a fraction of one '
                    'core over the measured period (a load near 1.0 was the '
                    'limit on messages/s; CPU per message does not depend '
                    'on it):')
        text.append('')
        text.append(load_check(med, part, ss))
    if any(l.proto == 'udp' for l in loads):
        text.append('')
        text.append(udp_notes(results, loads))
    text.append('')
    text.append('Targets (figures, not tests):')
    text.append('')
    text.append(targets(med, loads, servers))
    stalls = [r for r in results if r.get('kind') == 'main' and
              r.get('stall_max_ms', 0) >= 200]
    if stalls:
        text.append('')
        text.append('Measured periods with no echo at all for 200 ms or more '
                    '(the shared machine, or the server): %d of %d, e.g. '
                    '%s/%s, %.0f ms.' % (
                        len(stalls), len([r for r in results
                                          if r.get('kind') == 'main']),
                        stalls[0]['load'], stalls[0]['server'],
                        stalls[0]['stall_max_ms']))
    errors = [r for r in results if r.get('kind') in ('main', 'sys_short',
                                                      'sys_long')
              and not r.get('ok')]
    if errors:
        text.append('')
        text.append('Runs with errors: %d; the first of each server and '
                    'load:' % len(errors))
        seen = set()
        for r in errors:
            key = (r.get('server'), r.get('load'))
            if key not in seen:
                seen.add(key)
                text.append('- (%s) %s: %s' % (key[1], key[0],
                                               r.get('error')))
    out = '\n'.join(text) + '\n'
    with open(os.path.join(outdir, 'results.md'), 'w') as f:
        f.write(out)
    return out, errors


def udp_notes(results, loads):
    """Where UDP loss happened, and which datagram sizes were lost."""
    out = ['UDP loss: every sender has its own socket and loopback source '
           'address. Datagrams the server\'s socket dropped (receive buffer '
           'full) / the load\'s own sockets dropped (should be 0), summed '
           'over the main runs:']
    drops = {}
    for r in results:
        if r.get('kind') != 'main' or 'dgrams_sent' not in r:
            continue
        d = drops.setdefault((r['load'], r['server']), [0, 0, 0, 0])
        d[0] += r.get('server_udp_drops', 0)
        d[1] += r.get('load_udp_drops', 0)
        d[2] += r.get('dgrams_lost', 0)
        d[3] += r.get('dgrams_sent', 0)
    for (k, s), d in sorted(drops.items()):
        out.append('- (%s) %s: %d of %d lost; socket drops %d server / %d '
                   'load' % (k, s, d[2], d[3], d[0], d[1]))
    for load in loads:
        if load.kind != 'udpmix':
            continue
        by = {}
        for r in results:
            if r.get('kind') == 'main' and r.get('load') == load.key and \
                    'sizes' in r:
                for size, v in r['sizes'].items():
                    t = by.setdefault(r['server'], {}).setdefault(
                        int(size), [0, 0])
                    t[0] += v['lost']
                    t[1] += v['sent']
        for s, t in by.items():
            out.append('- (%s) %s, lost by size: %s' % (
                load.key, s, ', '.join(
                    '%d B %d/%d' % (size, lost, sent)
                    for size, (lost, sent) in sorted(t.items()))))
    return '\n'.join(out)


# --- smoke: does it work, does it verify -------------------------------------

def smoke(outdir, with_perf):
    t = TIMES['smoke']
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
            print('ok - %s' % what, flush=True)
        else:
            failed += 1
            print('not ok - %s' % what, flush=True)

    def run(s, load, **kw):
        idle = load.kind == 'idle'
        try:
            return one_run(s, load, 0 if idle else t['warm'],
                           t['idle'] if idle else t['measure'], outdir, **kw)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            return {'ok': False, 'error': str(e)}

    loads = loads_for('smoke')
    by = {l.key: l for l in loads}
    udp = [l for l in loads if l.proto == 'udp']
    plan = [('echod', l) for l in loads]
    plan += [('echod -E', l) for l in loads if l.proto == 'tcp']
    plan += [(s, by['b']) for s in SERVERS
             if not s.startswith('echod') and 'tcp' in SERVERS[s].protos]
    plan += [('recvfrom loop', l) for l in udp]
    plan += [(s, by['h']) for s in SERVERS if not s.startswith('echod') and
             s != 'recvfrom loop' and 'udp' in SERVERS[s].protos]
    for s, load in plan:
        why = missing(s)
        if why:
            print('skip - (%s) %s: %s' % (load.key, s, why), flush=True)
            continue
        r = run(s, load)
        # Echoes verified and figures sampled; not how many came back in
        # the measured period: on a busy machine that can be none. UDP
        # loss is a figure, not a failure (echod drops big datagrams).
        good = r.get('ok') and r.get('errors') == 0 and \
            r.get('verified_bytes', 0) > 0 and 'server_cpu_s' in r
        if load.kind == 'idle':
            good = good and r.get('idle_checked') == int(load.args[1]) and \
                r.get('server_rss_kib', 0) > 0
        if load.proto == 'udp':
            good = good and r.get('dgrams_sent', 0) > 0 and \
                'server_udp_drops' in r
        if load.kind == 'udpmix':
            good = good and sum(v['sent'] for v in r.get('sizes', {}).values()
                                ) == r.get('dgrams_sent')
        check(good, '(%s) %s: %s, %s bytes verified' % (
            load.key, s, brief(r, load), r.get('verified_bytes', 0)))
    # The UDP load must notice what a bad echo server does, and count loss.
    faulty = os.path.join(HERE, 'peers', 'udp_faulty.py')
    for mode, want in (('flip', 'wrong echo'), ('cut', 'truncated echo'),
                       ('dup', 'duplicate echo')):
        SERVERS['faulty'] = Peer([PYTHON, faulty, mode, '0'], ('udp',))
        r = run('faulty', by['h'])
        check(not r.get('ok') and want in (r.get('error') or ''),
              'a UDP server that does "%s" is caught: %s' % (
                  mode, r.get('error')))
    SERVERS['faulty'] = Peer([PYTHON, faulty, 'drop', '0'], ('udp',))
    r = run('faulty', by['j'], load_extra=['-T', '50'])
    with open(os.path.join(outdir, 'server.err')) as f:
        sources = f.read()
    senders = by['j'].args[by['j'].args.index('-c') + 1]
    check(r.get('ok') and 20 <= r.get('loss_pct', 0) <= 30 and
          'udp_faulty: %s sources' % senders in sources,
          'a UDP server that drops every 4th datagram: %s %% lost, %s' % (
              r.get('loss_pct'), sources.strip().splitlines()[-1]
              if sources.strip() else r.get('error')))
    del SERVERS['faulty']
    # The load must notice an echo that is not byte-exact.
    try:
        r = one_run('echod', by['b'], t['warm'], t['measure'], outdir,
                    extra=['-m', 'capitalize'])
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        r = {'ok': True, 'error': str(e)}
    check(not r.get('ok') and 'wrong echo' in (r.get('error') or ''),
          'a capitalizing server is caught: %s' % r.get('error'))
    if with_perf:
        # perf counts the server's syscalls (the subtraction of two runs
        # needs the long one to get further, which a busy machine may not).
        try:
            r = one_run('echod', by['b'], t['warm'], t['measure'], outdir,
                        perf=True)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            r = {'ok': False, 'error': str(e)}
        check(r.get('ok') and r.get('syscalls', 0) > r.get('msgs_total', 0),
              'perf counts the server\'s syscalls: %s for %s messages' % (
                  r.get('syscalls'), r.get('msgs_total')))
    print('%d passed, %d failed' % (passed, failed))
    return failed == 0


# --- tail latency: where the slow echoes are --------------------------------

class EpollBatches:
    """perf record of every epoll_wait's return in the server: how many
    events each call hands over. Every call is recorded, which costs the
    server time: latency figures come from a run without it."""

    EVENTS = ('syscalls:sys_exit_epoll_wait', 'syscalls:sys_exit_epoll_pwait')

    def __init__(self, pid, outdir):
        self.data = os.path.join(outdir, 'epoll.data')
        args = ['taskset', '-c', LOAD_CPU, 'perf', 'record', '-q', '-o',
                self.data, '-p', str(pid)]
        for e in self.EVENTS:
            args += ['-e', e]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_attached(self.proc)

    def finish(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(30)
        out = subprocess.run(['perf', 'script', '-i', self.data, '-F',
                              'trace'], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout
        # One line per call ending in its return value; errors (EINTR)
        # are huge unsigned numbers and left out.
        n = sorted(v for v in (int(line.split()[-1], 16)
                               for line in out.splitlines()
                               if line.split()[-1:] and
                               line.split()[-1].startswith('0x'))
                   if v < 1 << 31)
        if not n:
            return {'epoll_calls': 0}
        return {'epoll_calls': len(n),
                'epoll_events_mean': sum(n) / len(n),
                'epoll_events_p50': n[len(n) // 2],
                'epoll_events_p99': n[min(len(n) - 1, len(n) * 99 // 100)],
                'epoll_events_max': n[-1],
                'epoll_zero_pct': 100.0 * n.count(0) / len(n)}


def tail(servers, loads, rounds, outdir, t):
    """Per server and load: a run with latency by connection group (-G 10,
    in the order the connections were made: the order a server that
    serves slots in order sees them) and a 10 ms timeline (-Z 10), which
    gives the figures; then a run under perf for the epoll_wait batch
    sizes. Page faults (first touches) and context switches come from
    /proc over the measured period of the first run."""
    rows = []
    raw = open(os.path.join(outdir, 'tail.jsonl'), 'w')
    for rnd in range(1, rounds + 1):
        for load in loads:
            for s in serving_load(servers, load):
                try:
                    r = one_run(s, load, t['warm'], t['measure'], outdir,
                                load_extra=['-G', '10', '-Z', '10'])
                    b = one_run(s, load, t['sys_warm'], t['sys_long'],
                                outdir, watcher=lambda pid: EpollBatches(
                                    pid, outdir))
                    r.update({k: v for k, v in b.items()
                              if k.startswith('epoll_')})
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    r = {'ok': False, 'error': str(e), 'server': s,
                         'load': load.key}
                r['round'] = rnd
                raw.write(json.dumps(r) + '\n')
                raw.flush()
                rows.append((load, s, r))
                log('tail (%s) %-13s %s' % (load.key, s, brief(r, load)))
    raw.close()
    out = ['| load | server | p50 / p99 / p99.9 / max µs | p99.9 by '
           'connection group, first → last µs | echoes per connection '
           'min–max | events per epoll_wait mean / p50 / p99 / max, '
           'returned 0 | page faults | sleeps / preempted | slowest 10 ms '
           'windows (ms into the period: max µs) |',
           '|---|---|---|---|---|---|---|---|---|']
    for load, s, r in rows:
        if not r.get('ok'):
            out.append('| (%s) | %s | ERR: %s |||||||' % (
                load.key, s, r.get('error')))
            continue
        groups = ' '.join(fmt(g['p999_us']) for g in r.get('groups', []))
        wins = sorted(enumerate(r.get('timeline', [])),
                      key=lambda w: -w[1][1])[:3]
        out.append('| (%s) | %s | %s | %s | %s–%s | %s | %s | %s / %s | %s |'
                   % (load.key, s, ' / '.join(fmt(r.get(f)) for f in (
                       'lat_p50_us', 'lat_p99_us', 'lat_p999_us',
                       'lat_max_us')), groups, r.get('conn_msgs_min'),
                      r.get('conn_msgs_max'),
                      '%s / %s / %s / %s, %s %%' % (
                          fmt(r.get('epoll_events_mean')),
                          r.get('epoll_events_p50'),
                          r.get('epoll_events_p99'),
                          r.get('epoll_events_max'),
                          fmt(r.get('epoll_zero_pct'))),
                      r.get('server_minflt'), r.get('server_vcsw'),
                      r.get('server_nvcsw'),
                      ', '.join('%d: %s' % (i * r['window_ms'], fmt(w[1]))
                                for i, w in wins)))
    text = '\n'.join(out) + '\n'
    with open(os.path.join(outdir, 'tail.md'), 'w') as f:
        f.write(text)
    return text


def perf_works():
    try:
        p = subprocess.run(['perf', 'stat', '-x,', '-e',
                            'raw_syscalls:sys_enter', '--', 'true'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return p.returncode == 0 and 'raw_syscalls:sys_enter' in p.stderr \
        and '<not supported>' not in p.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--mode', choices=('full', 'quick', 'smoke'),
                    default='full')
    ap.add_argument('--rounds', type=int)
    ap.add_argument('--servers', help='comma-separated, echod first')
    ap.add_argument('--loads', help='load letters, e.g. abe; tcp (a-g) or '
                    'udp (h-l)')
    ap.add_argument('--server', action='append', default=[],
                    metavar='NAME=COMMAND',
                    help='one more server, e.g. a candidate build: '
                    '"new=build/x/echod -p 0 -l 127.0.0.1 -t 0"; it must '
                    'print "listening on ADDR:PORT" on stderr')
    ap.add_argument('--out', default=BIN)
    ap.add_argument('--times', choices=('full', 'quick', 'smoke'),
                    help='run lengths of another mode (default: the mode\'s)')
    ap.add_argument('--no-perf', action='store_true')
    ap.add_argument('--tail', action='store_true',
                    help='the tail-latency probe: latency by connection '
                    'group and over time, epoll_wait batch sizes, page '
                    'faults (loads c and g and echod, simple epoll and '
                    'libuv unless --loads and --servers say)')
    a = ap.parse_args()
    # Deleting the network namespace at exit needs a normal exit.
    signal.signal(signal.SIGTERM, lambda *x: sys.exit(143))
    os.makedirs(a.out, exist_ok=True)
    # The runner itself stays off the server's CPU.
    try:
        os.sched_setaffinity(0, {int(LOAD_CPU.split(',')[0].split('-')[0])})
    except OSError:
        pass
    with_perf = not a.no_perf and perf_works()
    if not with_perf:
        log('perf stat with raw_syscalls:sys_enter does not work here: '
            'no syscall figures')
    if a.mode == 'smoke':
        sys.exit(0 if smoke(a.out, with_perf) else 1)
    for spec in a.server:
        name, _, cmd = spec.partition('=')
        # An echod build serves the UDP loads too, with -U.
        echod = os.path.basename(cmd.split()[0]) == 'echod'
        SERVERS[name] = Peer(cmd.split(), ('tcp', 'udp') if echod else
                             ('tcp',), ['-U'] if echod else [])
    servers = a.servers.split(',') if a.servers else list(SERVERS)
    if a.tail and not a.servers:
        servers = ['echod', 'simple epoll', 'libuv']
    for s in list(servers):
        why = missing(s)
        if why:
            log('%s: left out: %s' % (s, why))
            servers.remove(s)
    loads = loads_for(a.mode)
    keys = {'tcp': 'abcdefg', 'udp': 'hijkl'}.get(a.loads, a.loads) or \
        ('cg' if a.tail else None)
    if keys:
        loads = [l for l in loads if l.key in keys]
    rounds = a.rounds or (1 if a.mode == 'quick' or a.tail else 3)
    if a.tail:
        print(tail(servers, loads, rounds, a.out, TIMES[a.times or a.mode]))
        log('raw runs: %s' % os.path.join(a.out, 'tail.jsonl'))
        return
    results = bench(a.mode, rounds, servers, loads, a.out, with_perf,
                    a.times)
    out, errors = report(results, loads, servers, rounds, a.mode, a.out)
    print(out)
    log('raw runs: %s, table: %s' % (os.path.join(a.out, 'runs.jsonl'),
                                     os.path.join(a.out, 'results.md')))
    # Peers that get some loads wrong (ncat, socat and inetd cut or glue
    # datagrams) are in the table as ERR; only echod's errors fail.
    sys.exit(1 if any(r.get('server') not in PEERS for r in errors) else 0)


if __name__ == '__main__':
    main()
