# proxy-ab/anchors.sh: sourced by syscalls.sh and loadside.sh (start_anchors, perf_per_request). start_anchors DIR starts, as proxy-bench.sh's
# PIN=proxy-core layout has them, two nginx backends on cpu0 (127.0.0.1:23581 and :23582; "/" answers "ok", "/1k"
# 1024 bytes) and nginx as the proxy on cpu1 (127.0.0.1:23591, upstream keep-alive), each with its files under DIR,
# and appends their PIDs to the caller's PIDS array (its cleanup stops them).
start_anchors() {
  local wd=$1 d i body
  body=$(head -c 1024 /dev/zero | tr '\0' 'x')
  for i in 1 2; do d=$wd/backend$i; mkdir -p $d/tmp
    echo "worker_processes 1; daemon off; pid $d/nginx.pid; error_log $d/error.log warn; events { worker_connections 8192; }
    http { access_log off; keepalive_requests 1000000; client_body_temp_path $d/tmp/b; proxy_temp_path $d/tmp/p;
     fastcgi_temp_path $d/tmp/f; uwsgi_temp_path $d/tmp/u; scgi_temp_path $d/tmp/s; default_type text/plain;
     server { listen 127.0.0.1:$((23580 + i)) backlog=4096; location = /1k { return 200 \"$body\"; } location / { return 200 \"ok\"; } } }" >$d/nginx.conf
    taskset -c 0 nginx -c $d/nginx.conf -p $d >$d/out 2>&1 & PIDS+=($!)
  done
  d=$wd/px; mkdir -p $d/tmp
  echo "worker_processes 1; daemon off; pid $d/nginx.pid; error_log $d/error.log warn; events { worker_connections 8192; }
    http { access_log off; keepalive_requests 1000000; client_body_temp_path $d/tmp/b; proxy_temp_path $d/tmp/p;
     fastcgi_temp_path $d/tmp/f; uwsgi_temp_path $d/tmp/u; scgi_temp_path $d/tmp/s;
     upstream b { server 127.0.0.1:23581; server 127.0.0.1:23582; keepalive 128; }
     server { listen 127.0.0.1:23591 backlog=4096; location / { proxy_pass http://b; proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }" >$d/nginx.conf
  taskset -c 1 nginx -c $d/nginx.conf -p $d >$d/out 2>&1 & PIDS+=($!)
}

# perf_per_request FILE REQUESTS: the counts of a `perf stat -x,` output FILE divided by REQUESTS, on one line
# ("ALL" is every system call, "cpu" the task clock in µs a request).
perf_per_request() {
  python3 - "$1" "$2" <<'PY'
import sys
f, n = sys.argv[1], float(sys.argv[2])
out = []
for l in open(f):
    p = l.strip().split(',')
    if len(p) < 3 or not p[0].replace('.', '').isdigit(): continue
    v = float(p[0]); ev = p[2].replace('syscalls:sys_enter_', '').replace('raw_syscalls:sys_enter', 'ALL')
    if ev == 'task-clock': out.append(f"cpu {v/n*1000:.2f}us"); continue
    if v > 0: out.append(f"{ev} {v/n:.3f}")
print('  '.join(out))
PY
}
