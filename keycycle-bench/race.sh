#!/usr/bin/env bash
# The race: wrk (2 threads) against a static nginx upstream directly, through a second nginx as a
# reverse proxy (proxy_pass to the static one over an upstream keep-alive pool, HTTP/1.1: the
# cheapest credible proxy hop in C, for reference), and through the Keycycle gateway (its own JVM,
# SQLite store on) pointed at that nginx as an OpenAI-compatible provider. Each contestant is warmed
# up, then run at 32 connections (throughput) and at 4 connections (latency percentiles), all in
# the same run, side by side; direct nginx runs again at the end. A fourth contestant, the "vert.x floor", is a Vert.x proxy with
# nothing of Keycycle in it (io.keycycle.bench.BareProxy, own JVM, same options and layout as the
# gateway: the cheapest the gateway's stack can be; RACE_FLOOR=0 leaves it out). Prints one line per
# contestant, the ratios of requests/s to direct and the latency each hop adds. About 4.6 minutes
# with the defaults.
#
#   keycycle-bench/race.sh [--seconds 15] [--warmup 5] [--gateway-warmup 60] [--floor-warmup 30]
#                          [--lull 3] [--schedule blocks|grouped] [--damon off|on|as-is] [--out DIR]
#
# --schedule blocks (the default since 2026-12-02) runs each contestant as one block: its warm-up,
# then at once its 32-connection and its 4-connection runs. Direct nginx runs first and again last,
# and the ratios of requests/s are taken against the mean of its two runs, the added latencies
# against the lower of its two figures (a stall in one direct run is no credit to a hop); "direct
# moved" says how far the host drifted in between (on the hosts of 2026-12 direct nginx moved by up
# to a third within one race, and a ratio to one direct run moved with it). --schedule grouped is
# the earlier order: all warm-ups, then every contestant at 32 connections, then every one at 4,
# with one direct run per connection count.
#
# --warmup is nginx's warm-up, --gateway-warmup the gateway's, --floor-warmup the Vert.x floor's. A
# fresh JVM on two busy cores compiles for well over half a minute: the gateway spent 1,049 µs of
# CPU per request in its first 10 s under load, 450 in the next 10 (2026-11-30), and in the lab of
# 2026-12-02 its compiler threads still took 5-40 µs per request in the 10 s after a 30-s warm-up
# and 0.5-3 µs in the 10 s after that (nine runs; keycycle-bench/results/session14). Hence 45 s for
# the gateway until 2026-12-02 18:45 UTC. Then a race and a lab run on OpenJDK 17 still found the
# compiler threads at 16-17 µs per request 45-60 s into the load, a race with 75 s of warm-up at
# 15.7, and JFR showed why: the race's first /metrics scrape on a compiled request path (see warm()
# below) and the changes of load at a run's start (the writer's branch profiles) deoptimize large
# compiled methods, recompiled in 0.3-0.9 s each. Now 60 s for the gateway, with scrapes during it,
# and 30 s for the floor (whose smaller program was at 0.1-2.7 µs); the "of which JIT" column says
# what compilation was left (results/session16).
#
# --lull N (default 3; 0: none, as before 2026-12-05): the JVM contestants' warm-ups stop the load for
# N seconds 15 s before their end. A JVM's first pause after a long stretch of load flips branches its
# compiled code had never taken (the gateway's store writer waits on its queue for the first time, and
# the next event's offer wakes it), and the next load pays for the recompilation: JFR on 2026-12-05 found
# ~3.7 s of C2 time in the 15 s after the first pause, ~3 s of it recompiling the write-ahead path, 5 µs
# of JIT per request in that window against 0.2-0.3 in the windows after later pauses
# (results/session27). A running gateway pays this once, at its first lull; the race's first measured
# run was paying it. With the lull inside the warm-up the measured runs see a JVM that has been through
# one, as a gateway in service has; the "of which JIT" column still says what compilation was left.
#
# --damon off|on (default as-is): switches the kernel's DAMON memory monitors for this race only (as
# root) and back when it ends; common.sh says why.
#
# CPU per request is given for the static nginx ("nginx µs/req") and for the hop in the middle
# ("hop µs/req": the proxy nginx's processes, or the gateway JVM).
#
# Environment: JAVA (the java command for the gateway and the floor; default java on the PATH, e.g.
# JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java), GATEWAY_JAVA_OPTS (default "-Xms1g -Xmx1g"), GATEWAY_ARGS (more RaceGateway options,
# e.g. "--native --event-loops 1", or "--redis redis://127.0.0.1:6379/7" for a gateway in shared
# mode; default none), NGINX_WORKERS (default auto), RACE_JAR (the benchmarks jar to race, for A/B
# comparisons; default keycycle-bench/target/benchmarks.jar), GATEWAY_MAIN (the gateway's main class;
# default io.keycycle.bench.RaceGateway; io.keycycle.bench.BareProxy races a Vert.x proxy with nothing
# of Keycycle in it, the floor of the gateway's stack; io.keycycle.bench.NettyProxy the same relay on
# Netty alone).
# Installs Debian's nginx-light and wrk with apt-get when missing; builds keycycle-bench's jar
# when missing (./mvnw -pl keycycle-bench -am package -DskipTests).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${RACE_JAR:-$ROOT/keycycle-bench/target/benchmarks.jar}
RUN_SECONDS=15
WARMUP=5
GW_WARMUP=60
GW_WARMUP_FLOOR=30
LULL=3
LULL_TAIL=15
OUT=""
SCHEDULE=blocks
DAMON_MODE=as-is
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) RUN_SECONDS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --gateway-warmup) GW_WARMUP=$2; shift 2 ;;
    --floor-warmup) GW_WARMUP_FLOOR=$2; shift 2 ;;
    --lull) LULL=$2; shift 2
      case "$LULL" in ''|*[!0-9]*) echo "--lull takes a whole number of seconds, was '$LULL'" >&2; exit 2 ;; esac ;;
    --out) OUT=$2; shift 2 ;;
    --damon) DAMON_MODE=$2; shift 2 ;;
    --schedule) SCHEDULE=$2; shift 2
      case "$SCHEDULE" in blocks|grouped) ;; *) echo "--schedule must be blocks or grouped, was '$SCHEDULE'" >&2; exit 2 ;; esac ;;
    *) echo "unknown option $1; options: --seconds N --warmup N --gateway-warmup N --floor-warmup N --lull N --schedule blocks|grouped --damon off|on|as-is --out DIR" >&2; exit 2 ;;
  esac
