#!/usr/bin/env bash
# GC options against the 1,000-stream tail (session13): the streams lab loop once per option set,
# two 15-s windows at 1,000 streams each, GC log kept. DAMON is switched off for the series when
# DAMON_OFF=1 (as root; switched back on at the end).
#   gc-streams.sh OUTDIR "label=opts" ...
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$1; shift; mkdir -p "$OUT"
damon=/sys/kernel/mm/damon/admin/kdamonds/0/state
if [ "${DAMON_OFF:-}" = 1 ] && [ -w $damon ]; then echo off > $damon; trap 'echo on > '$damon EXIT; fi
bash "$HERE/../../damon-state.sh"
for spec in "$@"; do
  label=${spec%%=*}; opts=${spec#*=}
  echo "== $label: $opts"
  GATEWAY_JAVA_OPTS="-Xms1g -Xmx1g $opts -Xlog:gc:file=$OUT/$label.gc.log" KEEP_LOG=$OUT/$label.gateway.log \
    bash "$HERE/../session10/streams-lab.sh" 15 "1000 1000" 2>&1 | grep -v '^$'
  awk '/Pause Young/ { sub(/ms$/, "", $NF); n++; s += $NF; if ($NF > m) m = $NF } END { printf "young pauses: %d, mean %.1f ms, max %.1f ms\n", n, n ? s / n : 0, m }' $OUT/$label.gc.log
done
