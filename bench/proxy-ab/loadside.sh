#!/usr/bin/env bash
# proxy-ab/loadside.sh: what the load side costs a request behind nginx and behind `headroom proxy`. In proxy-bench.sh's
# PIN=proxy-core layout wrk and both nginx backends share cpu0 and the proxy has cpu1; once the proxy's core is not
# saturated, cpu0 sets the rate. This prints, per 10 s run: cpu0's busy time a request (user, system and softirq, from
# /proc/stat, which counts the kernel's loopback work done there too), and wrk's and the backends' own system calls,
# context switches and CPU a request (perf stat on their processes). Rounds alternate nginx and Headroom.
#
# Usage:  bench/proxy-ab/loadside.sh            (from the repository root)
# Env:    HEADROOM [./headroom]; OPTS: extra JVM options; P [/] the path; ROUNDS [3]; WARM [30] s of load on the JVM first
# Needs:  nginx, wrk, taskset, curl, perf (tracepoints; run as root). Ports 23581-23582, 23590-23591 on 127.0.0.1.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HA=${HEADROOM:-$ROOT/headroom}
WD=$(mktemp -d /tmp/proxy-loadside-XXXX); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done; }
trap cleanup EXIT
. "$ROOT/bench/proxy-ab/anchors.sh"
start_anchors "$WD"; d=$WD/px
HEADROOM_JAVA_OPTS="-XX:+UseSerialGC -Xms512m -Xmx512m -Xmn384m -XX:+AlwaysPreTouch -XX:MaxTenuringThreshold=1 ${OPTS:-}" taskset -c 1 "$HA" proxy --listen 127.0.0.1:23590 --upstreams 127.0.0.1:23581,127.0.0.1:23582 >$WD/p.out 2>&1 & PIDS+=($!)
for _ in $(seq 1 180); do curl -s -o /dev/null http://127.0.0.1:23590/ && break; sleep 1; done
sleep 2
for i in 1 2; do [ -s $WD/backend$i/nginx.pid ] || { echo "backend $i did not start (port $((23580 + i)) taken?): $(cat $WD/backend$i/out $WD/backend$i/error.log 2>/dev/null)" >&2; exit 2; }; done
BK=$(for i in 1 2; do pgrep -P $(cat $WD/backend$i/nginx.pid); done | tr '\n' ',' | sed 's/,$//')
declare -A PXP=([nginx]=$(pgrep -P $(cat $d/nginx.pid)) [hr]=$(pgrep -f 'java.*127.0.0.1:23590' | head -1))
echo "backend workers $BK; proxies ${PXP[nginx]} (nginx) ${PXP[hr]} (Headroom)"
taskset -c 0 wrk -t1 -c64 -d${WARM:-30}s http://127.0.0.1:23590/ | grep Requests/sec
EV=raw_syscalls:sys_enter,syscalls:sys_enter_read,syscalls:sys_enter_recvfrom,syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_sendto,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,context-switches,task-clock
for r in $(seq 1 ${ROUNDS:-3}); do for T in nginx:23591 hr:23590; do IFS=: read name port <<<"$T"
  taskset -c 0 wrk -t1 -c64 -d3s http://127.0.0.1:$port${P:-/} >/dev/null
  taskset -c 0 wrk -t1 -c64 -d10s http://127.0.0.1:$port${P:-/} > $WD/w.out &
  W=$!; sleep 0.5; WP=$(pgrep -x wrk | head -1)
  T0=$(nstat -az 2>/dev/null | awk '$1=="TcpOutSegs"||$1=="TcpExtTCPPureAcks"||$1=="TcpExtDelayedACKs" {printf "%s ", $2}')
  S0=$(head -2 /proc/stat | tail -1); I0=$(grep -E '^ *(RES|CAL):' /proc/interrupts | awk '{print $2, $3}' | tr '\n' ' ')
  perf stat -x, -e $EV -p $WP -o $WD/wrk.ps -- sleep 9 >/dev/null 2>&1 & PF=$!
  perf stat -x, -e $EV -p ${PXP[$name]} -o $WD/px.ps -- sleep 9 >/dev/null 2>&1 & PP=$!
  perf stat -x, -e $EV -p $BK -o $WD/bk.ps -- sleep 9 >/dev/null 2>&1
  T1=$(nstat -az 2>/dev/null | awk '$1=="TcpOutSegs"||$1=="TcpExtTCPPureAcks"||$1=="TcpExtDelayedACKs" {printf "%s ", $2}')
  S1=$(head -2 /proc/stat | tail -1); I1=$(grep -E '^ *(RES|CAL):' /proc/interrupts | awk '{print $2, $3}' | tr '\n' ' '); wait $PF $PP $W
  R=$(awk '/Requests\/sec/{print $2}' $WD/w.out)
  python3 - "$name" "$R" "$S0" "$S1" <<'PY'
import sys
name,r,s0,s1=sys.argv[1:]; r=float(r); n=r*9
a=list(map(int,s0.split()[1:])); b=list(map(int,s1.split()[1:]))
d=[y-x for x,y in zip(a,b)]  # user nice system idle iowait irq softirq steal
tot=sum(d[:8]); busy=tot-d[3]-d[4]
print(f"{name:6s} rps {r:8.0f} cpu0 busy {busy/tot*100:5.1f}%  cpu0 us/req {busy*1e4/n:.2f} (user {d[0]*1e4/n:.2f} sys {d[2]*1e4/n:.2f} softirq {d[6]*1e4/n:.2f})")
PY
  N=$(awk -v r="$R" 'BEGIN {print r * 9}')
  echo "   wrk: $(perf_per_request $WD/wrk.ps $N)"
  echo "   bk: $(perf_per_request $WD/bk.ps $N)"
  echo "   proxy: $(perf_per_request $WD/px.ps $N)"
  awk -v a="$I0" -v b="$I1" -v n="$N" 'BEGIN { split(a, x, " "); split(b, y, " ")
    printf "   IPIs a request: reschedule cpu0 %.3f cpu1 %.3f, function call cpu0 %.3f cpu1 %.3f\n", (y[1]-x[1])/n, (y[2]-x[2])/n, (y[3]-x[3])/n, (y[4]-x[4])/n }'
  [[ -n $T0 ]] && awk -v a="$T0" -v b="$T1" -v n="$N" 'BEGIN { split(a, x, " "); split(b, y, " ")
    printf "   TCP a request (the whole machine, nstat): segments sent %.3f, pure ACKs received %.3f, delayed ACKs %.3f\n", (y[1]-x[1])/n, (y[3]-x[3])/n, (y[2]-x[2])/n }'
done; done
