#!/usr/bin/env bash
# idle-cost/run.sh: what an idle `headroom proxy` costs: CPU per second and wake-ups per second of each of its threads,
# after a short burst of traffic (so the upstream pool, the watchdog and the yield watch have all been used).
#
# Usage:  bench/idle-cost/run.sh [SECONDS]          (from the repository root; SECONDS of idle measured, default 20)
# Env:    HEADROOM [./headroom]: the launcher; HEADROOM_JAVA_OPTS [README's]; PORT_OFFSET [0]
# Output: the JVM's CPU ms per idle second, then each thread that used CPU or woke more than once a second:
#         name, CPU ms per second, voluntary wake-ups per second (from /proc/<pid>/task/*/stat and status).
# Needs:  nginx, wrk, taskset, curl. Ports 23681 and 23691 on 127.0.0.1 (+ PORT_OFFSET). The JVM runs on cpu1.
set -uo pipefail
S=${1:-20}; OFF=${PORT_OFFSET:-0}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
H=${HEADROOM:-$ROOT/headroom}
OPTS=${HEADROOM_JAVA_OPTS:-"-XX:+UseSerialGC -Xms512m -Xmx512m -Xmn384m -XX:+AlwaysPreTouch -XX:MaxTenuringThreshold=1"}
WD=$(mktemp -d /tmp/idle-cost-XXXX); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done; }
trap cleanup EXIT
for t in nginx wrk taskset curl; do command -v $t >/dev/null || { echo "missing tool: $t" >&2; exit 2; }; done
BPORT=$((23681 + OFF)); PPORT=$((23691 + OFF))
mkdir -p $WD/b/tmp
echo "worker_processes 1; daemon off; pid $WD/b/nginx.pid; error_log $WD/b/error.log warn; events { worker_connections 1024; }
http { access_log off; client_body_temp_path $WD/b/tmp/b; proxy_temp_path $WD/b/tmp/p; fastcgi_temp_path $WD/b/tmp/f;
 uwsgi_temp_path $WD/b/tmp/u; scgi_temp_path $WD/b/tmp/s; default_type text/plain;
 server { listen 127.0.0.1:$BPORT; location / { return 200 \"ok\"; } } }" >$WD/b/nginx.conf
taskset -c 0 nginx -c $WD/b/nginx.conf -p $WD/b >$WD/b/out 2>&1 & PIDS+=($!)
HEADROOM_JAVA_OPTS="$OPTS" taskset -c 1 "$H" proxy --listen 127.0.0.1:$PPORT --upstreams 127.0.0.1:$BPORT >$WD/proxy.out 2>&1 & P=$!; PIDS+=($P)
for _ in $(seq 1 180); do curl -s -o /dev/null http://127.0.0.1:$PPORT/ && break; sleep 1; done
J=""; for p in $P $(pgrep -P $P) $(for c in $(pgrep -P $P); do pgrep -P $c; done); do [[ $(cat /proc/$p/comm 2>/dev/null) == java ]] && { J=$p; break; }; done
[[ -n $J ]] || { echo "the proxy did not start; log in $WD/proxy.out" >&2; exit 1; }
taskset -c 0 wrk -t1 -c8 -d3s http://127.0.0.1:$PPORT/ >$WD/wrk.txt
sleep 2
snap() { for t in /proc/$J/task/*; do
  printf '%s|%s %s %s\n' "$(basename $t)" "$(tr ' ' _ <$t/comm)" "$(awk '{print $14+$15}' $t/stat)" "$(awk '/^voluntary_ctxt/{print $2}' $t/status)"
done 2>/dev/null | sort; }
HZ=$(getconf CLK_TCK)
a=$(awk '{print $14+$15}' /proc/$J/stat); snap >$WD/s1; sleep "$S"; snap >$WD/s2; b=$(awk '{print $14+$15}' /proc/$J/stat)
echo "idle ${S}s after $(awk '/Requests\/sec/{print $2}' $WD/wrk.txt) req/s for 3s: JVM CPU $(echo "($b - $a) * 1000 / $HZ / $S" | bc -l | xargs printf '%.1f') ms per second"
printf '%-28s %14s %16s\n' thread "CPU ms/s" "wake-ups/s"
join $WD/s1 $WD/s2 | awk -v s="$S" -v hz="$HZ" '{ cpu = ($4 - $2) * 1000 / hz / s; w = ($5 - $3) / s; n = $1; sub(/^[0-9]+\|/, "", n);
  if (cpu > 0 || w > 1) printf "%-28s %14.1f %16.1f\n", n, cpu, w }' | sort -k3 -n -r
