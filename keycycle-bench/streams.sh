#!/usr/bin/env bash
# Streams at scale: --streams concurrent chat streams (default 1,000) whose upstream sends a chunk
# every 50 ms (20 chunks/s each), first straight to the pacing upstream, then through the Keycycle
# gateway (SQLite store on), in one run. Three processes: the pacing upstream, the gateway
# (RaceGateway, printing its heap after each GC every second) and the load generator (see
# --helpers). Between the two, the same streams through the "vert.x floor": a bare Vert.x proxy
# with nothing of Keycycle in it that pipes each answer as it arrives (BareProxy --pipe, own JVM;
# STREAMS_FLOOR=0 leaves it out; FLOOR_MAIN=io.keycycle.bench.NettyProxy puts the same pipe on Netty
# alone in its place, the "netty floor"). Before the floor, the same streams through "nginx relay": Debian's
# nginx (nginx-light, installed with apt-get when missing) as a reverse proxy with its buffering off,
# a relay in C with nothing of the JVM in it, so that a run tells what any relay adds on this host
# (STREAMS_NGINX=0 leaves it out). Prints each phase's per-chunk travel time, the p99 each relay
# adds, and the gateway's memory over the gateway phase. About 4.2 minutes with the defaults.
#
#   keycycle-bench/streams.sh [--streams 1000] [--seconds 30] [--warmup 5] [--gateway-warmup 90] [--floor-warmup 15] [--helpers c|java] [--damon off|on|as-is] [--out DIR]
#
# --helpers: the pacing upstream and the load generator as one small C program
# (keycycle-bench/native/paced.c, built here with cc; the default when a C compiler is on the PATH:
# about 9 µs of CPU per chunk each) or as the Java classes PacedUpstream and StreamLoad (about 76 µs
# per chunk between them: on two cores they leave the gateway too little CPU at 1,000 streams).
# Both speak the same protocol and print the same result line.
#
# --warmup: seconds of each phase not recorded; --gateway-warmup: the same for the gateway phase
# (default 90; 30 until 2026-12-03: a freshly started gateway JVM spends its first ~30 s largely in
# the JIT compiler on two busy cores, and the per-stream code, run ~200 times a second, reaches C2
# after 60-75 s. With 30 s the recorded window still held that compilation: 48 us of CPU per chunk
# and +28 to +66 ms at p99 on the host of 2026-12-03, against 38-41 us and +4.6 to +7.4 ms after 90 s
# (keycycle-bench/results/session17). The floor's smaller program gained nothing from 60 s.) Also prints the CPU time per chunk of each of the three
# processes in every phase (from /proc), so a harness that is itself the bottleneck shows, and for
# the JVM relays the share of their JIT compiler and garbage collector threads.
# --damon off|on (default as-is): switches the kernel's DAMON memory monitors for this run only (as
# root) and back when it ends; common.sh says why.
# Environment: NGINX_WORKERS (the nginx relay's worker processes, default auto: one per core),
# JAVA (the java command for the gateway and the floor; default java on the PATH),
# GATEWAY_JAVA_OPTS (default "-Xms1g -Xmx1g"), UPSTREAM_JAVA_OPTS (default "-Xmx512m"),
# LOAD_JAVA_OPTS (default "-Xmx1g").
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/keycycle-bench/target/benchmarks.jar
STREAMS=1000; RUN_SECONDS=30; WARMUP=5; GW_WARMUP=90; FLOOR_WARMUP=15; OUT=""; DAMON_MODE=as-is
HELPERS=$(command -v cc > /dev/null 2>&1 && echo c || echo java)
while [ $# -gt 0 ]; do
  case "$1" in
    --streams) STREAMS=$2; shift 2 ;;
    --seconds) RUN_SECONDS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --gateway-warmup) GW_WARMUP=$2; shift 2 ;;
    --floor-warmup) FLOOR_WARMUP=$2; shift 2 ;;
    --helpers) HELPERS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --damon) DAMON_MODE=$2; shift 2 ;;
    *) echo "unknown option $1; options: --streams N --seconds N --warmup N --gateway-warmup N --floor-warmup N --helpers c|java --damon off|on|as-is --out DIR" >&2; exit 2 ;;
  esac
