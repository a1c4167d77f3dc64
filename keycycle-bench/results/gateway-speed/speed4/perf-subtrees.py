import re, sys, collections
fn=sys.argv[1]; keys=sys.argv[2:]
tot=collections.Counter(); ker=collections.Counter(); n=0; cur=None
def fl(c):
    global n
    if not c or not c[0].startswith('vert.x-eventloo'): return
    n+=1
    fr=c[1]
    k = any(('_[k]' in f) or re.search(r'^\w+\+0x[0-9a-f]+ \(\[kernel', f) for f in fr[:1]) or (fr and '[kernel.kallsyms]' in fr[0])
    for key in keys:
        if any(key in f for f in fr):
            tot[key]+=1
            if k: ker[key]+=1
for line in open(fn):
    line=line.rstrip('\n')
    if not line.strip(): fl(cur); cur=None; continue
    if not line.startswith((' ','\t')): cur=(line.strip(),[])
    elif cur: cur[1].append(line.strip())
fl(cur)
for key in keys: print(f"{100*tot[key]/n:5.1f} % incl, kernel {100*ker[key]/n:5.1f} %, rest {100*(tot[key]-ker[key])/n:5.1f} %  {key}")
