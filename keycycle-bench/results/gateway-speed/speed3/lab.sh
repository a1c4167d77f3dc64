#!/usr/bin/env bash
# lab: start nginx + gateway (JAR env), warm up, then run: wrk for SECONDS at CONNS with optional async-profiler window
# usage: JAR=... lab.sh OUTPREFIX CONNS SECONDS WARMUP [profile-event...]
set -euo pipefail
JAR=${JAR:-/work/wt/speed3/keycycle-bench/target/benchmarks.jar}
OUTP=$1; CONNS=$2; SECS=$3; WARM=$4; shift 4
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-"-Xms1g -Xmx1g"}
NGINX=/usr/sbin/nginx; NGINX_WORKERS=${NGINX_WORKERS:-auto}
WORK=$(mktemp -d /tmp/keycycle-lab.XXXXXX)
NGINX_PID=""; GW_PID=""
cleanup() { [ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null || true; [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true; }
trap cleanup EXIT
free_port() { local p; while :; do p=$(( 20000 + RANDOM % 40000 )); (exec 9<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }; done; }
# ---- the static upstream: a fixed OpenAI chat completion with usage
ANSWER='{"id":"chatcmpl-race","object":"chat.completion","created":1767225600,"model":"static-model","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, how are you?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}'
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
cat > "$WORK/nginx.conf" <<EOF
worker_processes $NGINX_WORKERS;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  scgi_temp_path $WORK/nginx/scgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location = /v1/chat/completions {
      default_type application/json;
      return 200 '$ANSWER';
    }
  }
}
EOF
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK/nginx" &
NGINX_PID=$!
for _ in $(seq 50); do (exec 9<>/dev/tcp/127.0.0.1/$NGINX_PORT) 2>/dev/null && break; sleep 0.1; done

# ---- the gateway in its own JVM; it serves until its stdin closes
mkfifo "$WORK/gw.in"
# shellcheck disable=SC2086
java $GATEWAY_JAVA_OPTS -cp "$JAR" io.keycycle.bench.RaceGateway --upstream "http://127.0.0.1:$NGINX_PORT/v1" \
     --db "$WORK/race.db" ${GW_ARGS:-} < "$WORK/gw.in" > "$WORK/gateway.log" 2>&1 &
GW_PID=$!
exec 3>"$WORK/gw.in"
GW_URL=""
for _ in $(seq 300); do
  GW_URL=$(sed -n 's/^GATEWAY //p' "$WORK/gateway.log" | head -1)
  [ -n "$GW_URL" ] && break
  kill -0 "$GW_PID" 2>/dev/null || { cat "$WORK/gateway.log" >&2; echo "the gateway did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$GW_URL" ] || { echo "the gateway did not print its URL within 30 s" >&2; exit 1; }

# ---- wrk needs a script to POST a body
cat > "$WORK/post.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"race/static-model","max_tokens":16,"messages":[{"role":"user","content":"Say hello in five words."}]}'
EOF

DIRECT="http://127.0.0.1:$NGINX_PORT/v1/chat/completions"
GATEWAY="$GW_URL/v1/chat/completions"
TICK=$(getconf CLK_TCK)
cpu_ticks() { local total=0 p; for p in "$@" $(pgrep -P "$1" 2>/dev/null); do [ -r "/proc/$p/stat" ] && total=$(( total + $(awk '{ print $14 + $15 }' "/proc/$p/stat") )); done; echo $total; }
gc_count() { :; }
wrk -t2 -c"$CONNS" -d"${WARM}"s -s "$WORK/post.lua" "$GATEWAY" > /dev/null 2>&1
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ev in "$@"; do
  jcmd $GW_PID JVMTI.agent_load /tmp/ap/linux-x64/libasyncProfiler.so "\"start,event=$ev,interval=${INTERVAL:-1ms},file=$OUTP-$ev.collapsed\"" || echo "profiler attach failed"
  break
done
g0=$(cpu_ticks "$GW_PID"); n0=$(cpu_ticks "$NGINX_PID")
wrk -t2 -c"$CONNS" -d"${SECS}"s --latency -s "$WORK/post.lua" "${TARGET_URL:-$GATEWAY}" > "$OUTP.wrk.txt" 2>&1
g1=$(cpu_ticks "$GW_PID"); n1=$(cpu_ticks "$NGINX_PID")
for ev in "$@"; do jcmd $GW_PID JVMTI.agent_load /tmp/ap/linux-x64/libasyncProfiler.so "\"stop,file=$OUTP-$ev.collapsed\"" >/dev/null 2>&1; break; done
n=$(awk '/requests in/ { print $1 }' "$OUTP.wrk.txt")
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v n=$n -v g=$((g1-g0)) -v ng=$((n1-n0)) -v t=$TICK '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END { printf "requests %d rps %s p50 %s p99 %s gateway %.1f us/req nginx %.1f us/req\n", n, r, p50, p99, g*1e6/t/n, ng*1e6/t/n }' "$OUTP.wrk.txt"
