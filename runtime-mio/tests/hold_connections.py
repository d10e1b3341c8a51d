"""Holds N keep-alive HTTP/1.1 connections to a server at once (the client side of
tests/reliability.rs's 10,000-connection test; it runs in a process of its own since one
process may not hold both sides' descriptors).

Usage: hold_connections.py HOST:PORT N

Raises its own soft RLIMIT_NOFILE to the hard limit, opens N connections, sends one request
on every one of them before reading any answer, reads the N answers, then prints
`open N` and waits for a line on stdin; then a second request on every connection, the N
answers, and `ok N`. Exits non-zero, saying why, on any failure (a refused or reset
connection, a wrong answer, the server closing a connection).
"""

import resource
import socket
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
BODY = b"Hello, World!"


def read_answer(s, i, rnd):
    got = b""
    while not got.endswith(BODY):
        b = s.recv(4096)
        if not b:
            sys.exit(f"connection {i}: closed by the server in round {rnd} after {got!r}")
        got += b
    if not got.startswith(b"HTTP/1.1 200 OK\r\n") or got.count(b"HTTP/1.1") != 1:
        sys.exit(f"connection {i}: round {rnd}: unexpected answer {got!r}")


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    n = int(sys.argv[2])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < n + 64:
        sys.exit(f"the hard limit on open files is {hard}: {n} connections need {n + 64}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    t0 = time.monotonic()
    conns = []
    for i in range(n):
        try:
            s = socket.create_connection((host, int(port)), timeout=60)
        except OSError as e:
            sys.exit(f"connection {i}: connect failed: {e}")
        conns.append(s)
    t_connect = time.monotonic() - t0
    for rnd in (1, 2):
        for i, s in enumerate(conns):
            try:
                s.sendall(REQUEST)
            except OSError as e:
                sys.exit(f"connection {i}: round {rnd}: send failed: {e}")
        for i, s in enumerate(conns):
            try:
                read_answer(s, i, rnd)
            except OSError as e:
                sys.exit(f"connection {i}: round {rnd}: read failed: {e}")
        if rnd == 1:
            print(f"open {n}", flush=True)
            # The test counts the server's descriptors meanwhile.
            sys.stdin.readline()
    print(f"ok {n} (connect {t_connect:.1f} s, total {time.monotonic() - t0:.1f} s)", flush=True)


main()
