#!/usr/bin/env bash
# Alternates lab.sh runs of one jar with several GATEWAY_JAVA_OPTS: ab-opts.sh ROUNDS WARM WINDOWS JAR "OPTS1" "OPTS2"...
D=$(cd "$(dirname "$0")" && pwd)
ROUNDS=$1; WARM=$2; WINDOWS=$3; JAR=$4; shift 4
for r in $(seq $ROUNDS); do
  for opts in "$@"; do
    echo "== round $r [$opts] $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    GATEWAY_JAVA_OPTS="$opts" $D/lab.sh $JAR $WARM $WINDOWS 10 -- ${GATEWAY_ARGS:-} 2>&1 | grep -E "^window|requests served"
  done
done
