#!/usr/bin/env bash
# 4-connection tail with the store writer thread reniced (+10) halfway (session 12): lab.sh CONNS=4,
# 25-s warm-up, 4 windows of 10 s; the writer is reniced at the start of window 3. DAMON off.
D=/sys/kernel/mm/damon/admin/kdamonds/0/state
[ -w $D ] && { echo off > $D; trap 'echo on > $D' EXIT; }
for run in 1 2; do
  echo "== run $run ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
  ( sleep 46; P=$(pgrep -f io.keycycle.bench.RaceGateway | head -1); for t in /proc/$P/task/*; do c=$(cat $t/comm); case "$c" in keycycle-store*) renice -n 10 -p ${t##*/} > /dev/null && echo "reniced $c (${t##*/})";; esac; done ) &
  CONNS=4 bash /work/main/keycycle-bench/results/session9/lab.sh /tmp/s12/new.jar 25 4 10 -- 2>&1 | grep -E "^window"
  wait
done
