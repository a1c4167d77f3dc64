# Run from the repository root with Redis on 127.0.0.1:6379 (uses database 9, keys {kcx}:*, deleted at the end).
# Written against keycycle.lua as of commit 122c445 (before the function library): check that version out to re-run it.
import subprocess, re
src = open('keycycle-redis/src/main/resources/io/keycycle/redis/keycycle.lua').read()
tail = "local answer = run(KEYS, ARGV)\nflush()\nreturn answer"
def lib(s): return "#!lua name=kctest\n" + s.replace(tail, "") + "\nredis.register_function('kctest', function(keys, args) NOW = nil; CACHE = {}; DIRTY = {}; local a = run(keys, args); flush(); return a end)\n"
def rc(*a): return subprocess.run(['redis-cli','-n','9',*a],capture_output=True,text=True).stdout.strip()
RES = ['{kcx}:w4:groq:key-1:m','{kcx}:sc:groq:key-1','reserve','{kcx}','-1','100','p0:__rand_int__','p0','','','','1','','1000000000','1000000000','1000000000','1000000000000','1000000000000','1000000000000','-1','-1','-1']
def bench(s, n=40000):
    r = rc('function','load','replace',lib(s))
    if r != 'kctest': return 'LOADERR '+r
    rc('config','resetstat')
    subprocess.run(['redis-benchmark','-n',str(n),'-c','4','-r','100000000','--dbnum','9','-q','fcall','kctest','2',*RES],capture_output=True)
    m = re.search(r'cmdstat_fcall:calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)', rc('info','commandstats'))
    return m.group(3) if m else 'ERR'
def variant(after, ret):
    i = src.index(after) + len(after)
    return src[:i] + '\n' + ret + '\n' + src[i:]
points = [
 ('P0 op dispatch', "  if op == 'reserve' then", 'do return {1} end'),
 ('P1 after clock', "    local now = clock(ARGV[3])\n    local tokens = tonumber(ARGV[4])", 'do return {1} end'),
 ('P2 after readCal', "      local cal = readCal(ARGV, base + 7)", 'do return {1} end'),
 ('P3 after load', "        local b = load(bkey)", 'do save(b) return {1} end'),
 ('P3b after scope', "        local blocked = math.max(b.cu, b.pu, scopeBlockedUntil(skey))", 'do save(b) return {1} end'),
 ('P4 after advance', "        advance(b, t, cal)", 'do save(b) return {1} end'),
 ('P5 after HSET', "bkey .. '|' .. t .. '|' .. tokens .. '|' .. calPrev .. '|' .. calStart .. '|' .. calNext)", 'do return {1} end'),
]
print('full', bench(src), flush=True)
for name, after, ret in points:
    print(name, bench(variant(after, ret)), flush=True)
print('full', bench(src), flush=True)
rc('del','{kcx}:ri:p0','{kcx}:w4:groq:key-1:m'); rc('function','delete','kctest')
