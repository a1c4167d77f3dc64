# Shared by race.sh, streams.sh and lab.sh (sourced, not run): the java to use, the benchmarks jar,
# Debian packages the scripts need. Expects ROOT (the checkout) and JAR to be set.

# JAVA (default java on the PATH) must run; JAVA_SAID is its version line, for the header.
resolve_java() {
  JAVA=${JAVA:-java}
  JAVA_SAID=$("$JAVA" -version 2>&1 | head -1) || { echo "JAVA=$JAVA does not run: $JAVA_SAID" >&2; exit 2; }
}

# Builds keycycle-bench's jar when $JAR is missing.
need_jar() {
  if [ ! -f "$JAR" ]; then
    echo "building $JAR…" >&2
    (cd "$ROOT" && ./mvnw -B -q -pl keycycle-bench -am package -DskipTests)
  fi
}

# install_missing COMMAND PACKAGE: installs Debian's PACKAGE with apt-get when COMMAND is not found.
install_missing() {
  if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$1" ]; then
    echo "installing $2 (apt-get)…" >&2
    apt-get install -y "$2" >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y "$2" >/dev/null; }
  fi
}
