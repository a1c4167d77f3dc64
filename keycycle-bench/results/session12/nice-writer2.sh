#!/usr/bin/env bash
# The reverse of nice-writer.sh (session 12): the writer threads reniced (+10) from the end of the warm-up,
# back to 0 at the start of window 3. DAMON off.
D=/sys/kernel/mm/damon/admin/kdamonds/0/state
[ -w $D ] && { echo off > $D; trap 'echo on > $D' EXIT; }
setn() { P=$(pgrep -f io.keycycle.bench.RaceGateway | head -1); for t in /proc/$P/task/*; do case "$(cat $t/comm)" in keycycle-store*) renice -n $1 -p ${t##*/} > /dev/null;; esac; done; echo "writer nice $1"; }
for run in 1 2; do
  echo "== run $run ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
  ( sleep 24; setn 10; sleep 22; setn 0 ) &
  CONNS=4 bash /work/main/keycycle-bench/results/session9/lab.sh /tmp/s12/new.jar 25 4 10 -- 2>&1 | grep -E "^window"
  wait
done
