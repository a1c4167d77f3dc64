#!/usr/bin/env bash
# The lab loop: one static nginx and one gateway JVM (RaceGateway, SQLite store on), a warm-up, then
# N windows of wrk, each printing requests/s, p50/p99, the gateway's CPU per request (its JIT
# compiler threads apart), nginx's, and the gateway's context switches per request. Not the race:
# no direct run and no other contestant, so a figure here compares only with another window of the
# same loop (the host drifts by a third within minutes, docs/benchmarks.md). For A/B work, run two
# jars alternately. About warm-up + windows × seconds.
#
#   keycycle-bench/lab.sh [--jar JAR] [--warmup 45] [--windows 4] [--seconds 20] [--conns "32 32 4 4"]
#                         [--idle 0] [--sample-store FILE] [--keep-log FILE] [--damon off|on|as-is]
#                         [-- RaceGateway options]
#
# --conns: each window's connections, in order (the last one repeats; default 32 for all).
# --idle: seconds of no load between the warm-up and the first window (the JIT's leftover compiling
#   during it is printed).
# --sample-store FILE: the store's queue depth, journal events and spilled events from /metrics every
#   0.1 s into FILE during the windows (the sampling costs the gateway a lot of its throughput).
# --keep-log FILE: a copy of the gateway's output (stdout and stderr: lab patches print there).
# --damon off|on (default as-is): switches the kernel's DAMON memory monitors for this run only (as
#   root) and back when it ends; common.sh says why.
# Environment: JAVA (java command; default java on the PATH), GATEWAY_JAVA_OPTS (default "-Xms1g
# -Xmx1g"), GATEWAY_MAIN (default io.keycycle.bench.RaceGateway), GATEWAY_PREFIX (a command put
# before java, e.g. "chrt -b 0"), PROFILE_CMD (run during the last window with the gateway's pid in
# $GW_PID, e.g. an async-profiler jcmd). Installs Debian's nginx-light and wrk when missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/keycycle-bench/target/benchmarks.jar
WARM=45; WINDOWS=4; SECS=20; CONNS="32"; IDLE=0; SAMPLE=""; KEEP=""; DAMON_MODE=as-is
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) JAR=$2; shift 2 ;;
    --warmup) WARM=$2; shift 2 ;;
    --windows) WINDOWS=$2; shift 2 ;;
    --seconds) SECS=$2; shift 2 ;;
    --conns) CONNS=$2; shift 2 ;;
    --idle) IDLE=$2; shift 2 ;;
    --sample-store) SAMPLE=$2; shift 2 ;;
    --keep-log) KEEP=$2; shift 2 ;;
    --damon) DAMON_MODE=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown option $1; options: --jar JAR --warmup N --windows N --seconds N --conns \"32 4\" --idle N --sample-store FILE --keep-log FILE --damon off|on|as-is [-- RaceGateway options]" >&2; exit 2 ;;
  esac
done
for n in "$WARM" "$WINDOWS" "$SECS" "$IDLE" $CONNS; do
  case "$n" in ''|*[!0-9]*) echo "not a whole number: '$n' (--warmup, --windows, --seconds, --idle and --conns take whole numbers)" >&2; exit 2 ;; esac
done
[ "$WINDOWS" -ge 1 ] || { echo "--windows must be at least 1" >&2; exit 2; }
# shellcheck source=keycycle-bench/common.sh
. "$ROOT/keycycle-bench/common.sh"
damon_check_mode "$DAMON_MODE"
resolve_java
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-"-Xms1g -Xmx1g"}
GATEWAY_MAIN=${GATEWAY_MAIN:-io.keycycle.bench.RaceGateway}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
read -r -a CONN_LIST <<< "$CONNS"

install_missing nginx nginx-light
install_missing wrk wrk
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
need_jar

