#!/usr/bin/env bash
# up-ab.sh JAR SECONDS : PacedUpstream + StreamLoad direct; prints upstream and loadgen CPU per chunk
JAR=$1; SECS=${2:-20}
W=$(mktemp -d)
java -Xmx512m -cp "$JAR" io.keycycle.bench.PacedUpstream --chunks 100 --interval-ms 50 > $W/up.log 2>&1 &
UP=$!
for i in $(seq 100); do P=$(sed -n 's/^UPSTREAM //p' $W/up.log); [ -n "$P" ] && break; sleep 0.1; done
java -Xmx1g -cp "$JAR" io.keycycle.bench.StreamLoad --url http://127.0.0.1:$P/v1/chat/completions --name d --streams 1000 --seconds $SECS --warmup 10 > $W/load.txt 2>&1 &
LD=$!
sleep 10
t() { awk '{ print $14 + $15 }' /proc/$1/stat; }
u0=$(t $UP); l0=$(t $LD); sleep $SECS; u1=$(t $UP); l1=$(t $LD)
wait $LD; kill $UP
r=$(sed -n 's/.* chunks\/s=\([0-9.]*\).*/\1/p' $W/load.txt)
awk -v r=$r -v s=$SECS -v u=$((u1-u0)) -v l=$((l1-l0)) -v ld="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN { n=r*s; printf "chunks/s %s upstream %.1f us/chunk loadgen %.1f us/chunk load %s\n", r, u*1e4/n, l*1e4/n, ld }'
grep -o "p50=[^ ]* p90=[^ ]* p99=[^ ]*" $W/load.txt
