# shellcheck shell=bash
# Helpers shared by the system benchmarks (benches/system.sh, benches/client.sh); sourced, not
# run. The sourcing script sets BENCH_NAME (its name in messages) first.
#
#   die MSG...                     the message on stderr, exit 1
#   want WORD LIST...              whether WORD is one of LIST
#   wait_port PORT PID LOG         waits (10 s) until PORT listens; dies if PID exits first
#   port_taken PORT                whether something listens on 127.0.0.1:PORT
#   cpu_ticks PID                  "utime stime" of a live process, in clock ticks
#   nginx_conf DIR H1 H2C TLS CERT KEY NOFILE CONNS
#                                  writes DIR/nginx.conf: one worker answering GET / with the
#                                  13-byte "Hello, World!" (text/plain; charset=utf-8) on
#                                  HTTP/1.1 (port H1), h2c prior knowledge (H2C), TLS with ALPN
#                                  h2 and http/1.1 (TLS; CERT, KEY); keep-alive without a
#                                  request cap; NOFILE and CONNS for its limits
#   nginx_worker MPID              the pid of the nginx master MPID's worker (waits 5 s), or ""
#   AWK_MEDIAN                     an awk function median(list) of a space-separated list

die() {
  echo "${BENCH_NAME:-bench}: $*" >&2
  exit 1
}

want() { # word list...
  local w=$1
  shift
  case " $* " in *" $w "*) return 0 ;; esac
  return 1
}

wait_port() { # port pid log
  local _
  for _ in $(seq 100); do
    kill -0 "$2" 2>/dev/null || { tail -20 "$3" >&2; die "server exited at start (log: $3)"; }
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  tail -20 "$3" >&2
  die "server did not listen on port $1 within 10 s (log: $3)"
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# utime and stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat, counted
# after the parenthesised command name, which may hold spaces).
cpu_ticks() {
  local s
  s=$(<"/proc/$1/stat")
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo "${12} ${13}"
}

nginx_conf() { # dir h1-port h2c-port tls-port cert key nofile connections
  local dir=$1
  mkdir -p "$dir/logs" "$dir/tmp"
  cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
worker_rlimit_nofile $7;
events { worker_connections $8; }
http {
    access_log off;
    server_tokens off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path       $dir/tmp/proxy;
    fastcgi_temp_path     $dir/tmp/fcgi;
    uwsgi_temp_path       $dir/tmp/uwsgi;
    scgi_temp_path        $dir/tmp/scgi;
    default_type text/plain;
    charset utf-8;
    keepalive_requests 1000000000;
    keepalive_timeout 600s;
    server {
        listen 127.0.0.1:$2;
        listen 127.0.0.1:$3 http2;
        listen 127.0.0.1:$4 ssl http2;
        ssl_certificate     $5;
        ssl_certificate_key $6;
        ssl_protocols TLSv1.2 TLSv1.3;
        location = / { return 200 "Hello, World!"; }
    }
}
EOF
}

nginx_worker() { # master-pid
  local _ w=
  for _ in $(seq 50); do
    w=$(awk '{print $1}' "/proc/$1/task/$1/children" 2>/dev/null || true)
    [ -n "$w" ] && break
    sleep 0.1
  done
  echo "$w"
}

# shellcheck disable=SC2034
AWK_MEDIAN='
function median(list,   n, i, j, t, a) {
  n = split(list, a, " ")
  for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}'
