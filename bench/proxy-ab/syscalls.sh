#!/usr/bin/env bash
# proxy-ab/syscalls.sh: nginx as the proxy and two `headroom proxy` builds (or JVM option sets), alternating on one
# core, with what each costs a request: user and system CPU (from /proc), and the system calls by kind, the context
# switches and the task clock (perf stat, tracepoints syscalls:sys_enter_*). Same layout as proxy-bench.sh
# PIN=proxy-core: two nginx backends and wrk on cpu0, the proxies on cpu1 (the idle ones wait). docs/router.md,
# "recv and send", has a run of it.
#
# Usage:  bench/proxy-ab/syscalls.sh                (from the repository root)
# Env:    HEADROOM [./headroom] and HEADROOM_B [$HEADROOM]: the launchers A and B; OPTS, OPTS_B: extra JVM options each;
#         P [/] the path (/ or /1k); ROUNDS [3]; WARM [40] s of load on each JVM first
# Needs:  nginx, wrk, taskset, curl, perf (with tracepoints; run as root). Ports 23581-23582 and 23590-23592 on 127.0.0.1.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HA=${HEADROOM:-$ROOT/headroom}; HB=${HEADROOM_B:-$HA}
WD=$(mktemp -d /tmp/proxy-syscalls-XXXX); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done; }
trap cleanup EXIT
. "$ROOT/bench/proxy-ab/anchors.sh"
start_anchors "$WD"; d=$WD/px
HEADROOM_JAVA_OPTS="-XX:+UseSerialGC -Xms512m -Xmx512m -Xmn384m -XX:+AlwaysPreTouch -XX:MaxTenuringThreshold=1 ${OPTS:-}" taskset -c 1 "$HA" proxy --listen 127.0.0.1:23590 --upstreams 127.0.0.1:23581,127.0.0.1:23582 >$WD/p.out 2>&1 & PIDS+=($!)
HEADROOM_JAVA_OPTS="-XX:+UseSerialGC -Xms512m -Xmx512m -Xmn384m -XX:+AlwaysPreTouch -XX:MaxTenuringThreshold=1 ${OPTS_B:-}" taskset -c 1 "$HB" proxy --listen 127.0.0.1:23592 --upstreams 127.0.0.1:23581,127.0.0.1:23582 >$WD/pb.out 2>&1 & PIDS+=($!)
for _ in $(seq 1 180); do curl -s -o /dev/null http://127.0.0.1:23590/ && break; sleep 1; done
for _ in $(seq 1 180); do curl -s -o /dev/null http://127.0.0.1:23592/ && break; sleep 1; done
J=$(pgrep -f "java.*23590" | head -1); JB=$(pgrep -f "java.*23592" | head -1); NG=$(pgrep -f "nginx: worker" -P $(cat $d/nginx.pid) | head -1); NG=${NG:-$(pgrep -P $(cat $d/nginx.pid))}
echo "A=$HA (pid $J)  B=$HB (pid $JB)  nginx worker $NG; path ${P:-/}, ${ROUNDS:-3} rounds of 10 s"
taskset -c 0 wrk -t1 -c64 -d${WARM:-40}s http://127.0.0.1:23590/ | grep Requests/sec
taskset -c 0 wrk -t1 -c64 -d${WARM:-40}s http://127.0.0.1:23592/ | grep Requests/sec
EV=raw_syscalls:sys_enter,syscalls:sys_enter_read,syscalls:sys_enter_recvfrom,syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_sendto,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_ctl,syscalls:sys_enter_futex,syscalls:sys_enter_sched_yield,syscalls:sys_enter_poll,syscalls:sys_enter_ppoll,context-switches,task-clock
TL=""; for i in $(seq 1 ${ROUNDS:-3}); do TL="$TL nginx:23591:$NG A:23590:$J B:23592:$JB"; done
for T in $TL; do IFS=: read name port pid <<<"$T"
  taskset -c 0 wrk -t1 -c64 -d3s http://127.0.0.1:$port${P:-/} >/dev/null
  U0=$(awk '{print $14, $15}' /proc/$pid/stat)
  taskset -c 0 wrk -t1 -c64 -d10s ${WRKX:-} http://127.0.0.1:$port${P:-/} > $WD/w.out &
  W=$!; sleep 0.5; perf stat -x, -e $EV -p $pid -o $WD/ps.out -- sleep 9 >/dev/null 2>&1; wait $W
  U1=$(awk '{print $14, $15}' /proc/$pid/stat)
  R=$(awk '/Requests\/sec/{print $2}' $WD/w.out)
  python3 - "$name" "$R" "$U0" "$U1" <<'PY'
import sys
name,r,u0,u1=sys.argv[1:]; r=float(r)
a=list(map(int,u0.split())); b=list(map(int,u1.split()))
print(f"{name:9s} rps {r:8.0f}  user {(b[0]-a[0])*1e4/(r*10):.2f} sys {(b[1]-a[1])*1e4/(r*10):.2f} us/req")
PY
  echo "   $(perf_per_request $WD/ps.out "$(awk -v r="$R" 'BEGIN {print r * 9}')")"
done
