#!/usr/bin/env python3
"""Event-loop allocation by class and by first non-JDK frame, from a JFR recording:
jfr-alloc-by-site.py rec.jfr"""
import json, collections, subprocess, sys
out = subprocess.run(["jfr", "print", "--json", "--events", "jdk.ObjectAllocationSample", "--stack-depth", "64", sys.argv[1]],
                     capture_output=True, text=True).stdout
al = json.loads(out)["recording"]["events"]
def pk(x):
    m = x["method"]; return m["type"]["name"].replace("/", ".") + "." + m["name"]
bycls = collections.Counter(); bysite = collections.Counter(); tot = 0
for e in al:
    v = e["values"]
    if not v.get("eventThread") or 'eventloop' not in (v["eventThread"].get("javaName") or ''): continue
    w = v.get("weight", 1); tot += w
    bycls[v["objectClass"]["name"]] += w
    fr = v["stackTrace"]["frames"] if v["stackTrace"] else []
    bysite[next((pk(x) for x in fr if not pk(x).startswith(("java.", "jdk.", "sun."))), pk(fr[0]) if fr else '?')] += w
print(f"event-loop allocation (sampled weight) {tot/1e6:.0f} MB")
print("by class:")
for k, v in bycls.most_common(25): print(f"  {100*v/tot:5.1f} %  {k}")
print("by first non-JDK frame:")
for k, v in bysite.most_common(45): print(f"  {100*v/tot:5.1f} %  {k}")
