#!/usr/bin/env python3
"""Deoptimizations and compilations per 5 s from a JFR recording, and the top deoptimization sites
and compilations in a time range. Usage: jfr-timeline.py REC.jfr [FROM TO] (seconds from the first
compilation). Needs the JDK's jfr tool on the PATH."""
import collections, json, subprocess, sys
from datetime import datetime
rec = sys.argv[1]
lo, hi = (float(sys.argv[2]), float(sys.argv[3])) if len(sys.argv) > 3 else (None, None)
def load(kind):
    out = subprocess.run(["jfr", "print", "--events", kind, "--json", rec], capture_output=True, text=True, check=True).stdout
    return json.loads(out)["recording"]["events"]
de, co = load("jdk.Deoptimization"), load("jdk.Compilation")
def t(e): return datetime.fromisoformat(e["values"]["startTime"][:26].replace("Z", ""))
def secs(d): return float(d[2:-1]) if d.startswith("PT") and d.endswith("S") else 0.0
t0 = min(t(e) for e in co)
b = collections.defaultdict(lambda: [0, 0, 0.0])
for e in de: b[int((t(e) - t0).total_seconds() // 5)][0] += 1
for e in co:
    k = int((t(e) - t0).total_seconds() // 5); b[k][1] += 1; b[k][2] += secs(e["values"]["duration"])
print("from the first compilation: 5-s bucket, deoptimizations, compilations, compiler time")
for k in sorted(b): print(f"{k*5:4d}s deopt {b[k][0]:4d} comp {b[k][1]:4d} {b[k][2]:6.2f}s")
if lo is not None:
    c = collections.Counter()
    for e in de:
        s = (t(e) - t0).total_seconds()
        if lo <= s < hi:
            v = e["values"]; m = v["method"]; c[(v["reason"], m["type"]["name"] + "." + m["name"], v.get("lineNumber"))] += 1
    print(f"deoptimization sites {lo}-{hi} s:"); [print(" ", n, k) for k, n in c.most_common(25)]
    rows = sorted(((secs(e["values"]["duration"]), e["values"]["compileLevel"], e["values"]["method"]["type"]["name"] + "." + e["values"]["method"]["name"])
                   for e in co if lo <= (t(e) - t0).total_seconds() < hi), reverse=True)
    print(f"longest compilations {lo}-{hi} s (seconds, tier, method):"); [print(" ", r) for r in rows[:15]]
