#!/usr/bin/env bash
# Prints one line on the kernel's DAMON monitors (Data Access MONitor, /sys/kernel/mm/damon): a
# kdamond that samples physical memory (operations "paddr") every few hundred milliseconds to
# page out cold memory stalls the JVMs of a benchmark on this kind of virtual machine for 5-30 ms
# at every sample (docs/benchmarks.md, "The machine"), so race.sh and streams.sh report it.
# Read-only: turning a kdamond off is the operator's decision
# (echo off > /sys/kernel/mm/damon/admin/kdamonds/N/state, as root).
set -u
base=/sys/kernel/mm/damon/admin/kdamonds
if [ ! -r "$base/nr_kdamonds" ]; then echo "kernel DAMON: not available"; exit 0; fi
said=""
for d in "$base"/[0-9]*; do
  [ -d "$d" ] || continue
  state=$(cat "$d/state" 2>/dev/null || echo "?")
  [ "$state" = on ] || continue
  c=$d/contexts/0
  ops=$(cat "$c/operations" 2>/dev/null || echo "?")
  sample=$(cat "$c/monitoring_attrs/intervals/sample_us" 2>/dev/null || echo 0)
  action=$(cat "$c/schemes/0/action" 2>/dev/null || echo "none")
  said="$said${said:+; }kdamond $(basename "$d") on (operations $ops, a sample every $((sample / 1000)) ms, scheme $action)"
done
if [ -n "$said" ]; then
  echo "kernel DAMON: $said: expect the JVMs to stall 5-30 ms at every sample (docs/benchmarks.md)"
else
  echo "kernel DAMON: no kdamond running"
fi
