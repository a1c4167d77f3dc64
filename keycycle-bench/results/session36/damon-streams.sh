#!/usr/bin/env bash
# streams.sh with the kernel's DAMON monitor off, then on. As root; DAMON on again at the end.
set -u
cd /work/main
OUT=keycycle-bench/results/session36
ST=/sys/kernel/mm/damon/admin/kdamonds/0/state
trap 'echo on > $ST 2>/dev/null; echo "DAMON: $(cat $ST)"' EXIT
n=${START:-1}
for damon in off on; do
  [ "$(cat $ST)" = "$damon" ] || echo $damon > $ST
  sleep 2
  echo "== $(date -u +%H:%M:%S) streams-$n DAMON $(cat $ST)"
  keycycle-bench/streams.sh --out $OUT/streams-$n > $OUT/streams-$n.txt 2>&1
  grep -E "added|target" $OUT/streams-$n.txt | head -6
  n=$((n+1))
done
