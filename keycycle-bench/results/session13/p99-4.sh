#!/usr/bin/env bash
# What makes the gateway's p99 at 4 connections (session13): the lab loop at CONNS=4, alternating
# gateway variants given as "label=RaceGateway args", ROUNDS times. DAMON_OFF=1 switches the kernel's
# DAMON monitor off for the series (as root; back on at the end).
#   p99-4.sh "store=" "nostore=--no-store" "idle=" "x=ARGS|JVM-OPTIONS" ... (a label starting with "idle": the writer
#   thread under SCHED_IDLE; after a "|", options for the gateway's JVM). JAR: the benchmarks jar (default this tree's).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
damon=/sys/kernel/mm/damon/admin/kdamonds/0/state
if [ "${DAMON_OFF:-}" = 1 ] && [ -w $damon ]; then echo off > $damon; trap 'echo on > '$damon EXIT; fi
bash "$HERE/../../damon-state.sh"
for r in $(seq ${ROUNDS:-2}); do
  for spec in "$@"; do
    label=${spec%%=*}; args=${spec#*=}; jopts=""
    case "$args" in *"|"*) jopts=${args#*|}; args=${args%%|*} ;; esac
    echo "== round $r $label: $args${jopts:+ (JVM: $jopts)}"
    # a label starting with "idle" puts the store's writer thread under SCHED_IDLE once it exists
    if [ "${label#idle}" != "$label" ]; then
      ( for _ in $(seq 120); do sleep 1; for t in $(grep -lx 'keycycle-store-'  /proc/[0-9]*/task/*/comm 2>/dev/null); do
          tid=$(basename $(dirname $t)); chrt -p $tid | grep -q SCHED_IDLE || { chrt -i -p 0 $tid && echo "writer thread $tid: SCHED_IDLE"; }; done; done ) & IDLER=$!
    fi
    GATEWAY_JAVA_OPTS="-Xms1g -Xmx1g $jopts" CONNS=4 bash "$HERE/../session9/lab.sh" "${JAR:-$HERE/../../target/benchmarks.jar}" ${WARM:-20} ${WINDOWS:-3} ${SECS:-10} -- $args 2>&1 | grep -E '^window'
    [ -n "${IDLER:-}" ] && kill $IDLER 2>/dev/null; IDLER=""
  done
done
