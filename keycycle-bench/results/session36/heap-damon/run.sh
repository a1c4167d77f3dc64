#!/usr/bin/env bash
# 2x2: gateway heap (256m, 1g) x kernel DAMON (on, off), lab.sh at 4 connections, order ABCD DCBA.
set -u
cd /work/main
OUT=keycycle-bench/results/session36/heap-damon
ST=/sys/kernel/mm/damon/admin/kdamonds/0/state
trap 'echo on > $ST 2>/dev/null; cat $ST' EXIT
run() { # heap damon round
  local heap=$1 damon=$2 r=$3
  if [ "$damon" = off ]; then echo off > $ST; else echo on > $ST 2>/dev/null || true; fi
  sleep 2
  echo "== $(date -u +%H:%M:%S) heap=$heap damon=$(cat $ST) round=$r"
  GATEWAY_JAVA_OPTS="-Xms$heap -Xmx$heap" keycycle-bench/lab.sh --warmup 45 --windows 3 --seconds 20 --conns 4 \
    > $OUT/lab-$heap-damon-$damon-$r.txt 2>&1
  grep -E "^window" $OUT/lab-$heap-damon-$damon-$r.txt
}
for spec in "256m on" "1g on" "256m off" "1g off" "1g off" "256m off" "1g on" "256m on"; do
  set -- $spec
  n=$(ls $OUT | grep -c "lab-$1-damon-$2-" || true)
  run $1 $2 $((n+1))
done