done
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-"-Xms1g -Xmx1g"}
# shellcheck source=keycycle-bench/common.sh
. "$ROOT/keycycle-bench/common.sh"
damon_check_mode "$DAMON_MODE"
resolve_java
UPSTREAM_JAVA_OPTS=${UPSTREAM_JAVA_OPTS:-"-Xmx512m"}
LOAD_JAVA_OPTS=${LOAD_JAVA_OPTS:-"-Xmx1g"}
need_jar
# the floor's program: BareProxy (Vert.x) by default; FLOOR_MAIN=io.keycycle.bench.NettyProxy runs
# the same pipe on Netty alone, to tell Vert.x's share of a JVM relay's tail from the JVM's
FLOOR_MAIN=${FLOOR_MAIN:-io.keycycle.bench.BareProxy}
case "$FLOOR_MAIN" in
  *.BareProxy) FLOOR_NAME="vert.x floor" ;;
  *.NettyProxy) FLOOR_NAME="netty floor" ;;
  *) FLOOR_NAME="floor (${FLOOR_MAIN##*.})" ;;
esac
NGINX_WORKERS=${NGINX_WORKERS:-auto}
if [ "${STREAMS_NGINX:-1}" != 0 ]; then
  install_missing nginx nginx-light
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
  [ -x "$NGINX" ] || { echo "no nginx (apt-get install -y nginx-light failed); STREAMS_NGINX=0 leaves the nginx relay out" >&2; exit 2; }
fi

WORK=$(mktemp -d /tmp/keycycle-streams.XXXXXX)
UP_PID=""; GW_PID=""; FLOOR_PID=""; RELAY_PID=""
cleanup() {
  [ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null || true
  [ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null || true
  [ -n "$FLOOR_PID" ] && kill "$FLOOR_PID" 2>/dev/null || true
  [ -n "$UP_PID" ] && kill "$UP_PID" 2>/dev/null || true
  exec 3>&- 2>/dev/null || true
  damon_restore
}
trap cleanup EXIT
damon_apply "$DAMON_MODE"
ulimit -n 65536 2>/dev/null || true

wait_for() { # file prefix -> the rest of the first line starting with prefix
  local v=""
  for _ in $(seq 300); do
    v=$(sed -n "s/^$2 //p" "$1" | head -1)
    [ -n "$v" ] && { echo "$v"; return; }
    sleep 0.1
  done
  echo "no '$2' line in $1 within 30 s" >&2; cat "$1" >&2; exit 1
}

case "$HELPERS" in
  c) command -v cc > /dev/null 2>&1 || { echo "--helpers c needs a C compiler (cc) on the PATH; apt-get install -y gcc, or pass --helpers java" >&2; exit 2; }
     cc -O2 -o "$WORK/paced" "$ROOT/keycycle-bench/native/paced.c"
     "$WORK/paced" upstream --chunks 100 --interval-ms 50 > "$WORK/upstream.log" 2>&1 &
     HELPERS_SAID="helpers in C (keycycle-bench/native/paced.c)" ;;
  java) # shellcheck disable=SC2086
     java $UPSTREAM_JAVA_OPTS -cp "$JAR" io.keycycle.bench.PacedUpstream --chunks 100 --interval-ms 50 > "$WORK/upstream.log" 2>&1 &
     HELPERS_SAID="helpers in Java (PacedUpstream, StreamLoad)" ;;
  *) echo "--helpers takes c or java (got $HELPERS)" >&2; exit 2 ;;
esac
UP_PID=$!
UP_PORT=$(wait_for "$WORK/upstream.log" UPSTREAM)

if [ "${STREAMS_NGINX:-1}" != 0 ]; then
  # a reverse proxy that passes each chunk on as it comes (proxy_buffering off) over kept-alive
  # HTTP/1.1 connections to the upstream; 4,096 connections per worker is room for 1,000 streams'
  # two sides on one worker
  RELAY_PORT=$(free_port)
  start_nginx relay "$RELAY_PORT" "  upstream paced {
    server 127.0.0.1:$UP_PORT;
    keepalive 2048;
    keepalive_requests 100000000;
    keepalive_timeout 120s;
  }
  server {
    listen 127.0.0.1:$RELAY_PORT;
    location / {
      proxy_pass http://paced;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_buffering off;
      proxy_read_timeout 120s;
    }
  }"
  RELAY_PID=$STARTED_PID
  (exec 9<>/dev/tcp/127.0.0.1/$RELAY_PORT) 2>/dev/null || { echo "the nginx relay did not answer on port $RELAY_PORT:" >&2; cat "$WORK/relay/error.log" >&2; exit 1; }
