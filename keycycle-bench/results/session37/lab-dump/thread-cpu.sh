#!/usr/bin/env bash
# thread-cpu.sh PID SECONDS [STEP]: every STEP s (default 0.2) the CPU ms the JVM's threads used in
# that step, by group (event loops, JIT compilers, GC, the store, other), and the machine's idle ms
# (both cores). One line per step: "<CLOCK_MONOTONIC ms> loops jit gc store other idle".
PID=$1; SECS=$2; STEP=${3:-0.2}
TICK=$(getconf CLK_TCK)
snap() {
  cat /proc/$PID/task/*/stat 2>/dev/null | awk -v tick=$TICK '{
    if (!match($0, /.*\) /)) next
    lp = index($0, "("); name = substr($0, lp + 1, RLENGTH - lp - 2)
    split(substr($0, RLENGTH + 1), f, " "); t = (f[12] + f[13]) * 1000 / tick
    if (name ~ /eventloop/) l += t; else if (name ~ /^C[12] /) j += t;
    else if (name ~ /^G1|^GC /) g += t; else if (name ~ /keycycle-store/) s += t; else o += t
  } END { printf "%d %d %d %d %d", l, j, g, s, o }'
  awk '/^cpu / { printf " %d\n", $5 * 1000 / '"$TICK"' }' /proc/stat
}
prev=$(snap)
n=$(awk -v s=$SECS -v st=$STEP 'BEGIN { print int(s / st) }')
for _ in $(seq $n); do
  sleep $STEP
  cur=$(snap)
  now=$(awk '{ printf "%d", $1 * 1000 }' /proc/uptime)
  echo "$now $prev $cur" | awk '{ printf "%s %d %d %d %d %d %d\n", $1, $8-$2, $9-$3, $10-$4, $11-$5, $12-$6, $13-$7 }'
  prev=$cur
done
