#!/usr/bin/env bash
# samples per-thread CPU ticks of the RaceGateway JVM every second: "epoch name ticks"
pid=""
while [ -z "$pid" ]; do pid=$(pgrep -f io.keycycle.bench.RaceGateway | head -1); sleep 0.2; done
while [ -d /proc/$pid ]; do
  now=$(date +%s)
  awk -v now=$now '{ c=$0; sub(/^[0-9]+ \(/, "", c); sub(/\).*$/, "", c); gsub(/ /, "_", c); n=split($0, f, ") "); split(f[n], g, " "); print now, c, g[12]+g[13] }' /proc/$pid/task/*/stat 2>/dev/null
  sleep 1
done
