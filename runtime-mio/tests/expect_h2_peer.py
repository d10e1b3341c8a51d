"""Python `h2` as an h2c (prior knowledge) server for runtime-mio/tests/expect_continue.rs: a
peer we did not write, to check `Expect: 100-continue` and request trailers over HTTP/2.
Prints its port, then one line per request stream:
  /refuse   answers 413 at once (no 100), then counts the DATA bytes that still come and
            waits for the client's RST_STREAM: "refuse expect=E data=N reset=CODE"
  /continue sends a 100 (HEADERS without END_STREAM), reads the body, answers 200 with
            "len=N trailers=[...]" as the body and prints the same line.
  /silent   as /continue without the 100.
Serves connections one after another until killed."""
import socket, sys, time
import h2.config, h2.connection, h2.events

l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 0))
l.listen(8)
print(l.getsockname()[1], flush=True)

def serve(s):
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
    c.initiate_connection()
    s.sendall(c.data_to_send())
    streams = {}
    while True:
        try:
            data = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            return
        if not data:
            return
        for e in c.receive_data(data):
            if isinstance(e, h2.events.RequestReceived):
                h = dict(e.headers)
                st = streams[e.stream_id] = {"path": h[":path"], "expect": h.get("expect", "-"),
                                             "data": 0, "trailers": []}
                if st["path"] == "/refuse":
                    c.send_headers(e.stream_id, [(":status", "413"), ("content-length", "0")], end_stream=True)
                elif st["path"] == "/continue":
                    c.send_headers(e.stream_id, [(":status", "100")])
            elif isinstance(e, h2.events.DataReceived):
                st = streams.get(e.stream_id)
                if st is not None:
                    st["data"] += len(e.data)
                c.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
            elif isinstance(e, h2.events.TrailersReceived):
                streams[e.stream_id]["trailers"] = [list(t) for t in e.headers]
            elif isinstance(e, h2.events.StreamEnded):
                st = streams[e.stream_id]
                if st["path"] in ("/continue", "/silent"):
                    line = "len=%d trailers=%s" % (st["data"], st["trailers"])
                    print(st["path"][1:] + " " + line, flush=True)
                    body = line.encode()
                    c.send_headers(e.stream_id, [(":status", "200"), ("content-length", str(len(body)))])
                    c.send_data(e.stream_id, body, end_stream=True)
            elif isinstance(e, h2.events.StreamReset):
                st = streams.get(e.stream_id)
                if st is not None and st["path"] == "/refuse":
                    print("refuse expect=%s data=%d reset=%d" % (st["expect"], st["data"], e.error_code), flush=True)
        s.sendall(c.data_to_send())

while True:
    s, _ = l.accept()
    s.settimeout(30)
    try:
        serve(s)
    finally:
        s.close()
