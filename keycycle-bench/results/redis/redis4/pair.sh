#!/bin/bash
# usage: pair.sh MODE LUAFILE N -> Redis CPU (utime+stime of the private redis) per reserve+settle pair
MODE=$1; LUA=$2; N=$3
PID=$(cat /tmp/redis4-priv/redis.pid)
SHA=$(redis-cli -p 6397 script load "$(cat $LUA)")
PFX=p$RANDOM
python3 /tmp/redis4-priv/gen.py $MODE $SHA $N $PFX > /tmp/redis4-priv/cmds.resp
tk=$(getconf CLK_TCK)
a=$(awk '{print $14+$15}' /proc/$PID/stat)
redis-cli -p 6397 --pipe < /tmp/redis4-priv/cmds.resp > /tmp/redis4-priv/pipe.out 2>&1
b=$(awk '{print $14+$15}' /proc/$PID/stat)
grep -q "errors: 0" /tmp/redis4-priv/pipe.out || tail -2 /tmp/redis4-priv/pipe.out
python3 -c "print('%s: %.1f us Redis CPU per pair (%d pairs)' % ('$MODE', ($b-$a)*1e6/$tk/$N, $N))"
redis-cli -p 6397 --scan --pattern "{$PFX}*" | xargs -r redis-cli -p 6397 del > /dev/null
