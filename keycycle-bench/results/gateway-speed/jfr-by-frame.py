import json, sys, subprocess, collections
f = sys.argv[1]; ev = sys.argv[2]
out = subprocess.run(["jfr", "print", "--json", "--events", ev, "--stack-depth", "96", f], capture_output=True, text=True).stdout
al = json.loads(out)["recording"]["events"]
def pk(x):
    m = x["method"]; return m["type"]["name"].replace("/", ".") + "." + m["name"]
c = collections.Counter(); incl = collections.Counter(); total = 0
for e in al:
    w = e["values"].get("weight", 1); total += w
    frames = e["values"]["stackTrace"]["frames"] if e["values"]["stackTrace"] else []
    kc = next((pk(x) for x in frames if pk(x).startswith("io.keycycle") and "$$Lambda" not in pk(x) and "lambda$" not in pk(x)), "-(no keycycle frame) " + (pk(frames[-1]) if frames else ""))
    c[kc] += w
    seen=set()
    for x in frames:
        k=pk(x)
        if k.startswith("io.keycycle") and "Lambda" not in k and k not in seen: seen.add(k); incl[k]+=w
print("total", total, len(al))
print("--- self (first keycycle frame)")
for k, w in c.most_common(30): print(f"{w*100/total:5.1f}% {k}")
print("--- inclusive")
for k, w in incl.most_common(40): print(f"{w*100/total:5.1f}% {k}")
