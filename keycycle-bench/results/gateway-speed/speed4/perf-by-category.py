#!/usr/bin/env python3
"""Aggregates `perf script` output (perf record -g on the gateway JVM, perf map via
-XX:+DumpPerfMapAtExit, frame pointers via -XX:+PreserveFramePointer) by thread group and, for
event-loop samples, by category: the system call a sample is in, the JVM runtime, the package of the
leaf Java frame, and the first io.keycycle frame on the stack (inclusive).
usage: perf script -i perf.data | perf-by-category.py"""
import sys, re, collections
samples = []
cur = None
for line in sys.stdin:
    line = line.rstrip('\n')
    if not line.strip():
        if cur: samples.append(cur); cur = None
        continue
    if not line.startswith((' ', '\t')):
        comm = re.split(r'\s+\d+(/\d+)?\s+', line.strip(), maxsplit=1)[0]
        cur = {'comm': comm, 'frames': []}
    elif cur is not None:
        parts = line.strip().split(' ', 1)
        sym = parts[1] if len(parts) > 1 else parts[0]
        cur['frames'].append(sym)
if cur: samples.append(cur)
n = len(samples)
by_thread = collections.Counter()
for s in samples:
    c = s['comm']
    c = 'event loop' if c.startswith('vert.x-eventloo') else 'C2/C1 compiler' if 'Compiler' in c else 'store writer' if c.startswith('keycycle-store') else 'GC' if 'GC' in c or 'G1' in c else c
    by_thread[c] += 1
print(f"{n} samples")
for k, v in by_thread.most_common(): print(f"  {100*v/n:5.1f} %  {k}")
el = [s for s in samples if s['comm'].startswith('vert.x-eventloo')]
cat = collections.Counter(); leafpkg = collections.Counter(); kc = collections.Counter(); sysc = collections.Counter()
def syscall(frames):
    for f in frames:
        m = re.search(r'(__x64_sys_|__do_sys_|ksys_)(\w+)', f)
        if m: return m.group(2).split('+')[0]
        if 'entry_SYSCALL' in f: return 'syscall?'
    return None
for s in el:
    fr = s['frames']
    sc = syscall(fr)
    # which Java method issued it
    java = next((f for f in fr if '(' in f and ('.' in f.split('(')[0])), '')
    if sc or (fr and '[k]' in fr[0]) or (fr and re.match(r'^[a-z_]+[.0-9a-z_]*\+0x', fr[0])):
        who = ''
        for f in fr:
            if 'write0' in f or 'writev0' in f: who = 'write'; break
            if 'read0' in f or 'readv0' in f: who = 'read'; break
            if 'epollWait' in f or 'EPoll' in f: who = 'epoll_wait'; break
            if 'FileDispatcherImpl.write' in f: who = 'write'; break
        key = 'kernel: ' + (sc or 'other') + (f' ({who})' if who else '')
        cat[key] += 1
    else:
        leaf = fr[0] if fr else '?'
        if '(' in leaf and '.' in leaf.split('(')[0]:
            name = leaf.split('(')[0].split(' ')[-1]
            pkg = '.'.join(name.split('.')[:3])
            cat['java'] += 1
            leafpkg[pkg] += 1
        else:
            cat['native/JVM: ' + leaf.split('+')[0][:60]] += 1
    first = next((f for f in fr if 'io.keycycle' in f), None)
    if first: kc[first.split('(')[0].split(' ')[-1]] += 1
m = len(el)
print(f"\nevent-loop samples: {m}")
for k, v in cat.most_common(40): print(f"  {100*v/m:5.1f} %  {k}")
print("\njava leaf frames by package (share of event-loop samples):")
for k, v in leafpkg.most_common(20): print(f"  {100*v/m:5.1f} %  {k}")
print("\nfirst io.keycycle frame on the stack (inclusive, share of event-loop samples):")
for k, v in kc.most_common(30): print(f"  {100*v/m:5.1f} %  {k}")
