# run inside PROFILE_CMD: put the store's writer and checkpointer threads of $GW_PID under SCHED_IDLE, then trace
for t in /proc/$GW_PID/task/*; do n=$(cat $t/comm); case "$n" in keycycle-store-) chrt -i -p 0 ${t##*/} ;; esac; done
for t in /proc/$GW_PID/task/*; do n=$(cat $t/comm); case "$n" in keycycle-store-) echo "${t##*/} $(chrt -p ${t##*/} | head -1)";; esac; done > /tmp/bt/idle-policy.txt
bpftrace /tmp/bt/${BT:-delay2}.bt 17 > /tmp/bt/${BT:-delay2}-idle.txt 2>&1
