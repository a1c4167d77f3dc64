#!/bin/bash
# usage: ab.sh out.txt rounds db jar1 jar2 ...
out=$1; rounds=$2; db=$3; shift 3
cd /tmp/store3
for r in $(seq 1 $rounds); do
  for j in "$@"; do
    echo "### $(date +%T) jar=$j db=$db round=$r load $(cut -d' ' -f1-3 /proc/loadavg)"
    java -cp $j io.keycycle.bench.StoreBenchmark --db $db --events 200000 --queue 400000 --hydrate 0 2>&1 | grep -v " INFO \| WARN "
  done
done >> $out