done
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-"-Xms1g -Xmx1g"}
# shellcheck source=keycycle-bench/common.sh
. "$ROOT/keycycle-bench/common.sh"
damon_check_mode "$DAMON_MODE"
resolve_java
GATEWAY_ARGS=${GATEWAY_ARGS:-}
GATEWAY_MAIN=${GATEWAY_MAIN:-io.keycycle.bench.RaceGateway}
RACE_FLOOR=${RACE_FLOOR:-1}
FLOOR_PID=""
NGINX_WORKERS=${NGINX_WORKERS:-auto}

install_missing nginx nginx-light
install_missing wrk wrk
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

need_jar

WORK=$(mktemp -d /tmp/keycycle-race.XXXXXX)
NGINX_PID=""; PROXY_PID=""; GW_PID=""
cleanup() {
  [ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null || true
  [ -n "$FLOOR_PID" ] && kill "$FLOOR_PID" 2>/dev/null || true
  [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  exec 3>&- 2>/dev/null || true
  damon_restore
}
trap cleanup EXIT
damon_apply "$DAMON_MODE"


# ---- the static upstream: a fixed OpenAI chat completion with usage (common.sh)

NGINX_PORT=$(free_port)
start_static_nginx nginx "$NGINX_PORT"
NGINX_PID=$STARTED_PID

# ---- the reference hop: a second nginx proxying to the static one over kept-alive HTTP/1.1 connections
PROXY_PORT=$(free_port)
start_nginx proxy "$PROXY_PORT" "  upstream static {
    server 127.0.0.1:$NGINX_PORT;
    keepalive 64;
    keepalive_requests 100000000;
    keepalive_timeout 120s;
  }
  server {
    listen 127.0.0.1:$PROXY_PORT;
    location / {
      proxy_pass http://static;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }"
PROXY_PID=$STARTED_PID

# ---- the gateway in its own JVM; it serves until its stdin closes
mkfifo "$WORK/gw.in"
# shellcheck disable=SC2086
"$JAVA" $GATEWAY_JAVA_OPTS -cp "$JAR" "$GATEWAY_MAIN" --upstream "http://127.0.0.1:$NGINX_PORT/v1" \
     --db "$WORK/race.db" $GATEWAY_ARGS < "$WORK/gw.in" > "$WORK/gateway.log" 2>&1 &
GW_PID=$!
exec 3>"$WORK/gw.in"

# await_url PID LOG WHAT: waits until the JVM prints "GATEWAY <url>" and sets AWAITED_URL (exits if it dies or takes 30 s)
await_url() {
  AWAITED_URL=""
  for _ in $(seq 300); do
    AWAITED_URL=$(sed -n 's/^GATEWAY //p' "$2" | head -1)
    [ -n "$AWAITED_URL" ] && return 0
    kill -0 "$1" 2>/dev/null || { cat "$2" >&2; echo "$3 did not start" >&2; exit 1; }
    sleep 0.1
  done
  echo "$3 did not print its URL within 30 s" >&2
  exit 1
}
await_url "$GW_PID" "$WORK/gateway.log" "the gateway"
GW_URL=$AWAITED_URL

# ---- the Vert.x floor: a bare Vert.x proxy in its own JVM, same options as the gateway
if [ "$RACE_FLOOR" != 0 ]; then
  mkfifo "$WORK/floor.in"
  # shellcheck disable=SC2086
  "$JAVA" $GATEWAY_JAVA_OPTS -cp "$JAR" io.keycycle.bench.BareProxy --upstream "http://127.0.0.1:$NGINX_PORT/v1" \
       < "$WORK/floor.in" > "$WORK/floor.log" 2>&1 &
  FLOOR_PID=$!
  exec 4>"$WORK/floor.in"
  await_url "$FLOOR_PID" "$WORK/floor.log" "the Vert.x floor proxy"
  FLOOR_URL=$AWAITED_URL
fi

write_post_lua "$WORK/post.lua"

DIRECT="http://127.0.0.1:$NGINX_PORT/v1/chat/completions"
PROXY="http://127.0.0.1:$PROXY_PORT/v1/chat/completions"
GATEWAY="$GW_URL/v1/chat/completions"
FLOOR="${FLOOR_URL:-}/v1/chat/completions"


# two counts from the gateway's /metrics: events its store has sent through its journal so far
# (keycycle_store_events_spilled_total) and SQLite WAL checkpoints run so far
# (keycycle_store_wal_checkpoints_seconds_count); "?" for each one that is missing (no store, a
# MySQL-family store, no curl)
store_counts() {
  local v=""
  command -v curl >/dev/null 2>&1 && v=$(curl -s --max-time 5 "$GW_URL/metrics" 2>/dev/null | awk '
    $1 == "keycycle_store_events_spilled_total" { s = sprintf("%.0f", $2) }
    $1 == "keycycle_store_wal_checkpoints_seconds_count" { c = sprintf("%.0f", $2) }
    END { print (s == "" ? "?" : s), (c == "" ? "?" : c) }')
  echo "${v:-? ?}"
}
# wrk_run NAME URL CONNECTIONS SECONDS -> raw output in $WORK/NAME.txt; in NAME.cpu the CPU ticks of
# the static nginx, of the hop (the gateway JVM, or the proxy nginx for proxy-* runs) and of the
# gateway's JIT compiler threads (0 for the proxy), the hop's involuntary context switches, then the
# gateway's store threads (writer and checkpointer; 0 for the proxy); for the gateway's runs, in NAME.spill its store's
# spill and checkpoint counts before, then after
wrk_run() {
  local n0 g0 j0 w0 s0 hop=$GW_PID
  case "$1" in *gateway*) s0=$(store_counts) ;; esac
  case "$1" in proxy*) hop=$PROXY_PID ;; floor*|*warm-floor) hop=$FLOOR_PID ;; esac
  n0=$(cpu_ticks "$NGINX_PID"); g0=$(cpu_ticks "$hop"); j0=$(jit_ticks "$hop"); p0=$(preemptions "$hop"); w0=$(writer_ticks "$hop")
  wrk -t2 -c"$3" -d"$4"s --latency -s "$WORK/post.lua" "$2" > "$WORK/$1.txt" 2>&1
  echo "$(( $(cpu_ticks "$NGINX_PID") - n0 )) $(( $(cpu_ticks "$hop") - g0 )) $(( $(jit_ticks "$hop") - j0 )) $(( $(preemptions "$hop") - p0 )) $(( $(writer_ticks "$hop") - w0 ))" > "$WORK/$1.cpu"
  case "$1" in *gateway*) echo "$s0 $(store_counts)" > "$WORK/$1.spill" ;; esac
}
# events the store spilled during run $1, and WAL checkpoints it ran ("?" when unknown)
spilled_in() { awk '{ if ($1 == "?" || $3 == "?") print "?"; else print $3 - $1 }' "$WORK/$1.spill" 2>/dev/null || echo "?"; }
checkpoints_in() { awk '{ if ($2 == "?" || $4 == "?") print "?"; else print $4 - $2 }' "$WORK/$1.spill" 2>/dev/null || echo "?"; }
requests() { awk '/requests in/ { print $1 }' "$WORK/$1.txt"; }
# CPU microseconds per request of the static nginx ($2 = 1), the hop ($2 = 2), its JIT compiler threads ($2 = 3)
# or its store threads ($2 = 5) during run $1
# the hop's involuntary context switches per request during run $1
preempt_per_req() { awk -v n="$(requests "$1")" '{ v = 0; if (n > 0) v = $4 / n; printf "%.2f", v }' "$WORK/$1.cpu"; }
cpu_us() { awk -v f="$2" -v n="$(requests "$1")" -v t="$TICK" '{ v = 0; if (n > 0) v = $f * 1e6 / t / n; printf "%.1f", v }' "$WORK/$1.cpu"; }

