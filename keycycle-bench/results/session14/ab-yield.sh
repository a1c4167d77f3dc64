#!/usr/bin/env bash
# A/B of the store writer's yield between slices: base = always (8cfda75), new = only while the queue is under half full.
# Races alternated, DAMON as the host came; prints each race's key lines. Usage: ab-yield.sh OUTDIR BASE_JAR NEW_JAR [ROUNDS]
set -u
OUT=$1; BASE=$2; NEW=$3; ROUNDS=${4:-2}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
mkdir -p "$OUT"
for r in $(seq "$ROUNDS"); do
  for v in base new; do
    jar=$BASE; [ $v = new ] && jar=$NEW
    RACE_JAR=$jar "$ROOT/keycycle-bench/race.sh" --out "$OUT/$v-$r" > "$OUT/$v-$r.txt" 2>&1
    echo "== $v-$r"
    grep -E "^keycycle gateway|gateway / direct|added by the gateway|direct moved|spilled to its journal" "$OUT/$v-$r.txt" | cut -c1-170
  done
done
