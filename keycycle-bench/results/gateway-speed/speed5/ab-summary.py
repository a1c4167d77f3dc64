#!/usr/bin/env python3
"""Summarises ab-matrix.sh / ab-opts.sh output: per configuration, each run's last-window gateway
CPU per request (total, JIT, rest) and nginx's, then the means. usage: ab-summary.py FILE"""
import sys, re, collections
runs = collections.defaultdict(list); cur = None; last = None
for line in open(sys.argv[1]):
    m = re.match(r'== round (\d+) (.*?) (\d\d:\d\d:\d\d) load', line)
    if m:
        if cur and last: runs[cur].append(last)
        cur = m.group(2); last = None; continue
    m = re.match(r'window \d+: (\d+) req/s, gateway ([\d.]+) us/req \(JIT ([\d.]+), rest ([\d.]+)\), nginx ([\d.]+) us/req.*load ([\d.]+)', line)
    if m: last = tuple(float(x) for x in m.groups())
if cur and last: runs[cur].append(last)
for k, v in runs.items():
    print(k)
    for r in v: print(f"   {r[0]:7.0f} req/s  gateway {r[1]:5.1f}  JIT {r[2]:4.1f}  rest {r[3]:5.1f}  nginx {r[4]:5.1f}  load {r[5]}")
    n = len(v)
    print(f"   mean of {n}: {sum(r[0] for r in v)/n:7.0f} req/s  gateway {sum(r[1] for r in v)/n:5.1f}  rest {sum(r[3] for r in v)/n:5.1f}  nginx {sum(r[4] for r in v)/n:5.1f}"
          f"  rest/nginx {sum(r[3]/r[4] for r in v)/n:4.2f}")
