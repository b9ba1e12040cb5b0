# Sourced by ./headroom, ./run-tests and .ci/run: finds a JDK >= 21 and Maven, and sets JVM flags.
# Order: JAVA_HOME if it is >= 21, else the newest JDK under /usr/lib/jvm, else `java` on PATH if >= 21.

_hr_java_major() { # $1 = path to a java binary; prints its feature version or nothing
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

_hr_find_jdk() {
  local cand v best="" bestv=0
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    v=$(_hr_java_major "$JAVA_HOME/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  for cand in /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/*; do
    [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    v=$(_hr_java_major "$cand/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$bestv" ]; then best="$cand"; bestv="$v"; fi
  done
  if [ -n "$best" ]; then echo "$best"; return 0; fi
  if command -v javac >/dev/null 2>&1; then
    cand=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    v=$(_hr_java_major "$cand/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then echo "$cand"; return 0; fi
  fi
  return 1
}

if ! HR_JAVA_HOME=$(_hr_find_jdk); then
  echo "headroom: no JDK 21 or newer found (looked at JAVA_HOME, /usr/lib/jvm/*, and javac on PATH)." >&2
  echo "  Install one, e.g. 'apt-get install openjdk-21-jdk' or Temurin 21/25, or set JAVA_HOME to it." >&2
  exit 3
fi
export JAVA_HOME="$HR_JAVA_HOME"
export PATH="$JAVA_HOME/bin:$PATH"
HR_JAVA_MAJOR=$(_hr_java_major "$JAVA_HOME/bin/java")
HR_JVM_FLAGS=()
# No full collection for metaspace growth at start-up (the JDK's first threshold is about 21 MB; `headroom run` loads
# 35 MB and more of classes). A full collection moves live young objects to the old generation, and Helidon's read
# buffers and resilience4j's window are linked lists whose dead old nodes then keep every later node alive through
# young collections until the next full one (docs/router.md, "GC nepotism"). Only a threshold: nothing is reserved.
HR_JVM_FLAGS+=(-XX:MetaspaceSize=128m)
# C2 compiles every branch of a method, not only those its profile saw taken: otherwise the first connection to
# close after a long steady load (or a carrier's first idle moment) meets branches compiled as traps and
# deoptimises the request path's hottest methods at once, which then run interpreted until recompiled (stalls of
# 12-35 ms; docs/router.md, "Deoptimisation"). Costs 3-8 % more CPU a request at steady load. HEADROOM_JAVA_OPTS comes
# later: -XX:PerMethodTrapLimit=100 -XX:PerBytecodeTrapLimit=4 sets the JDK's defaults back.
HR_JVM_FLAGS+=(-XX:PerMethodTrapLimit=0 -XX:PerBytecodeTrapLimit=0)
# The router's HTTP/1.1 lane reads and writes client sockets with recv/send (router/.../lane/NativeSocket.java, JDK 22+):
# it reads a socket channel's descriptor and parks on the JDK's poller, which needs the JDK's socket package open to it.
HR_JVM_FLAGS+=(--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED)
if [ "$HR_JAVA_MAJOR" -ge 23 ]; then
  # kafka-clients uses sun.misc.Unsafe; xgboost4j loads native code: silence JDK 23+ warnings for both.
  HR_JVM_FLAGS+=(--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED)
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi

if ! command -v mvn >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "headroom: Maven not found; installing it with apt-get ..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven) >&2 || {
      echo "headroom: could not install Maven; install Apache Maven 3.8+ and retry." >&2; exit 3; }
  else
    echo "headroom: Apache Maven 3.8+ is needed to build; install it (e.g. 'sudo apt-get install maven') and retry." >&2
    exit 3
  fi
fi
