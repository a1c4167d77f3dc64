#!/usr/bin/env bash
# during streams.sh: a live-object histogram of the floor (60 s after it starts: its phase begins after the 35-s direct one) and of the gateway (150 s after it starts)
# (jmap -histo:live runs a full GC: the run's latency figures are not to be used)
out=$1
for who in "BareProxy" "RaceGateway"; do
  pid=""; while [ -z "$pid" ]; do pid=$(pgrep -f "io.keycycle.bench.$who" | head -1); sleep 0.5; done
  case $who in BareProxy) sleep 60 ;; RaceGateway) sleep 150 ;; esac
  jmap -histo:live "$pid" > "$out/histo-$who.txt" 2>&1
done
