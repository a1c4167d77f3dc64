#!/usr/bin/env python3
"""Event-loop time of the gateway by item, from `perf script` output (perf record -g on a JVM run
with -XX:+PreserveFramePointer and a perf map): kernel time split by the system call and, for
writes, by what was written (the response to the client, the request to the upstream, the
write-ahead line); Java time by the leaf frame's library. usage: perf script | perf-summary.py"""
import sys, re, collections
samples = []; cur = None
for line in sys.stdin:
    line = line.rstrip('\n')
    if not line.strip():
        if cur: samples.append(cur); cur = None
        continue
    if not line.startswith((' ', '\t')): cur = (line.strip(), [])
    elif cur is not None:
        p = line.strip().split(' ', 1); s = p[1] if len(p) > 1 else p[0]
        s = re.sub(r'\s*\(/[^)]*\)$', '', s); s = re.sub(r'\+0x[0-9a-f]+$', '', s)
        cur[1].append(s)
alln = len(samples)
threads = collections.Counter()
for c, _ in samples:
    threads['event loops' if c.startswith('vert.x-eventloo') else 'JIT compiler' if 'Compiler' in c
            else 'store writer (SQLite)' if c.startswith('keycycle-store') else 'GC' if ('GC' in c or 'G1' in c) else 'other'] += 1
print(f"{alln} samples of the gateway JVM")
for k, v in threads.most_common(): print(f"  {100*v/alln:5.1f} %  {k}")
el = [fr for c, fr in samples if c.startswith('vert.x-eventloo')]
n = len(el); cat = collections.Counter()
def kernel(f): return '[kernel' in f
for fr in el:
    if kernel(fr[0]):
        j = next((f for f in fr if not kernel(f)), '')
        stack = ' '.join(fr)
        if 'write' in j:
            # the leaf-most frame that says what is written: the server's response, the client's request, the file
            # (the response is written from the upstream answer's handler, PlainCall; the request by the client's writeHead)
            who = next((f for f in fr if 'FileChannelImpl' in f or 'PlainCall' in f or 'StreamCall' in f or 'Http1xServer' in f
                        or 'StreamImpl.writeHead' in f or 'Http1xClient' in f), '')
            if 'FileChannelImpl' in who: k = 'kernel: write, write-ahead line (file)'
            elif 'PlainCall' in who or 'StreamCall' in who or 'Http1xServer' in who: k = 'kernel: write, response to the client'
            elif who: k = 'kernel: write, request to the upstream'
            else: k = 'kernel: write, other'
        elif 'read' in j: k = 'kernel: read'
        elif 'epoll' in j.lower() or 'EPoll' in stack: k = 'kernel: epoll_wait'
        else: k = 'kernel: other'
    else:
        f = fr[0].split('(')[0].split(' ')[-1]
        if f.startswith(('io.vertx', 'io.netty')): k = 'Java: Vert.x + Netty'
        elif f.startswith('com.fasterxml'): k = 'Java: Jackson'
        elif f.startswith('io.keycycle'): k = 'Java: Keycycle (gateway, engine, store)'
        elif f.startswith(('java.', 'sun.', 'jdk.')): k = 'Java: JDK'
        elif f.startswith('io.micrometer'): k = 'Java: Micrometer'
        else: k = 'JVM runtime / native (stubs, allocation, libc)'
    cat[k] += 1
print(f"\n{n} event-loop samples")
for k, v in cat.most_common(): print(f"  {100*v/n:5.1f} %  {k}")