# value of a wrk latency percentile line ("99%  1.20ms") in milliseconds
pct_ms() {
  awk -v p="$2" '$1 == p { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                 if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000;
                 printf "%.3f", v }' "$WORK/$1.txt"
}
rps() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$WORK/$1.txt"; }
non2xx() { awk '/Non-2xx or 3xx responses:/ { n = $NF } END { print n + 0 }' "$WORK/$1.txt"; }
sockerr() { awk '/Socket errors:/ { gsub(/,/, ""); print "connect " $4 ", read " $6 ", write " $8 ", timeout " $10; f = 1 } END { if (!f) print "none" }' "$WORK/$1.txt"; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
case " $GATEWAY_ARGS " in *" --no-store "*) STORE_SAID="store off" ;; *) STORE_SAID="SQLite store on" ;; esac
[ "$GATEWAY_MAIN" = io.keycycle.bench.RaceGateway ] || STORE_SAID="gateway main class $GATEWAY_MAIN"
LULL_SAID="no pause in the warm-ups"
[ "$LULL" -gt 0 ] && LULL_SAID="the JVMs' warm-ups pause ${LULL} s ${LULL_TAIL} s before their end"
echo "race: wrk -t2, ${RUN_SECONDS} s per run, warm-up ${WARMUP} s for nginx (direct and proxy)${FLOOR_PID:+, ${GW_WARMUP_FLOOR} s for the vert.x floor} and ${GW_WARMUP} s for the gateway ($LULL_SAID), schedule $SCHEDULE; $(nproc) cores; nginx workers $NGINX_WORKERS; gateway JVM: $JAVA_SAID, $GATEWAY_JAVA_OPTS${GATEWAY_ARGS:+, gateway options $GATEWAY_ARGS}, $STORE_SAID"
echo "load average before: $LOAD_BEFORE"
"$ROOT/keycycle-bench/damon-state.sh"
url_of() { case "$1" in direct*|again*) echo "$DIRECT" ;; proxy*) echo "$PROXY" ;; floor*) echo "$FLOOR" ;; *) echo "$GATEWAY" ;; esac; }
measure() { local run; for run in "$@"; do wrk_run "$run" "$(url_of "$run")" "${run#*-}" "$RUN_SECONDS"; done; }
# The gateway's warm-up has its /metrics scraped every 5 s, as a Prometheus server would: the race
# reads the spill count there at each run's start and end, and the first scrape of a JVM whose
# request path is already compiled costs a burst of recompilation (lab, 2026-12-02: 139
# deoptimizations and ~5 s of compiler time within 10 s, 25 µs per request in that window, against
# ~1 µs at the scrapes after it), which belongs to the warm-up, not to a measured run.
warm() {
  local secs=$WARMUP scraper=""
  case "$1" in floor) secs=$GW_WARMUP_FLOOR ;; gateway) secs=$GW_WARMUP ;; esac
  if [ "$1" = gateway ] && command -v curl >/dev/null 2>&1; then
    ( while :; do curl -s --max-time 5 "$GW_URL/metrics" > /dev/null 2>&1; sleep 5; done ) & scraper=$!
  fi
  local jvm=0
  case "$1" in floor|gateway) jvm=1 ;; esac
  if [ "$jvm" = 1 ] && [ "$LULL" -gt 0 ] && [ "$secs" -gt $((LULL_TAIL + 5)) ]; then
    # the JVM's first pause belongs to its warm-up (see --lull above)
    wrk_run "warm-$1" "$(url_of "$1")" 32 $((secs - LULL_TAIL))
    sleep "$LULL"
    wrk_run "rewarm-$1" "$(url_of "$1")" 32 "$LULL_TAIL"
  else
    wrk_run "warm-$1" "$(url_of "$1")" 32 "$secs"
  fi
  if [ -n "$scraper" ]; then kill "$scraper" 2>/dev/null || true; wait "$scraper" 2>/dev/null || true; fi
}
CONTESTANTS="direct proxy${FLOOR_PID:+ floor} gateway"
if [ "$SCHEDULE" = grouped ]; then
  for c in $CONTESTANTS; do warm "$c"; done
  RUNS="direct-32 proxy-32${FLOOR_PID:+ floor-32} gateway-32 direct-4 proxy-4${FLOOR_PID:+ floor-4} gateway-4"
  measure $RUNS
