#!/usr/bin/env bash
# Lab A/B (session 12): base = main 1807de5, new = main 739c4a1 (ModelSplice without a parser, usage line
# without a generator or string, per-model meters, event ids in one array, SSE data lines as one string);
# alternated, 3 rounds, lab.sh 25-s warm-up then 3 windows of 10 s at 32 connections; DAMON off for the duration
LAB=/work/main/keycycle-bench/results/session9/lab.sh
D=/sys/kernel/mm/damon/admin/kdamonds/0/state
[ -w $D ] && { echo off > $D; trap 'echo on > $D' EXIT; }
for round in 1 2 3; do
  for jar in base new; do
    echo "== round $round $jar ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
    bash $LAB /tmp/s12/$jar.jar 25 3 10 -- 2>&1 | grep -E "^window|^requests served"
  done
done