fi

mkfifo "$WORK/gw.in"
# shellcheck disable=SC2086
"$JAVA" $GATEWAY_JAVA_OPTS -cp "$JAR" io.keycycle.bench.RaceGateway --upstream "http://127.0.0.1:$UP_PORT/v1" \
     --db "$WORK/streams.db" --memory-every 1 < "$WORK/gw.in" > "$WORK/gateway.log" 2>&1 &
GW_PID=$!
exec 3>"$WORK/gw.in"
GW_URL=$(wait_for "$WORK/gateway.log" GATEWAY)
if [ "${STREAMS_FLOOR:-1}" != 0 ]; then
  mkfifo "$WORK/floor.in"
  # shellcheck disable=SC2086
  "$JAVA" $GATEWAY_JAVA_OPTS -cp "$JAR" "$FLOOR_MAIN" --upstream "http://127.0.0.1:$UP_PORT/v1" --pipe \
       < "$WORK/floor.in" > "$WORK/floor.log" 2>&1 &
  FLOOR_PID=$!
  exec 4>"$WORK/floor.in"
  FLOOR_URL=$(wait_for "$WORK/floor.log" GATEWAY)
fi

echo "streams at scale: $STREAMS concurrent streams, 20 chunks/s each (100 chunks, 50 ms apart, then a new stream), ${RUN_SECONDS} s recorded after ${WARMUP} s (${RELAY_PID:+nginx relay phase ($NGINX_WORKERS workers): after ${WARMUP} s, }${FLOOR_PID:+$FLOOR_NAME phase: after ${FLOOR_WARMUP} s, }gateway phase: after ${GW_WARMUP} s); $(nproc) cores; gateway JVM: $JAVA_SAID, $GATEWAY_JAVA_OPTS, SQLite store on; $HELPERS_SAID"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$ROOT/keycycle-bench/damon-state.sh"
# phase NAME URL WARMUP: the load generator for WARMUP + RUN_SECONDS; CPU ticks of upstream, gateway
# and load generator over the recorded window go to $WORK/NAME.cpu
phase() {
  local u0 g0 l0 j0 c0
  if [ "$HELPERS" = c ]; then
    "$WORK/paced" load --url "$2" --name "$1" --streams "$STREAMS" --seconds "$RUN_SECONDS" --warmup "$3" > "$WORK/$1.txt" 2>&1 &
  else
    # shellcheck disable=SC2086
    java $LOAD_JAVA_OPTS -cp "$JAR" io.keycycle.bench.StreamLoad --url "$2" --name "$1" \
         --streams "$STREAMS" --seconds "$RUN_SECONDS" --warmup "$3" > "$WORK/$1.txt" 2>&1 &
  fi
  LOAD_PID=$!
  sleep "$3"
  local hop=$GW_PID
  [ "$1" = floor ] && hop=$FLOOR_PID
  [ "$1" = relay ] && hop=$RELAY_PID
  u0=$(cpu_ticks "$UP_PID"); g0=$(cpu_ticks "$hop"); l0=$(cpu_ticks "$LOAD_PID"); j0=$(jit_ticks "$hop"); c0=$(gc_ticks "$hop")
  sleep "$RUN_SECONDS"
  # the load generator exits at the end of its window: when it was gone before this reading (the
  # shell's window lags its own by a few ms), its CPU is unknown (-1), not negative
  local l1; l1=$(cpu_ticks "$LOAD_PID")
  echo "$(( $(cpu_ticks "$UP_PID") - u0 )) $(( $(cpu_ticks "$hop") - g0 )) $([ "$l1" -ge "$l0" ] && [ "$l1" -gt 0 ] && echo $(( l1 - l0 )) || echo -1) $(( $(jit_ticks "$hop") - j0 )) $(( $(gc_ticks "$hop") - c0 ))" > "$WORK/$1.cpu"
  wait "$LOAD_PID" || true
}
phase direct "http://127.0.0.1:$UP_PORT/v1/chat/completions" "$WARMUP"
PHASES="direct"
if [ -n "$RELAY_PID" ]; then
  phase relay "http://127.0.0.1:$RELAY_PORT/v1/chat/completions" "$WARMUP"
  kill "$RELAY_PID" 2>/dev/null || true   # nginx leaves: it is not on the cores during the next phases
  wait "$RELAY_PID" 2>/dev/null || true
  RELAY_PID=""
  PHASES="$PHASES relay"