WORK=$(mktemp -d /tmp/keycycle-lab.XXXXXX)
NGINX_PID=""; GW_PID=""; SAMPLER_PID=""
cleanup() {
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
  [ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  exec 3>&- 2>/dev/null || true
  damon_restore
}
trap cleanup EXIT
damon_apply "$DAMON_MODE"

PORT=$(free_port)
start_static_nginx nginx "$PORT"
NGINX_PID=$STARTED_PID
kill -0 "$NGINX_PID" 2>/dev/null || { echo "nginx did not start:" >&2; cat "$WORK/nginx/error.log" >&2; exit 1; }

mkfifo "$WORK/gw.in"
# shellcheck disable=SC2086
${GATEWAY_PREFIX:-} "$JAVA" $GATEWAY_JAVA_OPTS -cp "$JAR" "$GATEWAY_MAIN" --upstream "http://127.0.0.1:$PORT/v1" \
    --db "$WORK/lab.db" "$@" < "$WORK/gw.in" > "$WORK/gateway.log" 2>&1 &
GW_PID=$!
exec 3>"$WORK/gw.in"
URL=""
for _ in $(seq 300); do URL=$(sed -n 's/^GATEWAY //p' "$WORK/gateway.log" | head -1); [ -n "$URL" ] && break; sleep 0.1; done
[ -n "$URL" ] || { echo "the gateway did not start within 30 s:" >&2; tail -20 "$WORK/gateway.log" >&2; exit 1; }
write_post_lua "$WORK/post.lua"

# context switches (voluntary, involuntary) of all the gateway's threads so far
ctxsw() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt/ { v += $2 } /^nonvoluntary_ctxt/ { i += $2 } END { print v + 0, i + 0 }'; }

echo "lab: gateway JVM $JAVA_SAID, $GATEWAY_JAVA_OPTS${*:+, options $*}; warm-up ${WARM} s at ${CONN_LIST[0]} connections, ${WINDOWS} windows of ${SECS} s at ${CONNS} connections; $(nproc) cores"
"$ROOT/keycycle-bench/damon-state.sh"
wrk -t2 -c"${CONN_LIST[0]}" -d"${WARM}s" -s "$WORK/post.lua" "$URL/v1/chat/completions" > /dev/null
if [ "$IDLE" -gt 0 ]; then
  j0=$(jit_ticks "$GW_PID"); sleep "$IDLE"
  echo "idle ${IDLE} s: the JIT compiler threads used $(awk -v t=$(( $(jit_ticks "$GW_PID") - j0 )) -v h="$TICK" 'BEGIN { printf "%.2f", t / h }') s of CPU meanwhile"
fi
if [ -n "$SAMPLE" ]; then
  ( while kill -0 "$GW_PID" 2>/dev/null; do
      printf '%s %s\n' "$(date +%s.%N | cut -c1-14)" "$(curl -s --max-time 1 "$URL/metrics" | awk '$1 ~ /^keycycle_store_(queue_depth|events_spilled_total|journal_events)$/ { printf "%s=%s ", $1, $2 }')"
      sleep 0.1
    done ) > "$SAMPLE" 2>/dev/null & SAMPLER_PID=$!
fi
for w in $(seq "$WINDOWS"); do
  c=${CONN_LIST[$(( w <= ${#CONN_LIST[@]} ? w - 1 : ${#CONN_LIST[@]} - 1 ))]}
  g0=$(cpu_ticks "$GW_PID"); n0=$(cpu_ticks "$NGINX_PID"); j0=$(jit_ticks "$GW_PID"); read -r v0 i0 < <(ctxsw "$GW_PID")
  PP=""
  if [ "$w" = "$WINDOWS" ] && [ -n "${PROFILE_CMD:-}" ]; then (export GW_PID; eval "$PROFILE_CMD") & PP=$!; fi
  wrk -t2 -c"$c" -d"${SECS}s" --latency -s "$WORK/post.lua" "$URL/v1/chat/completions" > "$WORK/w$w.txt"
  g1=$(cpu_ticks "$GW_PID"); n1=$(cpu_ticks "$NGINX_PID"); j1=$(jit_ticks "$GW_PID"); read -r v1 i1 < <(ctxsw "$GW_PID")
  req=$(awk '/requests in/ {print $1}' "$WORK/w$w.txt"); rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$WORK/w$w.txt")
  non=$(awk '/Non-2xx/ {print $NF}' "$WORK/w$w.txt"); p99=$(awk '$1 == "99%" {print $2}' "$WORK/w$w.txt"); p50=$(awk '$1 == "50%" {print $2}' "$WORK/w$w.txt")
  awk -v w="$w" -v c="$c" -v j=$((j1 - j0)) -v g=$((g1 - g0)) -v n=$((n1 - n0)) -v r="${req:-0}" -v t="$TICK" -v rps="$rps" -v non="${non:-0}" \
      -v l="$(cut -d' ' -f1 /proc/loadavg)" -v cv=$((v1 - v0)) -v ci=$((i1 - i0)) -v p50="$p50" -v p99="$p99" \
    'BEGIN { if (r == 0) { printf "window %d (%d connections): no request answered\n", w, c; exit }
             printf "window %d (%d connections): %s req/s, p50 %s p99 %s, gateway %.1f us/req (JIT %.1f, rest %.1f), nginx %.1f us/req, non-2xx %s, load %s, gateway context switches per request %.2f voluntary %.2f involuntary\n",
                    w, c, rps, p50, p99, g * 1e6 / t / r, j * 1e6 / t / r, (g - j) * 1e6 / t / r, n * 1e6 / t / r, non, l, cv / r, ci / r }'
  [ -n "$PP" ] && { wait "$PP" || true; }
done
[ -n "$SAMPLER_PID" ] && { kill "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""; }
exec 3>&-
wait "$GW_PID" 2>/dev/null || true; GW_PID=""
[ -n "$KEEP" ] && cp "$WORK/gateway.log" "$KEEP"
grep -E "^(requests served|store:|transport)" "$WORK/gateway.log" || tail -20 "$WORK/gateway.log"
