#!/usr/bin/env bash
# One markdown row per race output (race-*.out, race60-*.out) in this directory
cd "$(dirname "$0")"
for o in "$@"; do
  f=${o%.out}
  end=$(date -u -r "$o" +%H:%M)
  lb=$(sed -n 's/load average before: //p' "$o" | cut -d' ' -f1); la=$(sed -n 's/load average after: //p' "$o" | cut -d' ' -f1)
  d32=$(awk '/^nginx direct +32/ {printf "%\047d", $4}' "$o"); g32=$(awk '/^keycycle gateway +32/ {printf "%\047d", $4}' "$o")
  r=$(sed -n 's/gateway \/ direct at 32 connections: //p' "$o")
  lat=$(sed -n 's/added by the gateway at 4 connections: p50 \(.*\) ms, p99 \(.*\) ms/\1 \/ \2 ms/p' "$o")
  c32=$(awk '/^keycycle gateway +32/ {print $(NF-2) " (" $(NF-1) ")"}' "$o"); c4=$(awk '/^keycycle gateway +4/ {print $(NF-2) " (" $(NF-1) ")"}' "$o")
  n32=$(awk '/^keycycle gateway +32/ {print $(NF-3)}' "$o")
  kb=$(sed -n 's/.*(\([0-9.]* KB\) per request.*/\1/p' "$o")
  echo "| ${f} | $end | $lb → $la | $d32 | $g32 | **$r** | $lat | $c32 / $c4 µs | $n32 µs | $kb |"
done
