#!/usr/bin/env bash
# Alternates lab.sh runs of several (jar, JVM options) pairs, round after round:
#   ab-matrix.sh ROUNDS WARM WINDOWS "JAR|OPTS" "JAR|OPTS"...
# prints each run's windows (gateway CPU per request split into JIT and the rest, nginx's, load)
D=$(cd "$(dirname "$0")" && pwd)
ROUNDS=$1; WARM=$2; WINDOWS=$3; shift 3
for r in $(seq $ROUNDS); do
  for e in "$@"; do
    jar=${e%%|*}; opts=${e#*|}
    echo "== round $r $(basename $jar) [$opts] $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    GATEWAY_JAVA_OPTS="$opts" $D/lab.sh $jar $WARM $WINDOWS 10 -- ${GATEWAY_ARGS:-} 2>&1 | grep -E "^window|requests served"
  done
done
