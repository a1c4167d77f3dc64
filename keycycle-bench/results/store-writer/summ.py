import sys,collections,re
f=sys.argv[1]
tot=collections.Counter(); wr=0; items=collections.Counter(); allsum=0
keys=['existing','insertUsage','upsertMinutes','upsertOutcomeMinutes','prepareStatement','prepared(','executeBatch','executeUpdate','sqlite3VdbeExec','commit','getConnection','markHandled','committedThrough','JDBC3PreparedStatement.<init>','sqlite3Prepare','sqlite3_prepare','write(']
for line in open(f):
    stack,n=line.rsplit(' ',1); n=int(n); allsum+=n
    th=stack.split(';')[0]
    tot[th.split('tid=')[0] if 'tid' in th else th]+=n
    if 'keycycle-store-writer' in th:
        wr+=n
        for k in keys:
            if k in stack: items[k]+=n
print('total samples',allsum,'writer',wr, '%.1f%%'%(100*wr/allsum))
for t,n in tot.most_common(8): print('  thread',t[:60],n)
for k,n in items.most_common(): print('  writer contains %-32s %5.1f%%'%(k,100*n/wr))
# top leaf frames for writer
leaf=collections.Counter()
for line in open(f):
    stack,n=line.rsplit(' ',1)
    if 'keycycle-store-writer' in stack.split(';')[0]: leaf[stack.split(';')[-1]]+=int(n)
for k,n in leaf.most_common(15): print('  leaf %-60s %5.1f%%'%(k[:60],100*n/wr))
