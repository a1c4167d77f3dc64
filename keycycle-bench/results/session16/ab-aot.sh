#!/usr/bin/env bash
# A/B, alternated: the gateway on JDK 25 without and with an AOT cache (JEP 483/515: classes and
# method profiles of a training run, the lab loop itself with -XX:AOTCacheOutput). Each run: lab.sh,
# 45-s warm-up, windows 32/4/32/4 connections of 15 s. Usage: ab-aot.sh CACHE ROUNDS
set -u
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
CACHE=$1; ROUNDS=${2:-2}
export JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
for r in $(seq "$ROUNDS"); do
  for v in plain aot; do
    if [ $v = aot ]; then export GATEWAY_JAVA_OPTS="-Xms1g -Xmx1g -XX:AOTCache=$CACHE"; else export GATEWAY_JAVA_OPTS="-Xms1g -Xmx1g"; fi
    echo "== round $r $v $(date -u +%H:%M:%S)"
    "$ROOT/keycycle-bench/lab.sh" --warmup 45 --windows 4 --seconds 15 --conns "32 4 32 4" 2>&1 | grep -E '^(lab|window|requests served)'
  done
done
