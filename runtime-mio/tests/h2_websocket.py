"""Python `h2` as an RFC 8441 client against `wire serve` /ws (runtime-mio/tests/wire.rs runs it):
extended CONNECT with :protocol websocket, then masked WebSocket frames as DATA: a text and a
binary message echoed, the close handshake, the stream ended. Prints "ok". Argument: HOST:PORT."""
import socket, struct, sys
import h2.config, h2.connection, h2.events, h2.settings

addr = sys.argv[1]
host, port = addr.rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.settimeout(10)
c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
c.initiate_connection()
s.sendall(c.data_to_send())

def pump():
    data = s.recv(65536)
    assert data, "server closed"
    evs = c.receive_data(data)
    s.sendall(c.data_to_send())
    return evs

enabled = False
while not enabled:
    for e in pump():
        if isinstance(e, h2.events.RemoteSettingsChanged):
            v = e.changed_settings.get(h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL)
            enabled = enabled or (v is not None and v.new_value == 1)

sid = c.get_next_available_stream_id()
c.send_headers(sid, [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "http"),
                     (":path", "/ws"), (":authority", addr), ("sec-websocket-version", "13")])
s.sendall(c.data_to_send())

def frame(op, payload, mask=b"\x11\x22\x33\x44"):
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | op, 0x80 | n])
    elif n < 65536:
        head = bytes([0x80 | op, 0x80 | 126]) + struct.pack("!H", n)
    else:
        head = bytes([0x80 | op, 0x80 | 127]) + struct.pack("!Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

buf = b""
def frames():
    global buf
    out = []
    while len(buf) >= 2:
        op, n, pos = buf[0] & 0x0F, buf[1] & 0x7F, 2
        if n == 126:
            if len(buf) < 4: break
            n, pos = struct.unpack("!H", buf[2:4])[0], 4
        elif n == 127:
            if len(buf) < 10: break
            n, pos = struct.unpack("!Q", buf[2:10])[0], 10
        if len(buf) < pos + n: break
        out.append((op, buf[pos:pos + n]))
        buf = buf[pos + n:]
    return out

status, got, ended = None, [], False
def wait(count):
    global buf, status, ended
    while len(got) < count:
        for e in pump():
            if isinstance(e, h2.events.ResponseReceived):
                status = dict(e.headers)[":status"]
            elif isinstance(e, h2.events.DataReceived):
                buf += e.data
                c.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
                s.sendall(c.data_to_send())
                got.extend(frames())
            elif isinstance(e, (h2.events.StreamEnded, h2.events.StreamReset)):
                ended = True

binary = bytes(range(256)) * 100
for op, payload in [(1, b"hello over h2"), (2, binary)]:
    data = frame(op, payload)
    for i in range(0, len(data), 16384):
        c.send_data(sid, data[i:i + 16384])
    s.sendall(c.data_to_send())
c.send_data(sid, frame(8, struct.pack("!H", 1000) + b"bye"))
s.sendall(c.data_to_send())
wait(3)
assert status == "200", status
assert got[0] == (1, b"hello over h2"), got[0][:1]
assert got[1] == (2, binary), len(got[1][1])
assert got[2][0] == 8 and got[2][1][:2] == struct.pack("!H", 1000), got[2]
while not ended:
    for e in pump():
        if isinstance(e, (h2.events.StreamEnded, h2.events.StreamReset)):
            ended = True
print("ok")
