"""Python `h2` (python-hyper) as a second peer: a client that talks to our server.

usage: py_h2_client.py PORT
Runs a few exchanges (GET with a body of known size, POST echoed back, many concurrent
streams, PING) and prints `N passed, N failed`; exits 1 on any failure.
"""
import socket
import sys

import h2.config
import h2.connection
import h2.events


def exchange(port, requests, ping=False):
    """Sends `requests` [(method, path, body)], returns {stream_id: (status, body)}."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    streams = {}
    for method, path, body in requests:
        sid = conn.get_next_available_stream_id()
        headers = [(":method", method), (":scheme", "http"), (":authority", f"127.0.0.1:{port}"),
                   (":path", path)]
        if body:
            headers.append(("content-length", str(len(body))))
        conn.send_headers(sid, headers, end_stream=not body)
        if body:
            for i in range(0, len(body), 16384):
                chunk = body[i:i + 16384]
                conn.send_data(sid, chunk, end_stream=i + 16384 >= len(body))
        streams[sid] = [None, b"", False]
    if ping:
        conn.ping(b"pyh2ping")
    sock.sendall(conn.data_to_send())
    acked = not ping
    while not all(s[2] for s in streams.values()) or not acked:
        data = sock.recv(65536)
        if not data:
            break
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.ResponseReceived):
                streams[ev.stream_id][0] = dict(ev.headers)[b":status"]
            elif isinstance(ev, h2.events.DataReceived):
                streams[ev.stream_id][1] += ev.data
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                streams[ev.stream_id][2] = True
            elif isinstance(ev, h2.events.PingAckReceived):
                acked = ev.ping_data == b"pyh2ping"
            elif isinstance(ev, h2.events.StreamReset):
                streams[ev.stream_id][2] = True
        sock.sendall(conn.data_to_send())
    conn.close_connection()
    sock.sendall(conn.data_to_send())
    sock.close()
    return streams, acked


def main():
    port = int(sys.argv[1])
    passed = failed = 0

    def check(name, ok):
        nonlocal passed, failed
        print(("PASS " if ok else "FAIL ") + name, flush=True)
        passed += ok
        failed += not ok

    try:
        s, _ = exchange(port, [("GET", "/size/100000", b"")])
        st = list(s.values())[0]
        check("python-h2 GET 100000 bytes", st[0] == b"200" and len(st[1]) == 100000)
    except Exception as e:  # noqa: BLE001
        check(f"python-h2 GET ({e!r})", False)
    try:
        body = bytes(range(256)) * 234  # fits the initial 65 535-byte window
        s, _ = exchange(port, [("POST", "/echo", body)])
        st = list(s.values())[0]
        check("python-h2 POST echo 59904 bytes", st[0] == b"200" and st[1] == body)
    except Exception as e:  # noqa: BLE001
        check(f"python-h2 POST ({e!r})", False)
    try:
        s, acked = exchange(port, [("GET", f"/size/{i}", b"") for i in range(50)], ping=True)
        ok = all(v[0] == b"200" and len(v[1]) == i for i, v in zip(range(50), s.values()))
        check("python-h2 50 concurrent streams", ok)
        check("python-h2 PING acked", acked)
    except Exception as e:  # noqa: BLE001
        check(f"python-h2 concurrent ({e!r})", False)
    print(f"  [python-h2] {passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
