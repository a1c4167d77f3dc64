#!/usr/bin/env bash
# Races on the current code with the kernel's DAMON monitor off and on, alternated (off, on, off, on).
# As root; DAMON is switched on again at the end, whatever happens.
set -u
cd /work/main
OUT=keycycle-bench/results/session36
ST=/sys/kernel/mm/damon/admin/kdamonds/0/state
trap 'echo on > $ST 2>/dev/null; echo "DAMON: $(cat $ST)"' EXIT
n=${START:-1}
for damon in off on off on; do
  [ "$(cat $ST)" = "$damon" ] || echo $damon > $ST
  sleep 2
  echo "== $(date -u +%H:%M:%S) race-$n DAMON $(cat $ST)"
  keycycle-bench/race.sh --out $OUT/race-$n > $OUT/race-$n.txt 2>&1
  grep -E "^targets|gateway ÷|ratio" $OUT/race-$n.txt | head -5
  n=$((n+1))
done
