#!/usr/bin/env bash
# after the race runs: perf-stat race runs, then JMH AdmissionStoreBenchmark.paced and WalAppendTime, A/B alternated
set -u
R=/work/wt/wal/keycycle-bench/results/wal
J=/work/wt/wal-jars
while pgrep -f wal-jars/ab.sh >/dev/null; do sleep 5; done
$J/perfab.sh base-perf wal-perf
mkdir -p $R/jmh $R/append-time
for run in base-1 wal-1 base-2 wal-2; do
  jar=$J/${run%-*}-benchmarks.jar
  flock /work/wt/bench.lock bash -c "echo \"== jmh $run \$(date -u +%T) load before: \$(cut -d' ' -f1-3 /proc/loadavg)\"; java -jar $jar 'AdmissionStoreBenchmark.paced' -p store=sqlite -f 1 -wi 3 -w 2s -i 5 -r 2s; echo \"load after: \$(cut -d' ' -f1-3 /proc/loadavg)\"" > $R/jmh/paced-$run.txt 2>&1
done
for run in base-1 wal-1 base-2 wal-2; do
  jar=$J/${run%-*}-benchmarks.jar
  flock /work/wt/bench.lock bash -c "echo \"== WalAppendTime $run \$(date -u +%T) load before: \$(cut -d' ' -f1-3 /proc/loadavg)\"; java -Xms256m -Xmx256m -cp $jar:$J/walt io.keycycle.store.WalAppendTime 200000 8; echo \"load after: \$(cut -d' ' -f1-3 /proc/loadavg)\"" > $R/append-time/$run.txt 2>&1
done
echo micro done $(date -u +%T)
