#!/usr/bin/env bash
# gateway-chain/run.sh: the full gateway chain (API key + rate limits + telemetry to Kafka) next to nginx and the plain
# `headroom proxy`, in one run, on loopback (docs/router.md, "Performance").
#
# Why not ../shared/bench/proxy-bench.sh: it runs wrk without extra headers, and the chain needs an API key in a header
# (keys are only read from a header), so this script runs its own wrk with -H. It mirrors proxy-bench's setup: two
# nginx backends (1 worker each) and wrk on cpu0; the proxy under test alone on cpu1 (nginx: 1 worker, upstream
# keepalive 128; each Headroom a JVM started under taskset, so it sees one CPU). The Kafka broker the chain publishes
# telemetry to runs on cpu0 too. Targets are measured interleaved (nginx, proxy, gateway; nginx, proxy, gateway ...);
# the idle ones wait meanwhile.
#
# Usage:  bench/gateway-chain/run.sh                         (from the repository root)
# Env:    ROUNDS [3]  DUR [10] s per run  WARM [15] s per target and path  CONNS [64]  PATHS ["/ /1k"]
#         HEADROOM [./headroom]  the launcher (or any command taking headroom's arguments)
#         HEADROOM_JAVA_OPTS     JVM options for both Headroom targets (as README's command: fixed heap, Serial GC)
#         TARGETS ["nginx proxy gateway"]; also gateway-b and proxy-b: the same chain or plain proxy run by HEADROOM_B
#                (another build), for an interleaved A/B of two builds:
#                TARGETS="gateway gateway-b" HEADROOM_B=/path/to/other/headroom (or "proxy proxy-b")
#         PORT_OFFSET [0]  added to every port (another copy of this script may be running on the same machine)
# Output: one line per run (rps, CPU us per request of the target, bytes allocated per request for the JVMs from
#         jstat's eden accounting, system calls per request where `perf stat` may count raw_syscalls (root or
#         perf_event_paranoid <= 1; else -), p99, non-2xx, load average), then medians and ratios to nginx. Work dir under
#         /tmp/gateway-chain-*.
# Needs: nginx, wrk, taskset, curl, jstat (JDK); perf optional. Ports 23081-23082, 23090, 23092, 23110-23113, 23120-23121 on
#        127.0.0.1 (plus PORT_OFFSET).
set -uo pipefail
ROUNDS=${ROUNDS:-3}; DUR=${DUR:-10}; WARM=${WARM:-15}; CONNS=${CONNS:-64}; PATHS=${PATHS:-"/ /1k"}
TARGETS=${TARGETS:-"nginx proxy gateway"}
OFF=${PORT_OFFSET:-0}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HEADROOM=${HEADROOM:-$ROOT/headroom}
HEADROOM_B=${HEADROOM_B:-}
export HEADROOM_JAVA_OPTS=${HEADROOM_JAVA_OPTS:-"-XX:+UseSerialGC -Xms512m -Xmx512m -Xmn384m -XX:+AlwaysPreTouch"}
KEY_HEADER="X-Api-Key: bench-key-0001"
WD=$(mktemp -d /tmp/gateway-chain-XXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
for t in nginx wrk taskset curl jstat; do command -v $t >/dev/null || { echo "missing tool: $t" >&2; exit 2; }; done

BODY_1K=$(head -c 1024 /dev/zero | tr '\0' 'x')
common() { echo "worker_processes 1; worker_rlimit_nofile 16384; daemon off; pid $1/nginx.pid; error_log $1/error.log warn;
events { worker_connections 8192; }"; }
http_common() { echo "access_log off; keepalive_requests 1000000; keepalive_timeout 75s; client_body_temp_path $1/tmp/b;
 proxy_temp_path $1/tmp/p; fastcgi_temp_path $1/tmp/f; uwsgi_temp_path $1/tmp/u; scgi_temp_path $1/tmp/s;"; }
for i in 1 2; do
  d=$WD/backend$i; mkdir -p $d/tmp
  { common $d; echo "http { $(http_common $d) default_type text/plain;
    server { listen 127.0.0.1:$((23080 + OFF + i)) backlog=4096; add_header X-Backend b$i always;
      location = /1k { return 200 \"$BODY_1K\"; } location / { return 200 \"ok\"; } } }"; } >$d/nginx.conf
  taskset -c 0 nginx -c $d/nginx.conf -p $d >$d/out 2>&1 & PIDS+=($!)
done
d=$WD/nginx-proxy; mkdir -p $d/tmp
{ common $d; echo "http { $(http_common $d)
  upstream backends { server 127.0.0.1:$((23081 + OFF)); server 127.0.0.1:$((23082 + OFF)); keepalive 128; }
  server { listen 127.0.0.1:$((23090 + OFF)) backlog=4096; location / { proxy_pass http://backends; proxy_http_version 1.1;
    proxy_set_header Connection \"\"; } } }"; } >$d/nginx.conf

# the chain's config with every port moved by OFF; gateway-b's also on its own listen and admin ports and instance id
shift_config() {
  awk -v off=$OFF -v extra=$1 '{
    out = ""; s = $0
    while (match(s, /127\.0\.0\.1:23[0-9][0-9][0-9]/)) {
      p = substr(s, RSTART + 10, 5) + 0
      out = out substr(s, 1, RSTART + 9) (p + off + ((p == 23110 || p == 23111) ? extra : 0))  # listen, admin
      s = substr(s, RSTART + RLENGTH)
    }
    line = out s
    if (extra != 0 && line ~ /^instance-id:/) line = line "-b"
    print line
  }' "$ROOT/bench/gateway-chain/headroom.yaml"
}
start_broker() {
  [[ -n ${BROKER_UP:-} ]] && return
  taskset -c 0 "$HEADROOM" broker --port $((23092 + OFF)) --data $WD/kafka >$WD/broker.out 2>&1 & PIDS+=($!)
  for _ in $(seq 1 120); do grep -q -i 'listening\|ready\|started' $WD/broker.out 2>/dev/null && break; sleep 1; done
  BROKER_UP=1
}
declare -A PORT URL_HDR PID
for t in $TARGETS; do
  case $t in
    nginx) taskset -c 1 nginx -c $d/nginx.conf -p $d >$d/out 2>&1 & PID[$t]=$!; PORT[$t]=$((23090 + OFF)) ;;
    proxy) taskset -c 1 "$HEADROOM" proxy --listen 127.0.0.1:$((23112 + OFF)) \
             --upstreams 127.0.0.1:$((23081 + OFF)),127.0.0.1:$((23082 + OFF)) >$WD/proxy.out 2>&1 &
           PID[$t]=$!; PORT[$t]=$((23112 + OFF)) ;;
    proxy-b) [[ -n $HEADROOM_B ]] || { echo "proxy-b needs HEADROOM_B (the other build's launcher)" >&2; exit 2; }
           taskset -c 1 "$HEADROOM_B" proxy --listen 127.0.0.1:$((23113 + OFF)) \
             --upstreams 127.0.0.1:$((23081 + OFF)),127.0.0.1:$((23082 + OFF)) >$WD/proxy-b.out 2>&1 &
           PID[$t]=$!; PORT[$t]=$((23113 + OFF)) ;;
    gateway|gateway-b)
      start_broker
      if [[ $t == gateway ]]; then launcher=$HEADROOM; extra=0; else launcher=$HEADROOM_B; extra=10; fi
      [[ -n $launcher ]] || { echo "gateway-b needs HEADROOM_B (the other build's launcher)" >&2; exit 2; }
      shift_config $extra >$WD/$t.yaml
      taskset -c 1 "$launcher" run --config $WD/$t.yaml --roles router >$WD/$t.out 2>&1 &
      PID[$t]=$!; PORT[$t]=$((23110 + OFF + extra)); URL_HDR[$t]=1 ;;
    *) echo "unknown target $t" >&2; exit 2 ;;
  esac
  PIDS+=(${PID[$t]})
done
for t in $TARGETS; do
  ok=0
  for _ in $(seq 1 120); do
    code=$(curl -s -o /dev/null -w '%{http_code}' ${URL_HDR[$t]:+-H "$KEY_HEADER"} http://127.0.0.1:${PORT[$t]}/ 2>/dev/null)
    [[ $code == 200 ]] && { ok=1; break; }
    sleep 1
  done
  [[ $ok == 1 ]] || { echo "$t did not answer 200 on :${PORT[$t]} (last: $code); logs in $WD" >&2; exit 1; }
done
for t in gateway gateway-b; do
  if [[ -n ${PID[$t]:-} ]]; then
    code=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${PORT[$t]}/)
    echo "$t without a key answers $code (expected 401: the chain is on)"
  fi
done
# the process to account: the JVM under the launcher, or nginx's master + worker
procs() { local p=$1 c; echo $p; for c in $(pgrep -P $p); do procs $c; done; }
cpu() { local s=0 p; for p in $(procs $1); do s=$((s + $(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0))); done; echo $s; }
jvm() { for p in $(procs $1); do [[ $(cat /proc/$p/comm 2>/dev/null) == java ]] && { echo $p; return; }; done; }
alloc() { [[ -z $1 ]] && { echo "0 0 0"; return; }
  jstat -gc $1 | awk 'NR==1{for(i=1;i<=NF;i++)h[$i]=i} NR==2{printf "%.0f %.0f %.0f\n", $h["EU"]*1024, $h["EC"]*1024, $h["YGC"]}'; }
TCK=$(getconf CLK_TCK)
# system calls of the target's processes during a run, where perf may count them
PERF=""; perf stat -e raw_syscalls:sys_enter -p $$ -o /dev/null -- true >/dev/null 2>&1 && PERF=1
echo "targets: $TARGETS; wrk -t1 -c$CONNS -d${DUR}s, $ROUNDS interleaved rounds, warm-up ${WARM}s; work dir $WD"
for t in $TARGETS; do for p in $PATHS; do
  taskset -c 0 wrk -t1 -c$CONNS -d${WARM}s ${URL_HDR[$t]:+-H "$KEY_HEADER"} http://127.0.0.1:${PORT[$t]}$p >/dev/null
done; done
printf '%-9s %-4s %-2s %9s %7s %7s %7s %8s %5s %s\n' target path r rps us/req B/req sys/req p99 load non2xx/errors | tee $WD/results.txt
for r in $(seq 1 $ROUNDS); do for p in $PATHS; do for t in $TARGETS; do
  pid=${PID[$t]}; j=$(jvm $pid)
  c0=$(cpu $pid); read eu0 ec0 y0 < <(alloc "$j")
  pp=""; if [[ -n $PERF ]]; then
    perf stat -e raw_syscalls:sys_enter -p "$(procs $pid | paste -sd,)" -o $WD/perf.txt -- sleep $DUR >/dev/null 2>&1 & pp=$!
  fi
  out=$(taskset -c 0 wrk -t1 -c$CONNS -d${DUR}s --latency ${URL_HDR[$t]:+-H "$KEY_HEADER"} http://127.0.0.1:${PORT[$t]}$p)
  c1=$(cpu $pid); read eu1 ec1 y1 < <(alloc "$j")
  sc=-; if [[ -n $pp ]]; then wait $pp; sc=$(awk -v n=$(echo "$out" | awk '/requests in/{print $1}') \
      '/raw_syscalls/{gsub(",", "", $1); printf "%.2f", $1 / n}' $WD/perf.txt); fi
  reqs=$(echo "$out" | awk '/requests in/{print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  bad=$(echo "$out" | awk '/Non-2xx/{n=$NF} /Socket errors/{e=$0} END{printf "%s%s", n+0, (e?" "e:"")}')
  us=$(awk -v c=$((c1 - c0)) -v t=$TCK -v n=$reqs 'BEGIN{printf "%.2f", c/t*1e6/n}')
  b=$([[ -n $j ]] && awk -v a=$eu0 -v b=$eu1 -v ec=$ec1 -v y=$((y1 - y0)) -v n=$reqs 'BEGIN{printf "%.0f", (b-a+y*ec)/n}' || echo -)
  printf '%-9s %-4s %-2s %9s %7s %7s %7s %8s %5s %s\n' $t $p $r $rps $us $b "${sc:--}" $p99 "$(cut -d' ' -f1 /proc/loadavg)" "$bad"
done; done; done | tee -a $WD/results.txt
echo "== medians over rounds =="
awk 'NR>1 {k=$1" "$2; rps[k]=rps[k]" "$4; us[k]=us[k]" "$5}
  function med(s,  a,n,i,j,t){n=split(s,a," "); for(i=1;i<=n;i++)for(j=i+1;j<=n;j++)if(a[j]+0<a[i]+0){t=a[i];a[i]=a[j];a[j]=t}; return n%2?a[(n+1)/2]:(a[n/2]+a[n/2+1])/2}
  END{for(k in rps){split(k,x," "); m[k]=med(rps[k]); u[k]=med(us[k]); paths[x[2]]=1}
      for(p in paths){line="path " p ":"; for(k in m){split(k,x," "); if(x[2]==p) line=line sprintf("  %s %.0f req/s %.1f us/req", x[1], m[k], u[k])}
        if(("nginx " p) in m) for(k in m){split(k,x," "); if(x[2]==p && x[1]!="nginx") line=line sprintf("  %s/nginx=%.2f", x[1], m[k]/m["nginx " p])}
        print line}}' $WD/results.txt
