#!/usr/bin/env bash
# sets the EEVDF slice of the gateway's event-loop threads ($GW_PID from lab.sh) to $1 ns
# the helper: gcc -O2 -o /tmp/slice/slice slice.c (this folder); kernel 6.12 or newer for custom slices of SCHED_OTHER threads
set -u
tids=$(for t in /proc/$GW_PID/task/*; do [ "$(cat $t/comm 2>/dev/null)" = "vert.x-eventloo" ] && basename $t; done)
/tmp/slice/slice "$1" $tids
