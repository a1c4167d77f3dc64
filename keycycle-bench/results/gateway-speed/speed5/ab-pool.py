#!/usr/bin/env python3
"""Pools the last window of every lab run in the given ab-*.txt files by (jar, collector, THP):
gateway CPU per request without the JIT ("rest"), with it ("total"), and req/s.
usage: ab-pool.py ab-gc.txt ab-ws-gc.txt ab-gc2.txt ab-gc3.txt"""
import re, sys, collections, statistics
pool = collections.defaultdict(list)
for f in sys.argv[1:]:
    cur = None; last = None; runs = []
    for line in open(f):
        m = re.match(r'== round \d+ (.*?) \d\d:\d\d:\d\d load', line)
        if m:
            if cur and last: runs.append((cur, last))
            cur = m.group(1); last = None; continue
        m = re.match(r'window \d+: (\d+) req/s, gateway ([\d.]+) us/req \(JIT ([\d.]+), rest ([\d.]+)\), nginx ([\d.]+)', line)
        if m: last = [float(x) for x in m.groups()]
    if cur and last: runs.append((cur, last))
    for c, l in runs:
        jar = 'ws.jar (no WebSocket handler)' if 'ws.jar' in c else 'base.jar (main 122c445)'
        gc = ('ParallelGC' if 'Parallel' in c else 'G1') + (' + THP' if 'Transparent' in c else '')
        pool[(jar, gc)].append(l)
for k, v in sorted(pool.items()):
    rest = [x[3] for x in v]; tot = [x[1] for x in v]; rps = [x[0] for x in v]
    print(f"{k[0]:32s} {k[1]:18s} runs {len(v):2d}  rest mean {statistics.mean(rest):5.1f} median {statistics.median(rest):5.1f}"
          f" range {min(rest):5.1f}-{max(rest):5.1f}  total mean {statistics.mean(tot):5.1f}  req/s mean {statistics.mean(rps):6.0f}")
