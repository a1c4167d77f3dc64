#!/usr/bin/env python3
"""Inclusive share of event-loop samples per frame (each frame counted once per sample), from
`perf script` output; optional argument: a substring a frame must contain to be listed."""
import sys, re, collections
want = sys.argv[1] if len(sys.argv) > 1 else ''
top = int(sys.argv[2]) if len(sys.argv) > 2 else 80
inc = collections.Counter(); n = 0; cur = None
def flush(cur):
    global n
    if cur is None or not cur[0].startswith('vert.x-eventloo'): return
    n += 1
    for f in set(cur[1]): inc[f] += 1
for line in sys.stdin:
    line = line.rstrip('\n')
    if not line.strip():
        flush(cur); cur = None; continue
    if not line.startswith((' ', '\t')):
        cur = (line.strip(), [])
    elif cur is not None:
        parts = line.strip().split(' ', 1)
        sym = parts[1] if len(parts) > 1 else parts[0]
        sym = re.sub(r'\s*\(/[^)]*\)$', '', sym)
        sym = re.sub(r'\+0x[0-9a-f]+$', '', sym)
        cur[1].append(sym.split('(')[0].split(' ')[-1] if '(' in sym else sym)
flush(cur)
print(f"{n} event-loop samples")
for f, c in inc.most_common():
    if want in f:
        print(f"  {100*c/n:5.1f} %  {f}")
        top -= 1
        if top == 0: break
