#!/usr/bin/env bash
# A/B: alternate main's jar (wal-base worktree) and the wal branch's jar; a watcher polls the
# gateway's store gauges every 2 s (journal events > 0 = the store is in journal mode)
set -u
R=/work/wt/wal/keycycle-bench/results/wal
watch_store() { # out file
  local work="" url="" t
  for _ in $(seq 600); do
    work=$(ls -dt /tmp/keycycle-race.* 2>/dev/null | head -1)
    [ -n "$work" ] && [ -f "$work/gateway.log" ] && url=$(sed -n 's/^GATEWAY //p' "$work/gateway.log" | head -1)
    [ -n "$url" ] && break; sleep 0.5
  done
  while [ -d "$work" ] && [ -f "$work/gateway.log" ] && ! grep -q "^requests served" "$work/gateway.log"; do
    phase=$(ls -t "$work"/*.txt 2>/dev/null | head -1 | xargs -r basename)
    m=$(curl -s -m 1 "$url/metrics" | grep -E '^keycycle_store_(journal_events|queue_depth) ' | tr '\n' ' ')
    echo "$(date -u +%T) $phase $m" >> "$1"
    sleep 2
  done
}
for run in "$@"; do
  case "$run" in base-*) root=/work/wt/wal-base ;; wal-*) root=/work/wt/wal ;; esac
  {
    echo "== $run ($root) start $(date -u +%T) uptime: $(uptime)"
    flock /work/wt/bench.lock bash -c "echo lock taken \$(date -u +%T) uptime: \$(uptime); ( sleep 3; $(declare -f watch_store); watch_store $R/$run.store.txt ) & $root/keycycle-bench/race.sh --out $R/$run; wait"
    echo "== $run end $(date -u +%T) uptime: $(uptime)"
  } > $R/$run.out 2>&1
done
