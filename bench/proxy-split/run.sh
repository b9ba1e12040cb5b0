#!/usr/bin/env bash
# proxy-split/run.sh: where a request's CPU goes, nginx's reverse proxy against `headroom proxy`, on loopback.
#
# For each target, per proxied request: user and system CPU µs (from /proc), system calls by kind and context
# switches (perf stat, when perf may count them), TCP segments and IP bytes on loopback (nstat), and for Headroom the
# context switches of each of its threads (from /proc/<pid>/task/*/status), which shows which threads wake it.
#
# Layout as proxy-bench.sh PIN=proxy-core: two nginx backends and wrk on cpu0; the nginx proxy (one worker, upstream
# keep-alive) and the Headroom JVM on cpu1, measured one at a time. Headroom is warmed for WARM s first (its JIT is
# still compiling for the first minute or so under load; see docs/router.md, "Where a request's CPU goes").
#
# Usage:  bench/proxy-split/run.sh [PATH] [ROUNDS]      (from the repository root; PATH "/", ROUNDS 3)
# Env:    HEADROOM [./headroom]; HEADROOM_JAVA_OPTS [README's]; D [10] s per run; WARM [60]; CONNS [64]
# Needs:  nginx, wrk, taskset, curl, nstat; perf optional. Ports 25481-25482, 25490-25491 on 127.0.0.1.
set -uo pipefail
P=${1:-/}; R=${2:-3}; D=${D:-10}; WARM=${WARM:-60}; CONNS=${CONNS:-64}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HA=${HEADROOM:-$ROOT/headroom}
OPTS=${HEADROOM_JAVA_OPTS:-"-XX:+UseSerialGC -Xms512m -Xmx512m -Xmn384m -XX:+AlwaysPreTouch -XX:MaxTenuringThreshold=1"}
WD=$(mktemp -d /tmp/proxy-split-XXXX); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done; }
trap cleanup EXIT
for t in nginx wrk taskset curl nstat; do command -v $t >/dev/null || { echo "missing tool: $t" >&2; exit 2; }; done
BODY_1K=$(head -c 1024 /dev/zero | tr '\0' 'x')
common() { echo "worker_processes 1; daemon off; pid $1/nginx.pid; error_log $1/error.log warn; events { worker_connections 8192; }"; }
temps() { echo "client_body_temp_path $1/tmp/b; proxy_temp_path $1/tmp/p; fastcgi_temp_path $1/tmp/f; uwsgi_temp_path $1/tmp/u; scgi_temp_path $1/tmp/s;"; }
for i in 1 2; do
  d=$WD/backend$i; mkdir -p $d/tmp
  echo "$(common $d) http { access_log off; keepalive_requests 1000000; $(temps $d) default_type text/plain;
   server { listen 127.0.0.1:$((25480 + i)) backlog=4096;
     location = /1k { return 200 \"$BODY_1K\"; } location / { return 200 \"ok\"; } } }" >$d/nginx.conf
  taskset -c 0 nginx -c $d/nginx.conf -p $d >$d/out 2>&1 & PIDS+=($!)
done
d=$WD/proxy; mkdir -p $d/tmp
echo "$(common $d) http { access_log off; keepalive_requests 1000000; $(temps $d)
   upstream be { server 127.0.0.1:25481; server 127.0.0.1:25482; keepalive 128; }
   server { listen 127.0.0.1:25490 backlog=4096;
     location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }" >$d/nginx.conf
taskset -c 1 nginx -c $d/nginx.conf -p $d >$d/out 2>&1 & NP=$!; PIDS+=($NP)
HEADROOM_JAVA_OPTS="$OPTS" taskset -c 1 "$HA" proxy --listen 127.0.0.1:25491 --upstreams 127.0.0.1:25481,127.0.0.1:25482 >$WD/headroom.out 2>&1 & PA=$!; PIDS+=($PA)
for port in 25490 25491; do
  for _ in $(seq 1 180); do curl -s -o /dev/null http://127.0.0.1:$port/ && break; sleep 1; done
done
jvm() { local p c; for p in $1 $(pgrep -P $1); do [[ $(cat /proc/$p/comm 2>/dev/null) == java ]] && { echo $p; return; }; for c in $(pgrep -P $p); do [[ $(cat /proc/$c/comm 2>/dev/null) == java ]] && { echo $c; return; }; done; done; }
JA=$(jvm $PA); NW=$(pgrep -P $NP | head -1)
[[ -n $JA && -n $NW ]] || { echo "a proxy did not start; logs in $WD" >&2; exit 1; }
echo "path $P, $R rounds of ${D}s, $CONNS connections; Headroom warmed ${WARM}s; work dir $WD"
taskset -c 0 wrk -t1 -c$CONNS -d${WARM}s http://127.0.0.1:25491$P >/dev/null
taskset -c 0 wrk -t1 -c$CONNS -d5s http://127.0.0.1:25490$P >/dev/null
PERF=""; perf stat -e raw_syscalls:sys_enter -p $$ -o /dev/null -- true >/dev/null 2>&1 && PERF=1
EV=raw_syscalls:sys_enter,context-switches
for s in read write readv writev recvfrom sendto epoll_wait epoll_pwait epoll_ctl futex; do EV+=",syscalls:sys_enter_$s"; done
threads() { for t in /proc/$JA/task/*; do
  echo "$(basename $t) $(tr ' ' _ <$t/comm) $(awk '/^voluntary_ctxt/{v=$2}/^nonvoluntary_ctxt/{n=$2}END{print v, n}' $t/status)"; done | sort; }
for r in $(seq 1 $R); do for x in nginx headroom; do
  if [[ $x == nginx ]]; then j=$NW; port=25490; else j=$JA; port=25491; threads >$WD/t1; fi
  pp=""; [[ -n $PERF ]] && { perf stat -e $EV -p $j -o $WD/perf.$x -- sleep $D >/dev/null 2>&1 & pp=$!; }
  nstat -n >/dev/null
  a=($(awk '{print $14, $15}' /proc/$j/stat))
  out=$(taskset -c 0 wrk -t1 -c$CONNS -d${D}s http://127.0.0.1:$port$P)
  b=($(awk '{print $14, $15}' /proc/$j/stat))
  nstat -z >$WD/nstat.$x 2>/dev/null
  [[ -n $pp ]] && wait $pp
  n=$(echo "$out" | awk '/requests in/{print $1}'); rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  awk -v x=$x -v r=$r -v rps=$rps -v n=$n -v u=$((b[0] - a[0])) -v s=$((b[1] - a[1])) -v t=$(getconf CLK_TCK) \
    'BEGIN{printf "%-8s r%d  %9s req/s  user %5.2f  system %5.2f  total %5.2f us/req\n", x, r, rps, u/t*1e6/n, s/t*1e6/n, (u+s)/t*1e6/n}'
  awk -v n=$n '$1 ~ /^(TcpInSegs|TcpOutSegs|IpExtInOctets)$/ {printf "    %-22s %8.2f per request\n", $1, $2/n}' $WD/nstat.$x
  [[ -n $pp ]] && awk -v n=$n '/sys_enter|context-switches/{gsub(",", "", $1); if ($1 + 0 > 0) printf "    %-34s %8.3f per request\n", $2, $1/n}' $WD/perf.$x
  if [[ $x == headroom ]]; then
    threads >$WD/t2
    join $WD/t1 $WD/t2 | awk -v n=$n '{v = $6 - $3; i = $7 - $4; if (v + i > 0) printf "    %.4f switches per request (%.4f voluntary), thread %s\n", (v + i)/n, v/n, $2}' | sort -rn | head -6
  fi
done; done
