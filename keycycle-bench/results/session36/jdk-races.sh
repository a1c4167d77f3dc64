#!/usr/bin/env bash
# Races with the kernel's DAMON monitor off, the gateway and the floor on Temurin 25 and on
# OpenJDK 17 alternately (25, 17, 25, 17). As root; DAMON on again at the end.
set -u
cd /work/main
OUT=keycycle-bench/results/session36
ST=/sys/kernel/mm/damon/admin/kdamonds/0/state
trap 'echo on > $ST 2>/dev/null; echo "DAMON: $(cat $ST)"' EXIT
[ "$(cat $ST)" = off ] || echo off > $ST
n=${START:-9}
for jdk in /usr/lib/jvm/temurin-25-jdk-amd64/bin/java java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java java; do
  sleep 2
  echo "== $(date -u +%H:%M:%S) race-$n DAMON $(cat $ST) JAVA=$jdk"
  JAVA=$jdk keycycle-bench/race.sh --out $OUT/race-$n > $OUT/race-$n.txt 2>&1
  grep -E "^targets" $OUT/race-$n.txt
  n=$((n+1))
done