else
  for c in $CONTESTANTS; do warm "$c"; measure "$c-32" "$c-4"; done
  measure again-32 again-4   # direct nginx once more: the host's drift over the race
  RUNS="direct-32 proxy-32${FLOOR_PID:+ floor-32} gateway-32 again-32 direct-4 proxy-4${FLOOR_PID:+ floor-4} gateway-4 again-4"
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

printf '%-18s %5s %12s %9s %9s %9s %8s %14s %14s %12s %14s %16s  %s\n' contestant conns requests/s "p50 ms" "p90 ms" "p99 ms" non-2xx \
  "nginx µs/req" "hop µs/req" "of which JIT" "of which writer" "hop preempt/req" "socket errors"
for run in $RUNS; do
  case "${run%-*}" in direct) name="nginx direct"; hop="-"; jit="-"; wr="-"; pre="-" ;;
                      again) name="nginx direct again"; hop="-"; jit="-"; wr="-"; pre="-" ;;
                      proxy) name="nginx proxy"; hop=$(cpu_us $run 2); jit="-"; wr="-"; pre=$(preempt_per_req $run) ;;
                      floor) name="vert.x floor"; hop=$(cpu_us $run 2); jit=$(cpu_us $run 3); wr="-"; pre=$(preempt_per_req $run) ;;
                      *) name="keycycle gateway"; hop=$(cpu_us $run 2); jit=$(cpu_us $run 3); wr=$(cpu_us $run 5); pre=$(preempt_per_req $run) ;; esac
  printf '%-18s %5s %12s %9s %9s %9s %8s %14s %14s %12s %14s %16s  %s\n' "$name" "${run#*-}" "$(rps $run)" "$(pct_ms $run 50%)" "$(pct_ms $run 90%)" \
    "$(pct_ms $run 99%)" "$(non2xx $run)" "$(cpu_us $run 1)" "$hop" "$jit" "$wr" "$pre" "$(sockerr $run)"
