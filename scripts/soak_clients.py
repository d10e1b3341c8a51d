"""The Python part of scripts/soak.sh's load: WebSocket echo clients, SSE readers, and a churn
of misbehaving connections (malformed heads, resets in the middle of an upload or a download),
all against one `wire serve` for SECONDS seconds.

Usage: soak_clients.py HOST:PORT SECONDS

Every answer is checked: an echoed message that differs, an SSE stream with a missing or
out-of-order event, a malformed request answered with anything but its 4xx, fails. Prints one
line of counts and exits non-zero when something failed.
"""

import asyncio
import socket
import struct
import sys
import time

import websockets

HOST, PORT = sys.argv[1].rsplit(":", 1)
PORT = int(PORT)
END = time.monotonic() + float(sys.argv[2])
counts = {"ws_messages": 0, "sse_events": 0, "bad_requests": 0, "resets": 0}
failures = []


def fail(what):
    failures.append(what)
    print("soak client:", what, file=sys.stderr, flush=True)


async def ws_client(k):
    """Connect, 50 messages (text and 8 KiB binary) echoed, close; again until the end."""
    blob = bytes(range(256)) * 32
    while time.monotonic() < END:
        try:
            async with websockets.connect(f"ws://{HOST}:{PORT}/ws", compression="deflate") as ws:
                for i in range(50):
                    msg = f"client {k} message {i}" if i % 2 else blob + bytes([i])
                    await ws.send(msg)
                    got = await asyncio.wait_for(ws.recv(), 10)
                    if got != msg:
                        fail(f"ws {k}: echo differs at {i}")
                        return
                    counts["ws_messages"] += 1
        except Exception as e:  # noqa: BLE001 - every failure is reported
            fail(f"ws {k}: {e!r}")
            return


async def sse_reader(k):
    """GET /sse?count=50&interval_ms=20, read the 50 events in order; half of the streams
    resume from the middle with Last-Event-ID."""
    n = 0
    while time.monotonic() < END:
        n += 1
        after = 25 if n % 2 == 0 else 0
        try:
            r, w = await asyncio.open_connection(HOST, PORT)
            extra = f"Last-Event-ID: {after}\r\n" if after else ""
            w.write(
                f"GET /sse?count=50&interval_ms=20 HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n".encode()
            )
            data = await asyncio.wait_for(r.read(), 20)
            w.close()
            ids = [int(line[4:]) for line in data.decode().split("\n") if line.startswith("id: ")]
            if ids != list(range(after + 1, 51)):
                fail(f"sse {k}: ids {ids[:5]}... ({len(ids)})")
                return
            counts["sse_events"] += len(ids)
        except Exception as e:  # noqa: BLE001
            fail(f"sse {k}: {e!r}")
            return


BAD = [
    (b"GET / HTTP/1.1\r\n\r\n", b"HTTP/1.1 400 "),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"HTTP/1.1 414 "),
    (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 101 + b"\r\n", b"HTTP/1.1 431 "),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", b"HTTP/1.1 501 "),
    (b"GET / HTTP/1.2\r\nHost: x\r\n\r\n", b"HTTP/1.1 505 "),
    (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", b"HTTP/1.1 400 "),
]


def rst(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def churn_once(i):
    """One misbehaving connection (blocking; run in a thread)."""
    s = socket.create_connection((HOST, PORT), timeout=10)
    kind = i % 4
    if kind < 2:
        req, want = BAD[(i // 4) % len(BAD)]
        s.sendall(req)
        got = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
        s.close()
        if not got.startswith(want):
            fail(f"bad request {i}: want {want!r}, got {got[:60]!r}")
        counts["bad_requests"] += 1
    elif kind == 2:
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + b"u" * 200_000)
        rst(s)
        counts["resets"] += 1
    else:
        s.sendall(b"GET /bytes/50000000 HTTP/1.1\r\nHost: x\r\n\r\n")
        s.recv(65536)
        rst(s)
        counts["resets"] += 1


async def churn():
    i = 0
    while time.monotonic() < END:
        try:
            await asyncio.to_thread(churn_once, i)
        except Exception as e:  # noqa: BLE001
            fail(f"churn {i}: {e!r}")
            return
        i += 1
        await asyncio.sleep(0.02)


async def main():
    await asyncio.gather(
        *[ws_client(k) for k in range(4)],
        *[sse_reader(k) for k in range(4)],
        churn(),
    )


asyncio.run(main())
print(" ".join(f"{k}={v}" for k, v in counts.items()), flush=True)
sys.exit(1 if failures else 0)
