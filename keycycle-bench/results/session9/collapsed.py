#!/usr/bin/env python3
"""Summary of an async-profiler collapsed profile taken with `threads` (first frame = thread):
thread groups, then for the event loops: leaf categories, top leaf frames, and inclusive share of
frames matching a filter. usage: collapsed.py FILE [inclusive-filter-regex] [top-n]"""
import sys, re, collections
f = sys.argv[1]; filt = re.compile(sys.argv[2]) if len(sys.argv) > 2 else re.compile(r'io/keycycle'); top = int(sys.argv[3]) if len(sys.argv) > 3 else 40
stacks = []
for line in open(f):
    s, n = line.rstrip('\n').rsplit(' ', 1); stacks.append((s.split(';'), int(n)))
total = sum(n for _, n in stacks)
def group(t):
    t = t.strip('[]')
    if t.startswith('vert.x-eventloop'): return 'event loops'
    if 'Compiler' in t: return 'JIT'
    if t.startswith('keycycle-store'): return 'store writer'
    if 'GC' in t or 'G1' in t: return 'GC'
    return 'other: ' + re.sub(r'[-0-9 ]+$', '', t)
g = collections.Counter()
for fr, n in stacks: g[group(fr[0])] += n
print(f"{total} samples")
for k, v in g.most_common(12): print(f"  {100*v/total:5.1f} %  {k}")
el = [(fr, n) for fr, n in stacks if group(fr[0]) == 'event loops']
en = sum(n for _, n in el)
def cat(leaf):
    if leaf.endswith('_[k]'): return 'kernel'
    if leaf.startswith(('io/vertx', 'io/netty')): return 'Vert.x + Netty'
    if leaf.startswith('io/keycycle'): return 'Keycycle'
    if leaf.startswith('com/fasterxml'): return 'Jackson'
    if leaf.startswith('io/micrometer'): return 'Micrometer'
    if leaf.startswith(('java/', 'sun/', 'jdk/')): return 'JDK'
    if leaf.endswith('_[j]') or leaf.endswith('_[i]'): return 'Java other'
    return 'JVM/native'
c = collections.Counter(); leaves = collections.Counter()
for fr, n in el:
    c[cat(fr[-1])] += n; leaves[fr[-1]] += n
print(f"\nevent loops: {en} samples; leaf categories")
for k, v in c.most_common(): print(f"  {100*v/en:5.1f} %  {k}")
# kernel by syscall entry: the first kernel frame's caller chain, find syscall name
ks = collections.Counter()
for fr, n in el:
    if not fr[-1].endswith('_[k]'): continue
    sc = next((x for x in fr if re.match(r'(__x64_sys_|__do_sys_|ksys_)', x)), None)
    if sc is None: sc = next((x for x in fr if x.endswith('_[k]')), '?')
    # what Java frame is just above the kernel
    j = [x for x in fr if not x.endswith('_[k]') and '/' in x]
    who = ('file' if any('FileChannelImpl' in x for x in fr) else 'socket' if any('SocketChannelImpl' in x for x in fr)
           else 'wakeup/preempt' if any('reschedule' in x or 'exit_to_user_mode' in x for x in fr) else '')
    ks[(re.sub(r'_\[k\]$', '', sc), who)] += n
print("\nevent loops, kernel time by system call")
for (k, w), v in ks.most_common(12): print(f"  {100*v/en:5.1f} %  {k} {w}")
print(f"\nevent loops: top {top} leaf frames")
for k, v in leaves.most_common(top): print(f"  {100*v/en:5.1f} %  {k}")
inc = collections.Counter()
for fr, n in el:
    seen = set()
    for x in fr:
        if filt.search(x):
            x = re.sub(r'\$\$Lambda.*', '$$Lambda', x)
            if x not in seen: seen.add(x); inc[x] += n
print(f"\nevent loops: inclusive share of frames matching {filt.pattern}")
for k, v in inc.most_common(top): print(f"  {100*v/en:5.1f} %  {k}")