done
echo "(nginx µs/req: CPU time of the static nginx's processes per request answered; hop µs/req: of the proxy nginx's processes or of the JVM;"
echo " user + system; other load on the machine does not inflate it much; 'of which JIT': the gateway's C1/C2 compiler threads,"
echo " which a busy machine keeps compiling well past the warm-up; 'of which writer': the store's threads (the writer's database work"
echo " and its WAL checkpointer; the write-ahead line is written on the event loops); hop preempt/req: the hop's involuntary context"
echo " switches per request)"
# the direct reference: direct nginx's run, or with the blocks schedule the mean of its first and last
ref_rps() { if [ "$SCHEDULE" = blocks ]; then awk -v a="$(rps direct-$1)" -v b="$(rps again-$1)" 'BEGIN { printf "%.0f", (a + b) / 2 }'; else rps direct-$1; fi; }
# a percentile's reference is the lower of the two direct runs: a stall in one of them is no credit to the hop
ref_pct() { if [ "$SCHEDULE" = blocks ]; then awk -v a="$(pct_ms direct-$1 $2)" -v b="$(pct_ms again-$1 $2)" 'BEGIN { printf "%.3f", (a < b ? a : b) }'; else pct_ms direct-$1 $2; fi; }
if [ "$SCHEDULE" = blocks ]; then
  awk -v a="$(rps direct-32)" -v b="$(rps again-32)" -v a4="$(pct_ms direct-4 99%)" -v b4="$(pct_ms again-4 99%)" 'BEGIN {
    printf "direct moved %+.1f %% in requests/s at 32 connections from the first run to the last (p99 at 4: %.3f -> %.3f ms); requests/s below are against the mean of the two, added latencies against the lower of the two\n", 100 * (b - a) / a, a4, b4 }'
