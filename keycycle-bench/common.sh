# Shared by race.sh, streams.sh and lab.sh (sourced, not run): the java to use, the benchmarks jar,
# Debian packages the scripts need, the static nginx upstream and wrk's POST script, CPU counters
# read from /proc. Expects ROOT (the checkout) and JAR to be set.

# JAVA (default java on the PATH) must run; JAVA_SAID is its version line, for the header.
resolve_java() {
  JAVA=${JAVA:-java}
  JAVA_SAID=$("$JAVA" -version 2>&1 | head -1) || { echo "JAVA=$JAVA does not run: $JAVA_SAID" >&2; exit 2; }
}

# Builds keycycle-bench's jar when $JAR is missing.
need_jar() {
  if [ ! -f "$JAR" ]; then
    echo "building $JAR…" >&2
    (cd "$ROOT" && ./mvnw -B -q -pl keycycle-bench -am package -DskipTests)
  fi
}

# install_missing COMMAND PACKAGE: installs Debian's PACKAGE with apt-get when COMMAND is not found.
install_missing() {
  if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$1" ]; then
    echo "installing $2 (apt-get)…" >&2
    apt-get install -y "$2" >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y "$2" >/dev/null; }
  fi
}

# A free TCP port on the loopback.
free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 40000 ))
    (exec 9<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
  done
}

# The static upstream's answer: a fixed OpenAI chat completion with usage.
ANSWER='{"id":"chatcmpl-race","object":"chat.completion","created":1767225600,"model":"static-model","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, how are you?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}'
# start_nginx NAME PORT HTTP_BODY: an nginx of its own (directory $WORK/NAME; its own processes, so
# its CPU is counted apart) with the shared settings and HTTP_BODY inside http { }; sets STARTED_PID
# and waits until PORT answers. Needs WORK, NGINX and NGINX_WORKERS.
start_nginx() {
  local name=$1 port=$2 body=$3
  mkdir -p "$WORK/$name"
  cat > "$WORK/$name.conf" <<EOF
worker_processes $NGINX_WORKERS;
daemon off;
pid $WORK/$name.pid;
error_log $WORK/$name/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/$name/body;
  proxy_temp_path $WORK/$name/proxy;
  fastcgi_temp_path $WORK/$name/fastcgi;
  scgi_temp_path $WORK/$name/scgi;
  uwsgi_temp_path $WORK/$name/uwsgi;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
$body
}
EOF
  "$NGINX" -c "$WORK/$name.conf" -p "$WORK/$name" &
  STARTED_PID=$!
  for _ in $(seq 50); do (exec 9<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
}

# start_static_nginx NAME PORT: the static upstream, answering POST /v1/chat/completions with ANSWER.
start_static_nginx() {
  start_nginx "$1" "$2" "  server {
    listen 127.0.0.1:$2;
    location = /v1/chat/completions {
      default_type application/json;
      return 200 '$ANSWER';
    }
  }"
}

# write_post_lua FILE: the wrk script that POSTs the race's chat request.
write_post_lua() {
  cat > "$1" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"race/static-model","max_tokens":16,"messages":[{"role":"user","content":"Say hello in five words."}]}'
EOF
}

# CPU time (clock ticks) used so far by a process and its children that are alive (nginx workers)
cpu_ticks() {
  local p files=()
  for p in "$@" $(pgrep -P "$1" 2>/dev/null); do files+=("/proc/$p/stat"); done
  cat "${files[@]}" 2>/dev/null | stat_ticks ""
}

# utime + stime summed over the /proc stat lines on stdin whose name (the comm, field 2, in
# parentheses and possibly with spaces: "C2 CompilerThre") matches the awk regex $1 ("" matches all).
# One cat and one awk per reading: forking one per thread (a JVM has 40) took 0.6-0.9 s around every
# wrk run, about 25 s of a race.
stat_ticks() {
  awk -v re="$1" '{
    if (!match($0, /.*\) /)) next
    lp = index($0, "("); name = substr($0, lp + 1, RLENGTH - lp - 2)
    if (re != "" && name !~ re) next
    split(substr($0, RLENGTH + 1), f, " ")   # f[1] is field 3 (the state): utime is f[12], stime f[13]
    total += f[12] + f[13]
  } END { print total + 0 }'
}

# CPU time (clock ticks) used so far by the threads of JVM $1 whose name matches the awk regex $2
thread_ticks() {
  cat /proc/"$1"/task/*/stat 2>/dev/null | stat_ticks "$2"
}
# the JIT compiler threads (C1, C2): a fresh JVM on busy cores still compiles during the measured
# runs; this part of its CPU goes once it is warm
jit_ticks() { thread_ticks "$1" '^C[12] CompilerThre'; }
# the store's threads (the writer, with the database work of every usage event, and its WAL
# checkpointer: a thread's comm is cut to 15 characters, "keycycle-store-")
writer_ticks() { thread_ticks "$1" '^keycycle-store-$'; }
# the garbage collector's threads (G1's workers "GC Thread#N", its concurrent, refinement and
# service threads "G1 …"; ParallelGC's workers share the first name)
gc_ticks() { thread_ticks "$1" '^(GC Thread|G1 )'; }

# involuntary context switches so far of every thread of a process and of its children (nginx's
# workers): on loopback a write wakes the reader, which often preempts the writer on these few cores
preemptions() {
  local p
  for p in "$@" $(pgrep -P "$1" 2>/dev/null); do cat /proc/"$p"/task/*/status 2>/dev/null; done |
    awk '/^nonvoluntary_ctxt_switches/ { n += $2 } END { print n + 0 }'
}

TICK=$(getconf CLK_TCK)

# --damon off|on|as-is (race.sh, streams.sh, lab.sh; default as-is): the kernel's DAMON memory
# monitors (/sys/kernel/mm/damon/admin/kdamonds/N) switched for this run only, as root. A kdamond that
# samples physical memory stalls every JVM at its samples (docs/benchmarks.md, "The tail, the heap and
# the host's DAMON monitor"), so the latency tails of a run depend on it. damon_apply records each
# state it changes; damon_restore, called by the scripts' cleanup, puts them back when the run ends,
# however it ends.
DAMON_BASE=/sys/kernel/mm/damon/admin/kdamonds
DAMON_RESTORE=""
damon_check_mode() {
  case "$1" in off|on|as-is) ;; *) echo "--damon must be off, on or as-is, was '$1'" >&2; exit 2 ;; esac
}
damon_apply() {
  local mode=$1 d was
  [ "$mode" = as-is ] && return 0
  [ -d "$DAMON_BASE" ] || { echo "--damon $mode: this kernel has no DAMON in sysfs ($DAMON_BASE)" >&2; exit 2; }
  for d in "$DAMON_BASE"/[0-9]*; do
    [ -f "$d/state" ] || continue
    was=$(cat "$d/state" 2>/dev/null || echo "?")
    [ "$was" = "$mode" ] && continue
    if ! echo "$mode" > "$d/state" 2>/dev/null; then
      echo "--damon $mode: cannot write $d/state (it needs root; the monitor's state was $was)" >&2
      damon_restore
      exit 2
    fi
    DAMON_RESTORE="$DAMON_RESTORE $d:$was"
  done
}
damon_restore() {
  local pair
  for pair in $DAMON_RESTORE; do
    echo "${pair#*:}" > "${pair%%:*}/state" 2>/dev/null || echo "could not put ${pair%%:*}/state back to ${pair#*:}" >&2
  done
  DAMON_RESTORE=""
}
