# Summary of an async-profiler alloc profile (collapsed, total): bytes per request in all, by allocated type, by innermost Keycycle frame,
# by innermost non-JDK frame.  usage: allocsum.py FILE REQUESTS-IN-THE-PROFILED-WINDOW [top-n]
import sys, re, collections
f=sys.argv[1]; reqs=float(sys.argv[2])
tot=0; bytype=collections.Counter(); byown=collections.Counter(); bysite=collections.Counter()
for line in open(f):
    s,n=line.rstrip('\n').rsplit(' ',1); n=int(n); fr=s.split(';')
    tot+=n
    t=fr[-1]; bytype[t]+=n
    o=None
    for x in reversed(fr[:-1]):
        if x.startswith('io/keycycle') and '$$Lambda' not in x: o=x; break
    if o is None: o='(none) '+next((x for x in reversed(fr[:-1]) if x.startswith(('io/vertx','io/netty','com/fasterxml'))), fr[1] if len(fr)>1 else '?')
    byown[o]+=n
    site=next((x for x in reversed(fr[:-1]) if not x.startswith(('java/','jdk/','sun/'))), fr[-2])
    bysite[site+' -> '+t]+=n
print(f"total {tot/reqs:.0f} bytes per request")
for name,c in (('by type',bytype),('by innermost keycycle frame',byown),('by innermost non-JDK frame',bysite)):
    print(name)
    for k,v in c.most_common(int(sys.argv[3]) if len(sys.argv)>3 else 25): print(f"  {v/reqs:8.0f} B  {k}")
