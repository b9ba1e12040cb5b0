#!/usr/bin/env bash
# proxy-ab/run.sh: an interleaved A/B of two `headroom proxy` builds (or two JVM option sets) on loopback, with what
# the shared proxy bench does not print: CPU and system calls per request, and the longest request of each run.
#
# Layout as proxy-bench.sh PIN=proxy-core: two nginx backends and wrk on cpu0, each proxy started under taskset on
# cpu1 (so its JVM sees one CPU); the two proxies run one at a time (the idle one waits).
#
# Usage:  bench/proxy-ab/run.sh [PATH] [ROUNDS]        (from the repository root; PATH "/", ROUNDS 4)
# Env:    HEADROOM [./headroom], HEADROOM_B [$HEADROOM]: the two launchers; OPTS_A, OPTS_B: extra JVM options each
#         (e.g. OPTS_B=-Djdk.pollerMode=1); HEADROOM_JAVA_OPTS [README's]; D [10] s per run; CONNS [64]; PORT_OFFSET [0]
#         RATE: paced runs at RATE req/s (wrk with a Lua schedule, as proxy-bench's paced run: latency from the actual
#         send, so p99 is optimistic) instead of closed-loop ones
# Output: per run: req/s, p99, max latency (wrk, --timeout 10s so slow requests are measured, not dropped), CPU µs per
#         request of the JVM (user + system from /proc; user alone in brackets), system calls per request (perf stat
#         raw_syscalls, when perf may count them; else -). nginx-cpu.sh prints the same for nginx as the proxy.
# Needs:  nginx, wrk, taskset, curl; perf optional. Ports 23481-23482 and 23491-23492 on 127.0.0.1 (+ PORT_OFFSET).
set -uo pipefail
P=${1:-/}; R=${2:-4}; D=${D:-10}; CONNS=${CONNS:-64}; OFF=${PORT_OFFSET:-0}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HA=${HEADROOM:-$ROOT/headroom}; HB=${HEADROOM_B:-$HA}
BASE_OPTS=${HEADROOM_JAVA_OPTS:-"-XX:+UseSerialGC -Xms512m -Xmx512m -Xmn384m -XX:+AlwaysPreTouch -XX:MaxTenuringThreshold=1"}
WD=$(mktemp -d /tmp/proxy-ab-XXXX); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done; }
trap cleanup EXIT
for t in nginx wrk taskset curl; do command -v $t >/dev/null || { echo "missing tool: $t" >&2; exit 2; }; done
BODY_1K=$(head -c 1024 /dev/zero | tr '\0' 'x')
for i in 1 2; do
  d=$WD/backend$i; mkdir -p $d/tmp
  echo "worker_processes 1; daemon off; pid $d/nginx.pid; error_log $d/error.log warn; events { worker_connections 8192; }
  http { access_log off; keepalive_requests 1000000; client_body_temp_path $d/tmp/b; proxy_temp_path $d/tmp/p;
   fastcgi_temp_path $d/tmp/f; uwsgi_temp_path $d/tmp/u; scgi_temp_path $d/tmp/s; default_type text/plain;
   server { listen 127.0.0.1:$((23480 + OFF + i)) backlog=4096;
     location = /1k { return 200 \"$BODY_1K\"; } location / { return 200 \"ok\"; } } }" >$d/nginx.conf
  taskset -c 0 nginx -c $d/nginx.conf -p $d >$d/out 2>&1 & PIDS+=($!)
done
UP=127.0.0.1:$((23481 + OFF)),127.0.0.1:$((23482 + OFF))
PA_PORT=$((23491 + OFF)); PB_PORT=$((23492 + OFF))
HEADROOM_JAVA_OPTS="$BASE_OPTS ${OPTS_A:-}" taskset -c 1 "$HA" proxy --listen 127.0.0.1:$PA_PORT --upstreams $UP >$WD/a.out 2>&1 & PA=$!; PIDS+=($PA)
HEADROOM_JAVA_OPTS="$BASE_OPTS ${OPTS_B:-}" taskset -c 1 "$HB" proxy --listen 127.0.0.1:$PB_PORT --upstreams $UP >$WD/b.out 2>&1 & PB=$!; PIDS+=($PB)
for port in $PA_PORT $PB_PORT; do
  for _ in $(seq 1 180); do curl -s -o /dev/null http://127.0.0.1:$port/ && break; sleep 1; done
done
jvm() { local p c; for p in $1 $(pgrep -P $1); do [[ $(cat /proc/$p/comm 2>/dev/null) == java ]] && { echo $p; return; }; for c in $(pgrep -P $p); do [[ $(cat /proc/$c/comm 2>/dev/null) == java ]] && { echo $c; return; }; done; done; }
JA=$(jvm $PA); JB=$(jvm $PB)
[[ -n $JA && -n $JB ]] || { echo "a proxy did not start; logs in $WD" >&2; exit 1; }
PACE=()
if [[ -n ${RATE:-} ]]; then
  cat >$WD/pace.lua <<'EOF'
-- paced wrk: one request every 1000/RATE ms per thread on an absolute schedule (wrk's timer resolution is 1 ms)
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long s; long ns; } ab_ts; int clock_gettime(int, ab_ts *); ]]
local ts = ffi.new("ab_ts")
local step, due
function init(args) step = 1000.0 / tonumber(args[1]) end
function delay()
  ffi.C.clock_gettime(1, ts)
  local now = tonumber(ts.s) * 1000 + tonumber(ts.ns) / 1e6
  due = (due or now) + step
  return math.max(0, math.floor(due - now + 0.5))
end
EOF
  PACE=(-s $WD/pace.lua)
fi
PERF=""; perf stat -e raw_syscalls:sys_enter -p $$ -o /dev/null -- true >/dev/null 2>&1 && PERF=1
for port in $PA_PORT $PB_PORT; do taskset -c 0 wrk -t1 -c$CONNS -d15s http://127.0.0.1:$port$P >/dev/null; done
echo "A=$HA ${OPTS_A:-}; B=$HB ${OPTS_B:-}; path $P, $R rounds of ${D}s, $CONNS connections${RATE:+, paced at $RATE req/s}; work dir $WD"
for r in $(seq 1 $R); do for x in A B; do
  if [[ $x == A ]]; then j=$JA; port=$PA_PORT; else j=$JB; port=$PB_PORT; fi
  pp=""; [[ -n $PERF ]] && { perf stat -e raw_syscalls:sys_enter -p $j -o $WD/perf.$x -- sleep $D >/dev/null 2>&1 & pp=$!; }
  a=($(awk '{print $14, $15}' /proc/$j/stat))
  if [[ -n ${RATE:-} ]]; then
    out=$(taskset -c 0 wrk -t1 -c$CONNS -d${D}s --latency --timeout 10s "${PACE[@]}" http://127.0.0.1:$port$P -- $RATE)
  else
    out=$(taskset -c 0 wrk -t1 -c$CONNS -d${D}s --latency --timeout 10s http://127.0.0.1:$port$P)
  fi
  b=($(awk '{print $14, $15}' /proc/$j/stat))
  [[ -n $pp ]] && wait $pp
  n=$(echo "$out" | awk '/requests in/{print $1}'); rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}'); mx=$(echo "$out" | awk '/Latency/{print $4}')
  sc=-; [[ -n $pp ]] && sc=$(awk -v n=$n '/raw_syscalls/{gsub(",", "", $1); printf "%.2f", $1 / n}' $WD/perf.$x)
  awk -v x=$x -v r=$r -v n=$n -v rps=$rps -v c=$(( (b[0] - a[0]) + (b[1] - a[1]) )) -v u=$(( b[0] - a[0] )) -v t=$(getconf CLK_TCK) -v sc=$sc -v p99=$p99 -v mx=$mx \
    'BEGIN{printf "%s r%d rps=%9s p99=%9s max=%9s cpu=%5.1f us/req (user %4.1f) syscalls/req=%s\n", x, r, rps, p99, mx, c / t * 1e6 / n, u / t * 1e6 / n, sc}'
done; done
