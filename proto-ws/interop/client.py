"""Interop client (Python `websockets`, permessage-deflate on by default) against proto-ws's
echo server: sends text and binary messages of many sizes, a ping, checks every echo, closes.
usage: python client.py ws://127.0.0.1:PORT [N]   prints `python-websockets client: N passed, N failed`"""
import asyncio, sys
from websockets.asyncio.client import connect

async def main(url, n):
    ok = bad = 0
    async with connect(url, max_size=2**25, ping_interval=None) as ws:
        for i in range(n):
            size = (i * 997) % 70000
            text = "".join(chr(0x61 + j % 26) if j % 7 else "é" for j in range(size // 2))
            msg = text if i % 2 == 0 else text.encode()
            await ws.send(msg)
            got = await ws.recv()
            if got == msg:
                ok += 1
            else:
                bad += 1
        pong = await ws.ping(b"interop")
        await asyncio.wait_for(pong, 5)
        ok += 1
    if ws.close_code == 1000:
        ok += 1
    else:
        bad += 1
    print(f"python-websockets client: {ok} passed, {bad} failed")
    return bad

sys.exit(1 if asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20)) else 0)
