#!/usr/bin/env bash
# A/B/C of G1's concurrent refinement for streams (session37): default G1; G1 with refinement
# deferred to the pauses (adaptive off, all three zones at 1,000,000 buffers); ParallelGC. One
# gateway JVM each (RaceGateway, 1 GB heap), 90-s warm-up, two 20-s windows at 1,000 streams, run
# twice in the order A B C A B C; the JVM's CPU by thread (20 s, second window) after each.
set -u
ROOT=$(cd "$(dirname "$0")/../../../.." && pwd)
OUT=$(cd "$(dirname "$0")" && pwd)
declare -A OPTS=(
  [g1]="-Xms1g -Xmx1g"
  [g1-deferred]="-Xms1g -Xmx1g -XX:-G1UseAdaptiveConcRefinement -XX:G1ConcRefinementGreenZone=1000000 -XX:G1ConcRefinementYellowZone=1000000 -XX:G1ConcRefinementRedZone=1000000"
  [parallel]="-Xms1g -Xmx1g -XX:+UseParallelGC"
)
i=0
for v in g1 g1-deferred parallel g1 g1-deferred parallel; do
  i=$((i+1))
  echo "== $i $v $(date -u +%T) ${OPTS[$v]}"
  GW_WARM=90 GATEWAY_JAVA_OPTS="${OPTS[$v]}" \
    PROFILE_CMD="sleep 0; cat /proc/\$GW_PID/task/*/stat > /tmp/ab-a; sleep 20; cat /proc/\$GW_PID/task/*/stat > /tmp/ab-b" \
    bash "$ROOT/keycycle-bench/results/session10/streams-lab.sh" 20 "1000 1000" 2>&1 | cut -c1-262 | grep -v "^store"
  paste <(awk '{ if (!match($0, /.*\) /)) next; split(substr($0, RLENGTH + 1), f, " "); print $1, f[12]+f[13] }' /tmp/ab-a | sort) \
        <(awk '{ if (!match($0, /.*\) /)) next; lp = index($0, "("); n = substr($0, lp + 1, RLENGTH - lp - 2); gsub(/ /, "_", n); split(substr($0, RLENGTH + 1), f, " "); print $1, f[12]+f[13], n }' /tmp/ab-b | sort) |
    awk '{ d = ($4 - $2) * 10; if (d > 0) by[$5] += d } END { for (n in by) printf "  %s %d ms\n", n, by[n] }' | sort -k2 -rn | head -6
done
