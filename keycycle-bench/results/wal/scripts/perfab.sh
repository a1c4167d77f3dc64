#!/usr/bin/env bash
# race runs with `perf stat` counting the gateway JVM's system calls, page faults and context
# switches during 14 s of the gateway-32 run (these runs' other figures are not used)
set -u
R=/work/wt/wal/keycycle-bench/results/wal
EV=raw_syscalls:sys_enter,syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_pwrite64,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_mmap,syscalls:sys_enter_munmap,syscalls:sys_enter_ftruncate,syscalls:sys_enter_openat,page-faults,context-switches
perf_watch() { # out, file listing the race dirs that existed before
  local work="" pid="" d
  for _ in $(seq 1200); do
    for d in /tmp/keycycle-race.*; do grep -qx "$d" "$2" || work=$d; done
    [ -n "$work" ] && break; sleep 0.1
  done
  for _ in $(seq 1200); do [ -f "$work/gateway-32.txt" ] && break; sleep 0.1; done
  pid=$(pgrep -f "$work/race.db")
  echo "perf stat on gateway pid $pid ($work) from $(date -u +%T.%N) for 14 s during gateway-32" > "$1"
  perf stat -e "$EV" -p "$pid" -- sleep 14 >> "$1" 2>&1
}
for run in "$@"; do
  case "$run" in base-*) root=/work/wt/wal-base ;; wal-*) root=/work/wt/wal ;; esac
  {
    echo "== $run ($root) start $(date -u +%T) uptime: $(uptime)"
    flock /work/wt/bench.lock bash -c "echo lock taken \$(date -u +%T) uptime: \$(uptime); ls -d /tmp/keycycle-race.* > /tmp/wal-perf-before.txt 2>/dev/null; ( $(declare -f perf_watch); EV=$EV perf_watch $R/$run.perf.txt /tmp/wal-perf-before.txt ) & $root/keycycle-bench/race.sh --out $R/$run; wait"
    echo "== $run end $(date -u +%T) uptime: $(uptime)"
  } > $R/$run.out 2>&1
done
