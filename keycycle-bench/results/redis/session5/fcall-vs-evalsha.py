# Run from the repository root with Redis on 127.0.0.1:6379 (uses database 9, keys {kcx}:*, deleted at the end).
# Written against keycycle.lua as of commit 122c445 (before the function library): check that version out to re-run it.
import subprocess, re
src = open('keycycle-redis/src/main/resources/io/keycycle/redis/keycycle.lua').read()
tail = "local answer = run(KEYS, ARGV)\nflush()\nreturn answer"
assert tail in src
body = src.replace(tail, "")
lib = "#!lua name=kctest\n" + body + "\nredis.register_function('kctest', function(keys, args) NOW = nil; CACHE = {}; DIRTY = {}; local a = run(keys, args); flush(); return a end)\n"
def rc(*a): return subprocess.run(['redis-cli','-n','9',*a],capture_output=True,text=True).stdout.strip()
print(rc('function','load','replace',lib))
RES = ['{kcx}:w4:groq:key-1:m','{kcx}:sc:groq:key-1','reserve','{kcx}','-1','100','p0:__rand_int__','p0','','','','1','','1000000000','1000000000','1000000000','1000000000000','1000000000000','1000000000000','-1','-1','-1']
SET = ['{kcx}:w4:groq:key-1:m','settle','{kcx}','-1','p0:__rand_int__','1','90','100','{kcx}:events','freed|groq|m','p0','-1','-1','-1']
sha = rc('script','load',src)
for rnd in range(2):
  for name, cmd in [('evalsha reserve',['evalsha',sha,'2',*RES]),('fcall reserve',['fcall','kctest','2',*RES]),('evalsha settle(miss)',['evalsha',sha,'1',*SET]),('fcall settle(miss)',['fcall','kctest','1',*SET])]:
    rc('config','resetstat')
    subprocess.run(['redis-benchmark','-n','40000','-c','4','-r','100000000','--dbnum','9','-q',*cmd],capture_output=True)
    m = re.search(r'cmdstat_(evalsha|fcall):calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)', rc('info','commandstats'))
    print(name, m.group(2), m.group(4) if m else rc('info','commandstats'), flush=True)
rc('del','{kcx}:ri:p0','{kcx}:w4:groq:key-1:m')
rc('function','delete','kctest')
