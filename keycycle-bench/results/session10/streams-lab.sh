#!/usr/bin/env bash
# Lab loop for streams (session10): the C pacing upstream, one gateway JVM (RaceGateway), then the C
# load generator once per stream count given, each for SECS s after WARM s (the first run also
# warms the gateway for GW_WARM s). Prints each run's result line and the gateway's CPU per chunk.
#   streams-lab.sh SECS "300 1000 1000" [-- RaceGateway args]
# Env: GATEWAY_MAIN (e.g. io.keycycle.bench.BareProxy with "-- --pipe"), UPSTREAM_ARGS (e.g. "--chunks 10"), GATEWAY_JAVA_OPTS, GATEWAY_PREFIX (e.g. "nice -n -10"), GW_WARM (default 30), KEEP_LOG (copy the gateway's log there), PROFILE_CMD (run with $GW_PID during the last run), JAR (the benchmarks jar; default this tree's, for A/B of two builds)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
SECS=$1; COUNTS=$2; shift 2 || true; [ "${1:-}" = "--" ] && shift
JAR=${JAR:-$ROOT/keycycle-bench/target/benchmarks.jar}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-"-Xms1g -Xmx1g"}
WORK=$(mktemp -d /tmp/s10-streams.XXXXXX)
UP_PID=""; GW_PID=""
cleanup() { [ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null || true; [ -n "$UP_PID" ] && kill "$UP_PID" 2>/dev/null || true; }
trap cleanup EXIT
cc -O2 -o $WORK/paced $ROOT/keycycle-bench/native/paced.c
$WORK/paced upstream ${UPSTREAM_ARGS:-} > $WORK/up.log 2>&1 & UP_PID=$!
sleep 0.3; UP_PORT=$(sed -n 's/^UPSTREAM //p' $WORK/up.log)
mkfifo $WORK/gw.in
${GATEWAY_PREFIX:-} java $GATEWAY_JAVA_OPTS -cp "$JAR" ${GATEWAY_MAIN:-io.keycycle.bench.RaceGateway} --upstream "http://127.0.0.1:$UP_PORT/v1" --db $WORK/s.db "$@" < $WORK/gw.in > $WORK/gateway.log 2>&1 &
GW_PID=$!
exec 3>$WORK/gw.in
for _ in $(seq 300); do URL=$(sed -n 's/^GATEWAY //p' $WORK/gateway.log | head -1); [ -n "$URL" ] && break; sleep 0.1; done
TICK=$(getconf CLK_TCK)
ticks() { awk '{print $14+$15}' /proc/$1/stat; }
first=1; last=$(echo $COUNTS | wc -w); i=0
for n in $COUNTS; do
  i=$((i+1)); warm=5; [ $first = 1 ] && warm=${GW_WARM:-30}; first=0
  $WORK/paced load --url $URL/v1/chat/completions --name gw-$n --streams $n --seconds $SECS --warmup $warm ${DUMP:+--dump $DUMP.$i} > $WORK/r$i.txt & LP=$!
  sleep $warm; g0=$(ticks $GW_PID); u0=$(ticks $UP_PID); l0=$(ticks $LP)
  if [ $i = $last ] && [ -n "${PROFILE_CMD:-}" ]; then (export GW_PID; eval "$PROFILE_CMD") & PP=$!; fi
  sleep $SECS; g1=$(ticks $GW_PID); u1=$(ticks $UP_PID); l1=$(ticks $LP)
  wait $LP || true
  rate=$(sed -n 's/.* chunks\/s=\([0-9]*\).*/\1/p' $WORK/r$i.txt)
  echo "$(cat $WORK/r$i.txt | sed 's/^RESULT //') | CPU us/chunk gateway $(awk -v a=$((g1-g0)) -v r=$rate -v s=$SECS -v t=$TICK 'BEGIN{printf "%.1f", a/t*1e6/(r*s)}') upstream $(awk -v a=$((u1-u0)) -v r=$rate -v s=$SECS -v t=$TICK 'BEGIN{printf "%.1f", a/t*1e6/(r*s)}') load $(awk -v a=$((l1-l0)) -v r=$rate -v s=$SECS -v t=$TICK 'BEGIN{printf "%.1f", a/t*1e6/(r*s)}') | loadavg $(cut -d' ' -f1 /proc/loadavg)"
done
[ -n "${PP:-}" ] && wait $PP || true
exec 3>&-; wait $GW_PID 2>/dev/null || true; GW_PID=""
[ -n "${KEEP_LOG:-}" ] && cp $WORK/gateway.log "$KEEP_LOG"
grep -E "^(requests served|store:)" $WORK/gateway.log | cut -c1-200
