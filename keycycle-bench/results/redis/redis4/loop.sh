#!/bin/bash
# loop.sh 'lua body using i' -> Redis CPU per iteration (10 x 10000 iterations)
PID=$(cat /tmp/redis4-priv/redis.pid); tk=$(getconf CLK_TCK)
SCRIPT="local hdr = string.rep('a', 176); redis.call('SET', KEYS[1], string.rep('b', 1376)); for i = 1, 10000 do $1 end return 1"
a=$(awk '{print $14+$15}' /proc/$PID/stat)
for j in 1 2 3 4 5 6 7 8 9 10; do redis-cli -p 6397 eval "$SCRIPT" 2 '{x}:k' '{x}:s' >/dev/null; done
b=$(awk '{print $14+$15}' /proc/$PID/stat)
python3 -c "print('%.2f us  %s' % (($b-$a)*1e6/$tk/100000, '''$1'''))"