fi
awk -v p="$(rps proxy-32)" -v g="$(rps gateway-32)" -v d="$(ref_rps 32)" 'BEGIN {
  printf "nginx proxy / direct at 32 connections: %.1f %%\n", 100 * p / d
  printf "gateway / direct at 32 connections: %.1f %%\n", 100 * g / d
  printf "gateway / nginx proxy at 32 connections: %.1f %%\n", 100 * g / p }'
if [ -n "$FLOOR_PID" ]; then
  awk -v f="$(rps floor-32)" -v g="$(rps gateway-32)" -v d="$(ref_rps 32)" 'BEGIN {
    printf "vert.x floor / direct at 32 connections: %.1f %%\n", 100 * f / d
    printf "gateway / vert.x floor at 32 connections: %.1f %%\n", 100 * g / f }'
fi
for hop in proxy${FLOOR_PID:+ floor} gateway; do
  awk -v h="$hop" -v g50="$(pct_ms $hop-4 50%)" -v d50="$(ref_pct 4 50%)" -v g99="$(pct_ms $hop-4 99%)" -v d99="$(ref_pct 4 99%)" \
    'BEGIN { printf "added by the %s at 4 connections: p50 %+.3f ms, p99 %+.3f ms\n", (h == "proxy" ? "nginx proxy" : h == "floor" ? "vert.x floor" : "gateway"), g50 - d50, g99 - d99 }'
done
# the issue's targets, as this run measured them (docs/benchmarks.md counts every run)
awk -v g="$(rps gateway-32)" -v d="$(ref_rps 32)" -v g50="$(pct_ms gateway-4 50%)" -v d50="$(ref_pct 4 50%)" \
    -v g99="$(pct_ms gateway-4 99%)" -v d99="$(ref_pct 4 99%)" 'BEGIN {
  r = 100 * g / d; a50 = g50 - d50; a99 = g99 - d99
  printf "targets: gateway >= 25 %% of direct at 32 connections %s (%.1f %%); added at 4 connections p50 <= 0.3 ms %s (%+.3f), p99 <= 2 ms %s (%+.3f)\n",
    (r >= 25 ? "MET" : "not met"), r, (a50 <= 0.3 ? "MET" : "not met"), a50, (a99 <= 2 ? "MET" : "not met"), a99 }'
echo "load average after: $LOAD_AFTER"

[ -n "$FLOOR_PID" ] && { exec 4>&-; wait "$FLOOR_PID" 2>/dev/null || true; FLOOR_PID=""; }
exec 3>&-   # the gateway drains its store and exits
wait "$GW_PID" 2>/dev/null || true
GW_PID=""
if [ -f "$WORK/rewarm-gateway.cpu" ]; then
  echo "gateway warm-up after its ${LULL}-s lull (${LULL_TAIL} s at 32 connections): $(rps rewarm-gateway) requests/s, $(cpu_us rewarm-gateway 2) µs/req of which JIT $(cpu_us rewarm-gateway 3)"
fi
echo "gateway store, events spilled to its journal (the queue was full): warm-up $(spilled_in warm-gateway)$([ -f "$WORK/rewarm-gateway.spill" ] && echo " + $(spilled_in rewarm-gateway) after the lull"), 32 connections $(spilled_in gateway-32), 4 connections $(spilled_in gateway-4)"
echo "gateway store, SQLite WAL checkpoints run: warm-up $(checkpoints_in warm-gateway), 32 connections $(checkpoints_in gateway-32), 4 connections $(checkpoints_in gateway-4) (passive ones are at least 200 ms apart: at most 75 in 15 s, plus the writer's restarts of a long log)"
sed -n -e "s/^store: /gateway store: /p" -e "/^requests served:/p" "$WORK/gateway.log"
if [ -n "$OUT" ]; then
  mkdir -p "$OUT"
  cp "$WORK"/*.txt "$WORK"/*.cpu "$WORK"/*.log "$OUT"/
  echo "raw wrk outputs in $OUT"
fi
echo "race took $((SECONDS / 60)) min $((SECONDS % 60)) s"
