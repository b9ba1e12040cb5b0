#!/usr/bin/env bash
# nginx-cpu.sh: nginx as the proxy under test, in proxy-ab/run.sh's layout and output, so its CPU per request (user and
# total) and system calls per request sit next to a `headroom proxy` A/B's.
#
# Layout: two nginx backends and wrk on cpu0; the proxy, nginx with one worker, proxy_pass to both backends over
# keep-alive connections (as ../shared/bench/proxy-bench.sh configures it), on cpu1.
#
# Usage:  bench/proxy-ab/nginx-cpu.sh [PATH] [ROUNDS]      (PATH "/", ROUNDS 3)
# Env:    D [10] s per run; CONNS [64]; PORT_OFFSET [0]
# Output: per run: req/s, CPU µs per request of the worker (user + system from /proc; user alone in brackets), system
#         calls per request (perf stat raw_syscalls, when perf may count them; else -).
# Needs:  nginx, wrk, taskset; perf optional. Ports 23881-23882 and 23890 on 127.0.0.1 (+ PORT_OFFSET).
set -uo pipefail
P=${1:-/}; R=${2:-3}; D=${D:-10}; CONNS=${CONNS:-64}; OFF=${PORT_OFFSET:-0}
WD=$(mktemp -d /tmp/nginx-cpu-XXXX); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT
for t in nginx wrk taskset; do command -v $t >/dev/null || { echo "missing tool: $t" >&2; exit 2; }; done
BODY_1K=$(head -c 1024 /dev/zero | tr '\0' 'x')
common() { echo "worker_processes 1; daemon off; pid $1/nginx.pid; error_log $1/error.log warn; events { worker_connections 8192; }
  http { access_log off; keepalive_requests 1000000; client_body_temp_path $1/tmp/b; proxy_temp_path $1/tmp/p;
   fastcgi_temp_path $1/tmp/f; uwsgi_temp_path $1/tmp/u; scgi_temp_path $1/tmp/s; default_type text/plain;"; }
for i in 1 2; do
  d=$WD/backend$i; mkdir -p $d/tmp
  echo "$(common $d) server { listen 127.0.0.1:$((23880 + OFF + i)) backlog=4096;
     location = /1k { return 200 \"$BODY_1K\"; } location / { return 200 \"ok\"; } } }" >$d/nginx.conf
  taskset -c 0 nginx -c $d/nginx.conf -p $d >$d/out 2>&1 & PIDS+=($!)
done
d=$WD/proxy; mkdir -p $d/tmp
echo "$(common $d) upstream be { server 127.0.0.1:$((23881 + OFF)); server 127.0.0.1:$((23882 + OFF)); keepalive 128;
    keepalive_requests 1000000; keepalive_timeout 75s; }
  server { listen 127.0.0.1:$((23890 + OFF)) backlog=4096;
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }" >$d/nginx.conf
taskset -c 1 nginx -c $d/nginx.conf -p $d >$d/out 2>&1 & M=$!; PIDS+=($M)
URL=http://127.0.0.1:$((23890 + OFF))$P
for _ in $(seq 1 50); do W=$(pgrep -P $M | head -1); [[ -n $W ]] && curl -s -o /dev/null $URL && break; sleep 0.2; done
[[ -n ${W:-} ]] || { echo "nginx did not start; logs in $WD" >&2; exit 1; }
PERF=""; perf stat -e raw_syscalls:sys_enter -p $$ -o /dev/null -- true >/dev/null 2>&1 && PERF=1
taskset -c 0 wrk -t1 -c$CONNS -d5s $URL >/dev/null
echo "nginx proxy (worker $W); path $P, $R rounds of ${D}s, $CONNS connections; work dir $WD"
for r in $(seq 1 $R); do
  pp=""; [[ -n $PERF ]] && { perf stat -e raw_syscalls:sys_enter -p $W -o $WD/perf -- sleep $D >/dev/null 2>&1 & pp=$!; }
  a=($(awk '{print $14, $15}' /proc/$W/stat))
  out=$(taskset -c 0 wrk -t1 -c$CONNS -d${D}s --latency --timeout 10s $URL)
  b=($(awk '{print $14, $15}' /proc/$W/stat))
  [[ -n $pp ]] && wait $pp
  n=$(echo "$out" | awk '/requests in/{print $1}'); rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}'); mx=$(echo "$out" | awk '/Latency/{print $4}')
  sc=-; [[ -n $pp ]] && sc=$(awk -v n=$n '/raw_syscalls/{gsub(",", "", $1); printf "%.2f", $1 / n}' $WD/perf)
  awk -v r=$r -v n=$n -v rps=$rps -v c=$(( (b[0] - a[0]) + (b[1] - a[1]) )) -v u=$(( b[0] - a[0] )) -v t=$(getconf CLK_TCK) -v sc=$sc -v p99=$p99 -v mx=$mx \
    'BEGIN{printf "nginx r%d rps=%9s p99=%9s max=%9s cpu=%5.1f us/req (user %4.1f) syscalls/req=%s\n", r, rps, p99, mx, c / t * 1e6 / n, u / t * 1e6 / n, sc}'
done
