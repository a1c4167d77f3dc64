# Allocation of an async-profiler alloc profile whose innermost Keycycle frame matches REGEX, by the stack below it.
# usage: allocown.py FILE REQUESTS REGEX
import sys, re, collections
f=sys.argv[1]; reqs=float(sys.argv[2]); pat=re.compile(sys.argv[3])
c=collections.Counter()
for line in open(f):
    s,n=line.rstrip('\n').rsplit(' ',1); n=int(n); fr=s.split(';')
    o=None; oi=-1
    for i in range(len(fr)-2,-1,-1):
        x=fr[i]
        if x.startswith('io/keycycle') and '$$Lambda' not in x: o=x; oi=i; break
    if o and pat.search(o):
        c[o+' | '+' > '.join(fr[oi+1:])[-160:]]+=n
for k,v in c.most_common(40): print(f"{v/reqs:7.0f} B {k}")
