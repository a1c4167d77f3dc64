#!/usr/bin/env bash
# streams.sh (gateway phase only, DAMON off) with default G1 and with G1's concurrent refinement
# deferred to the pauses, alternated three times (session37).
set -u
ROOT=$(cd "$(dirname "$0")/../../../.." && pwd)
OUT=$(cd "$(dirname "$0")" && pwd)
DEFERRED="-Xms1g -Xmx1g -XX:-G1UseAdaptiveConcRefinement -XX:G1ConcRefinementGreenZone=1000000 -XX:G1ConcRefinementYellowZone=1000000 -XX:G1ConcRefinementRedZone=1000000"
for i in 1 2 3; do
  for v in g1 deferred; do
    opts="-Xms1g -Xmx1g"; [ $v = deferred ] && opts=$DEFERRED
    echo "== $i $v $(date -u +%T)"
    STREAMS_NGINX=0 STREAMS_FLOOR=0 GATEWAY_JAVA_OPTS="$opts" "$ROOT/keycycle-bench/streams.sh" --damon off > "$OUT/streams-$v-$i.txt" 2>&1
    grep -E "^  (direct|gateway) |added per chunk|gateway phase, CPU" "$OUT/streams-$v-$i.txt"
  done
done
