#!/usr/bin/env python3
# children.py FILE FRAME_REGEX [depth] [top] : for event-loop samples whose stack contains FRAME (first match from the root), the frames `depth` levels below it, as a share of all event-loop samples
import sys, re, collections
f, rx = sys.argv[1], re.compile(sys.argv[2]); depth = int(sys.argv[3]) if len(sys.argv) > 3 else 1; top = int(sys.argv[4]) if len(sys.argv) > 4 else 25
c = collections.Counter(); en = 0; hit = 0
for line in open(f):
    s, n = line.rstrip('\n').rsplit(' ', 1); n = int(n); fr = s.split(';')
    if not fr[0].strip('[]').startswith('vert.x-eventloop'): continue
    en += n
    for i, x in enumerate(fr):
        if rx.search(x):
            hit += n
            c[';'.join(fr[i+1:i+1+depth]) or '(self)'] += n
            break
print(f"{100*hit/en:.1f} % of {en} event-loop samples under {sys.argv[2]}")
for k, v in c.most_common(top): print(f"  {100*v/en:5.1f} %  {k}")
