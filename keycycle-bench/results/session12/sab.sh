#!/usr/bin/env bash
# Streams A/B (session 12): base = main 1807de5 (a clean clone in /tmp/ci3), new = main 739c4a1 (/work/main);
# streams-lab.sh of each tree, 1,000 streams for 15 s after a 20-s gateway warm-up, alternated; DAMON off.
# Run as is (rounds 1-2, base first: sab.txt), then with ROUNDS="3 4" ORDER="new base" (sab2.txt).
D=/sys/kernel/mm/damon/admin/kdamonds/0/state
[ -w $D ] && { echo off > $D; trap 'echo on > $D' EXIT; }
for round in ${ROUNDS:-1 2}; do
  for tree in ${ORDER:-base new}; do
    root=/tmp/ci3; [ $tree = new ] && root=/work/main
    echo "== round $round $tree ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
    GW_WARM=20 bash $root/keycycle-bench/results/session10/streams-lab.sh 15 "1000" 2>&1 | grep -E "^gw-|^requests served"
  done
done
