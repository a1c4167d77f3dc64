#!/usr/bin/env bash
# Streams A/B from one place (session 12): base.jar (main 1807de5) and new.jar (main 739c4a1), same lab
# script (session10/streams-lab.sh, JAR from the environment), G1 pauses logged; DAMON off
D=/sys/kernel/mm/damon/admin/kdamonds/0/state
[ -w $D ] && { echo off > $D; trap 'echo on > $D' EXIT; }
cd /work/main/keycycle-bench/results/session10
for round in 1 2 3; do
  for jar in base new; do
    echo "== round $round $jar ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
    rm -f /tmp/s12/gc-$jar-$round.log
    JAR=/tmp/s12/$jar.jar GATEWAY_JAVA_OPTS="-Xms1g -Xmx1g -Xlog:gc:file=/tmp/s12/gc-$jar-$round.log" GW_WARM=20 bash streams-lab.sh 15 "1000" 2>&1 | grep -E "^gw-"
  done
done
