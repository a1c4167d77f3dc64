#!/usr/bin/env bash
# Alternates lab.sh runs of several jars: ab.sh ROUNDS WARM WINDOWS JAR... ; prints the last window of each run
D=$(cd "$(dirname "$0")" && pwd)
ROUNDS=$1; WARM=$2; WINDOWS=$3; shift 3
for r in $(seq $ROUNDS); do
  for jar in "$@"; do
    echo "== round $r $(basename $jar) $(date -u +%H:%M:%S)"
    $D/lab.sh $jar $WARM $WINDOWS 10 -- ${GATEWAY_ARGS:-} 2>&1 | grep -E "^window|requests served"
  done
done