fi
if [ -n "$FLOOR_PID" ]; then
  phase floor "$FLOOR_URL/v1/chat/completions" "$FLOOR_WARMUP"
  exec 4>&-   # the floor exits: it is not on the cores during the gateway phase
  wait "$FLOOR_PID" 2>/dev/null || true
  FLOOR_PID=""
  PHASES="$PHASES floor"
fi
PHASES="$PHASES gateway"
GW_FROM=$(date +%s)
phase gateway "$GW_URL/v1/chat/completions" "$GW_WARMUP"
GW_TO=$(date +%s)
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# what sits between the load generator and the upstream in phase $1 (in the direct phase the gateway
# JVM is up but idle, and its CPU is what the CPU line reports as the hop's)
hop_name() { case $1 in floor) echo "$FLOOR_NAME" ;; relay) echo "nginx relay" ;; direct) echo "gateway (idle)" ;; *) echo gateway ;; esac; }
for p in $PHASES; do grep -h '^RESULT' "$WORK/$p.txt" | sed 's/^RESULT /  /'; done
field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$WORK/$1.txt" | head -1; }
for p in $PHASES; do
  [ "$p" = direct ] && continue
  awk -v who="the $(hop_name "$p")" -v g50="$(field $p p50)" -v d50="$(field direct p50)" -v g99="$(field $p p99)" -v d99="$(field direct p99)" \
    'BEGIN { printf "added per chunk by %s: p50 %+.3f ms, p99 %+.3f ms\n", who, g50 - d50, g99 - d99 }'
done
case " $PHASES " in *" gateway "*)
  awk -v g99="$(field gateway p99)" -v d99="$(field direct p99)" \
    'BEGIN { printf "target: added per chunk by the gateway p99 <= 5 ms %s (%+.3f ms); memory: see the heap line below\n", (g99 - d99 <= 5 ? "MET" : "not met"), g99 - d99 }' ;;
esac
recorded_of() { sed -n 's/.* chunks\/s=\([0-9.]*\).*/\1/p' "$WORK/$1.txt" | head -1; }
for p in $PHASES; do
  # CPU ticks over the recorded window (measured from the shell, so within a few hundred ms of the
  # load generator's own window) / the chunks it recorded in that window
  awk -v tick="$TICK" -v hop="$(hop_name "$p")" -v rate="$(recorded_of $p)" -v secs="$RUN_SECONDS" -v p="$p" '{ n = rate * secs;
      load = $3 < 0 ? "n/a (it exited before the reading)" : sprintf("%.1f us", $3 / tick * 1e6 / n);
      loadS = $3 < 0 ? "n/a" : sprintf("%.1f", $3 / tick);
      jvm = (p == "floor" || p == "gateway") ? sprintf(" (of which JIT %.1f us, GC %.1f us)", $4 / tick * 1e6 / n, $5 / tick * 1e6 / n) : ""
      if (n > 0) printf "%s phase, CPU per chunk recorded (user + system, recorded window): upstream %.1f us, %s %.1f us%s, load generator %s (%.1f / %.1f / %s s of CPU for %d chunks)\n",
        p, $1 / tick * 1e6 / n, hop, $2 / tick * 1e6 / n, jvm, load, $1 / tick, $2 / tick, loadS, n }' "$WORK/$p.cpu"
done
awk -v from="$GW_FROM" -v to="$GW_TO" -v w="$GW_WARMUP" '$1 == "MEM" && $2 >= from + w && $2 <= to {
    split($3, a, "="); split($5, r, "="); n++; if (n == 1 || a[2] < min) min = a[2]; if (a[2] > max) max = a[2];
    if (n == 1) first = a[2]; last = a[2]; if (r[2] > rss) rss = r[2] }
  END { if (n) printf "gateway heap after GC over the recorded gateway phase (%d samples): first %.1f MB, last %.1f MB, min %.1f, max %.1f; peak RSS %.1f MB\n", n, first, last, min, max, rss }' "$WORK/gateway.log"

exec 3>&-
wait "$GW_PID" 2>/dev/null || true
GW_PID=""
sed -n 's/^store: /gateway store: /p' "$WORK/gateway.log"
if [ -n "$OUT" ]; then
  mkdir -p "$OUT"
  cp "$WORK"/*.txt "$WORK"/*.log "$OUT"/
  echo "raw outputs in $OUT"
fi
