#!/usr/bin/env bash
# A/B of the writer's sliced SQLite batches (session13): p99-4.sh at 4 connections, base and new jar
# alternated ROUNDS times, DAMON off for the series.
#   BASE=/tmp/base.jar NEW=/tmp/new.jar ab-slices.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
damon=/sys/kernel/mm/damon/admin/kdamonds/0/state
if [ -w $damon ]; then echo off > $damon; trap 'echo on > '$damon EXIT; fi
for r in $(seq ${ROUNDS:-3}); do
  for side in base new; do
    jar=$BASE; [ $side = new ] && jar=$NEW
    JAR=$jar ROUNDS=1 bash "$HERE/p99-4.sh" "$side-r$r=" 2>&1 | grep -v '^kernel DAMON'
  done
done
