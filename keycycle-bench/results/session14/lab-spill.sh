#!/usr/bin/env bash
# session14: WINDOW_CONNS (e.g. "32 4") sets each window's connections; the store's queue depth and spill count are sampled
# every 0.1 s into $QLOG (default /tmp/qlog.txt) during the windows. Lab loop (speed4, copied to speed5, then session9: GATEWAY_MAIN): nginx + one gateway JVM, warm-up, then N windows of wrk at 32 connections,
# printing gateway and nginx CPU µs per request for each window. Not the race: no direct run.
#   lab.sh JAR [warmup-s] [windows] [window-s] -- [RaceGateway args]
# Env: GATEWAY_JAVA_OPTS, GATEWAY_PREFIX (a command put before java, e.g. "chrt -b 0"), PROFILE_CMD (run with the gateway pid as $GW_PID during the last window)
set -euo pipefail
JAR=$1; WARM=${2:-25}; WINDOWS=${3:-3}; SECS=${4:-10}; shift 4 || true; [ "${1:-}" = "--" ] && shift
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-"-Xms1g -Xmx1g"}
WORK=$(mktemp -d /tmp/s9-lab.XXXXXX)
NGINX_PID=""; GW_PID=""
cleanup() { [ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null || true; [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true; }
trap cleanup EXIT
PORT=$(( 20000 + RANDOM % 40000 ))
ANSWER='{"id":"chatcmpl-race","object":"chat.completion","created":1767225600,"model":"static-model","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, how are you?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}'
mkdir -p $WORK/nginx
cat > $WORK/nginx.conf <<NG
worker_processes auto; daemon off; pid $WORK/nginx.pid; error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy; fastcgi_temp_path $WORK/nginx/f; scgi_temp_path $WORK/nginx/s; uwsgi_temp_path $WORK/nginx/u;
  keepalive_requests 100000000; keepalive_timeout 120s;
  server { listen 127.0.0.1:$PORT; location = /v1/chat/completions { default_type application/json; return 200 '$ANSWER'; } } }
NG
/usr/sbin/nginx -c $WORK/nginx.conf -p $WORK/nginx & NGINX_PID=$!
sleep 0.5
mkfifo $WORK/gw.in
${GATEWAY_PREFIX:-} java $GATEWAY_JAVA_OPTS -cp "$JAR" ${GATEWAY_MAIN:-io.keycycle.bench.RaceGateway} --upstream "http://127.0.0.1:$PORT/v1" --db $WORK/race.db "$@" < $WORK/gw.in > $WORK/gateway.log 2>&1 &
GW_PID=$!
exec 3>$WORK/gw.in
for _ in $(seq 300); do URL=$(sed -n 's/^GATEWAY //p' $WORK/gateway.log | head -1); [ -n "$URL" ] && break; sleep 0.1; done
cat > $WORK/post.lua <<'L'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"race/static-model","max_tokens":16,"messages":[{"role":"user","content":"Say hello in five words."}]}'
L
TICK=$(getconf CLK_TCK)
# CPU ticks of the gateway's JIT compiler threads (C1/C2), apart from the rest
jit_ticks() { local t=0 d; for d in /proc/$1/task/*; do case "$(cat $d/comm 2>/dev/null)" in C[12]\ Compiler*) t=$(( t + $(awk '{print $14+$15}' $d/stat 2>/dev/null || echo 0) ));; esac; done; echo $t; }
# context switches (voluntary, involuntary) of all the gateway's threads so far
ctxsw() { cat /proc/$1/task/*/status 2>/dev/null | awk '/^voluntary_ctxt/ { v += $2 } /^nonvoluntary_ctxt/ { i += $2 } END { print v + 0, i + 0 }'; }
ticks() { local t=0 p; for p in "$@" $(pgrep -P "$1"); do [ -r /proc/$p/stat ] && t=$(( t + $(awk '{print $14+$15}' /proc/$p/stat) )); done; echo $t; }
wrk -t2 -c32 -d${WARM}s -s $WORK/post.lua $URL/v1/chat/completions > /dev/null
read -r -a WC <<< "${WINDOW_CONNS:-}"
( while kill -0 $GW_PID 2>/dev/null; do printf '%s %s\n' "$(date +%s.%N | cut -c1-14)" "$(curl -s --max-time 1 $URL/metrics | awk '$1 ~ /^keycycle_store_(queue_depth|events_spilled_total|journal_events)$/ { printf "%s=%s ", $1, $2 }')"; sleep 0.1; done ) > ${QLOG:-/tmp/qlog.txt} 2>/dev/null & QP=$!
echo "window start $(date +%s.%N | cut -c1-14)"
for w in $(seq $WINDOWS); do
  g0=$(ticks $GW_PID); n0=$(ticks $NGINX_PID); j0=$(jit_ticks $GW_PID); read -r v0 i0 < <(ctxsw $GW_PID)
  if [ "$w" = "$WINDOWS" ] && [ -n "${PROFILE_CMD:-}" ]; then (export GW_PID; eval "$PROFILE_CMD") & PP=$!; fi
  wrk -t2 -c${WC[$((w-1))]:-${CONNS:-32}} -d${SECS}s --latency -s $WORK/post.lua $URL/v1/chat/completions > $WORK/w$w.txt
  g1=$(ticks $GW_PID); n1=$(ticks $NGINX_PID); j1=$(jit_ticks $GW_PID); read -r v1 i1 < <(ctxsw $GW_PID)
  req=$(awk '/requests in/ {print $1}' $WORK/w$w.txt); rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' $WORK/w$w.txt)
  non=$(awk '/Non-2xx/ {print $NF}' $WORK/w$w.txt); p99=$(awk '$1 == "99%" {print $2}' $WORK/w$w.txt); p50=$(awk '$1 == "50%" {print $2}' $WORK/w$w.txt)
  awk -v j=$((j1-j0)) -v g=$((g1-g0)) -v n=$((n1-n0)) -v r=$req -v t=$TICK -v rps=$rps -v non="${non:-0}" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
    -v cv=$((v1-v0)) -v ci=$((i1-i0)) -v p50="$p50" -v p99="$p99" \
    'BEGIN { printf "window %d: %s req/s, p50 %s p99 %s, gateway %.1f us/req (JIT %.1f, rest %.1f), nginx %.1f us/req, non-2xx %s, load %s, gateway context switches per request %.2f voluntary %.2f involuntary\n", '$w', rps, p50, p99, g*1e6/t/r, j*1e6/t/r, (g-j)*1e6/t/r, n*1e6/t/r, non, l, cv/r, ci/r }'
done
[ -n "${PP:-}" ] && wait $PP || true
kill $QP 2>/dev/null || true
exec 3>&-
wait $GW_PID 2>/dev/null || true; GW_PID=""; [ -n "${KEEP_LOG:-}" ] && cp $WORK/gateway.log "$KEEP_LOG"
grep -E "^(requests served|store:|transport)" $WORK/gateway.log || tail -20 $WORK/gateway.log
