#!/usr/bin/env bash
# Alternated races: the default JVM options against ParallelGC + transparent huge pages (and G1 +
# transparent huge pages), same jar.   race-pairs.sh ROUNDS [ARM...]  (arms: g1 par-thp g1-thp; default g1 par-thp)
cd "$(dirname "$0")/../../../.."
D=keycycle-bench/results/gateway-speed/speed5
ROUNDS=$1; shift; ARMS=${*:-g1 par-thp}
for r in $(seq "$ROUNDS"); do
  for arm in $ARMS; do
    case $arm in g1) opts="-Xms1g -Xmx1g" ;; par-thp) opts="-Xms1g -Xmx1g -XX:+UseParallelGC -XX:+UseTransparentHugePages" ;;
                 g1-thp) opts="-Xms1g -Xmx1g -XX:+UseTransparentHugePages" ;; esac
    n=$r; for s in b c d e f; do [ -e $D/race-$arm-$n.out ] || break; n="$r$s"; done; r=$n
    echo "== $arm $r $(date -u +%H:%M:%S)"
    GATEWAY_JAVA_OPTS="$opts" keycycle-bench/race.sh --out $D/race-$arm-$r > $D/race-$arm-$r.out 2>&1
    grep -E "^(nginx|keycycle)|/ |added" $D/race-$arm-$r.out
  done
done
