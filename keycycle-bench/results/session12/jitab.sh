#!/usr/bin/env bash
# JIT options A/B in the lab loop (session9/lab.sh), alternated; DAMON switched off for the duration
LAB=/work/main/keycycle-bench/results/session9/lab.sh
JAR=/tmp/ci3/keycycle-bench/target/benchmarks.jar
D=/sys/kernel/mm/damon/admin/kdamonds/0/state
echo off > $D; trap 'echo on > $D' EXIT
for round in 1 2; do
  for cfg in "A|-Xms1g -Xmx1g" "B|-Xms1g -Xmx1g -XX:TieredStopAtLevel=1" "C|-Xms1g -Xmx1g -XX:-TieredCompilation"; do
    name=${cfg%%|*}; opts=${cfg#*|}
    echo "== round $round config $name: $opts ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
    GATEWAY_JAVA_OPTS="$opts" bash $LAB $JAR 25 3 10 -- 2>&1 | grep -E "^window|^requests served"
  done
done
