#!/usr/bin/env python3
"""Event-loop samples of a collapsed profile attributed to their innermost Keycycle method (lambdas
folded into the method that made them), split into that method's own code, Java libraries and
kernel; samples with no Keycycle frame by the innermost vertx-web / vert.x http frame.
usage: owners.py FILE [top-n]"""
import sys, re, collections
f = sys.argv[1]; top = int(sys.argv[2]) if len(sys.argv) > 2 else 50
own = collections.Counter(); split = collections.defaultdict(collections.Counter); en = 0
for line in open(f):
    s, n = line.rstrip('\n').rsplit(' ', 1); n = int(n); fr = s.split(';')
    if not fr[0].strip('[]').startswith('vert.x-eventloop'): continue
    en += n
    o = None
    for x in reversed(fr):
        if x.startswith('io/keycycle') and '$$Lambda' not in x:
            o = re.sub(r'\.lambda\$(\w+)\$\d+', r'.\1 (lambda)', x); break
    if o is None:
        o = next((('(no Keycycle) ' + x) for x in reversed(fr) if x.startswith('io/vertx/ext/web')), None) \
            or next((('(no Keycycle) ' + re.sub(r'\$.*', '', x)) for x in reversed(fr) if x.startswith('io/vertx/core/http/impl/Http1x')), '(no Keycycle) other')
    leaf = fr[-1]
    k = 'kernel' if leaf.endswith('_[k]') else 'own' if leaf.startswith('io/keycycle') else 'lib'
    own[o] += n; split[o][k] += n
print(f"{en} event-loop samples; innermost owner: total (own code / libraries / kernel)")
for k, v in own.most_common(top):
    c = split[k]
    print(f"  {100*v/en:5.1f} %  ({100*c['own']/en:4.1f} / {100*c['lib']/en:4.1f} / {100*c['kernel']/en:4.1f})  {k}")
