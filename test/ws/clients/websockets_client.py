"""Echo and close-code checks against a weir WebSocket route with the `websockets` library (Debian's
python3-websockets; its asyncio client, which every version since 10 has). Prints one JSON object.

usage: python3 websockets_client.py PORT
"""
import asyncio
import json
import sys

import websockets

BOUND = 20  # seconds; a hang guard, not a speed claim


async def main(port: int) -> dict:
    base = f"ws://127.0.0.1:{port}"
    out: dict = {"version": websockets.__version__}
    async with websockets.connect(f"{base}/echo?id=py-websockets", max_size=None, ping_interval=None, open_timeout=BOUND, close_timeout=BOUND) as ws:
        out["extensions"] = ws.response_headers.get("sec-websocket-extensions")
        await ws.send("héllo ✓ 😀")
        out["text"] = await asyncio.wait_for(ws.recv(), BOUND)
        await ws.send(bytes(range(256)))
        out["binary"] = (await asyncio.wait_for(ws.recv(), BOUND)).hex()
        await ws.send("x" * 70000)
        out["big"] = len(await asyncio.wait_for(ws.recv(), BOUND))
        await ws.close(code=4001, reason="bye ✓")
        out["close"] = [ws.close_code, ws.close_reason]
    async with websockets.connect(f"{base}/deflate", ping_interval=None, open_timeout=BOUND, close_timeout=BOUND) as ws:
        out["deflate_extensions"] = ws.response_headers.get("sec-websocket-extensions")
        await ws.send("compressible " * 1000)
        out["deflate_echo"] = await asyncio.wait_for(ws.recv(), BOUND) == "compressible " * 1000
    async with websockets.connect(f"{base}/small", ping_interval=None, open_timeout=BOUND, close_timeout=BOUND) as ws:
        await ws.send("y" * 2000)
        try:
            await asyncio.wait_for(ws.recv(), BOUND)
            out["oversized"] = "answered"
        except websockets.ConnectionClosed as e:
            out["oversized"] = e.rcvd.code if e.rcvd else None
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1])))))
