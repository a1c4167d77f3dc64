#!/usr/bin/env python3
"""A markdown row per race.sh output (with the proxy contestant): race-table.py race-*.out"""
import re, sys, os
print("| run | load before → after | direct req/s (32) | proxy req/s (32) | gateway req/s (32) | proxy ÷ direct | gateway ÷ direct | proxy µs/req (32) | gateway µs/req (32; JIT) | preempt/req proxy / gateway (32) | added p50 / p99 at 4: proxy | gateway |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|")
for f in sys.argv[1:]:
    t = open(f).read()
    def line(name, conns):
        m = re.search(r'^' + name + r'\s+' + conns + r'\s+(.*)$', t, re.M)
        return m.group(1).split() if m else None
    d, p, g = line('nginx direct', '32'), line('nginx proxy', '32'), line('keycycle gateway', '32')
    lb = re.search(r'load average before: (\S+) (\S+) (\S+)', t).group(1)
    la = re.search(r'load average after: (\S+) (\S+) (\S+)', t).group(1)
    pr = re.search(r'nginx proxy / direct at 32 connections: (\S+ %)', t).group(1)
    gr = re.search(r'gateway / direct at 32 connections: (\S+ %)', t).group(1)
    ap = re.search(r'added by the nginx proxy at 4 connections: p50 (\S+) ms, p99 (\S+) ms', t).groups()
    ag = re.search(r'added by the gateway at 4 connections: p50 (\S+) ms, p99 (\S+) ms', t).groups()
    # columns after conns: rps p50 p90 p99 non2xx nginx hop jit preempt
    print(f"| {os.path.basename(f)[:-4]} | {lb} → {la} | {int(d[0]):,} | {int(p[0]):,} | {int(g[0]):,} | {pr} | **{gr}** | {p[6]} | {g[6]} ({g[7]}) | {p[8] if len(p) > 8 and p[8] != 'none' else '—'} / {g[8] if len(g) > 8 and g[8] != 'none' else '—'} | {ap[0]} / {ap[1]} ms | {ag[0]} / {ag[1]} ms |")
