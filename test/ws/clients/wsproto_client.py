"""Echo and close-code checks against a weir WebSocket route with `wsproto` (Debian's python3-wsproto), a
sans-I/O state machine driven here over a plain socket. Prints one JSON object.

usage: python3 wsproto_client.py PORT
"""
import json
import socket
import sys

from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import AcceptConnection, BytesMessage, CloseConnection, Ping, Request, TextMessage

BOUND = 20  # seconds; a hang guard, not a speed claim


class Session:
    def __init__(self, port: int, target: str):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=BOUND)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.pending: list = []
        self.send(Request(host=f"127.0.0.1:{port}", target=target))
        event = self.next_event()
        if not isinstance(event, AcceptConnection):
            raise RuntimeError(f"handshake refused: {event!r}")

    def send(self, event) -> None:
        self.sock.sendall(self.ws.send(event))

    def next_event(self):
        while not self.pending:
            data = self.sock.recv(65536)
            self.ws.receive_data(data or None)
            self.pending.extend(self.ws.events())
            if not data and not self.pending:
                raise RuntimeError("connection closed")
        return self.pending.pop(0)

    def message(self):
        """The next whole message (wsproto may hand it over in pieces); pings are answered."""
        parts = []
        while True:
            event = self.next_event()
            if isinstance(event, Ping):
                self.send(event.response())
            elif isinstance(event, (TextMessage, BytesMessage)):
                parts.append(event.data)
                if event.message_finished:
                    return "".join(parts) if isinstance(event, TextMessage) else b"".join(parts)
            else:
                return event

    def closed_with(self, event) -> list:
        """Answers the server's close (unless it answered ours) and waits for the server to end the TCP connection."""
        if not isinstance(event, CloseConnection):
            raise RuntimeError(f"expected a close, got {event!r}")
        if self.ws.state == ConnectionState.REMOTE_CLOSING:
            self.send(event.response())
        while self.sock.recv(65536):
            pass
        self.sock.close()
        return [event.code, event.reason]


def main(port: int) -> dict:
    out: dict = {}
    s = Session(port, "/echo?id=py-wsproto")
    s.send(TextMessage(data="héllo ✓ 😀"))
    out["text"] = s.message()
    s.send(BytesMessage(data=bytes(range(256))))
    out["binary"] = s.message().hex()
    s.send(TextMessage(data="x" * 70000))
    out["big"] = len(s.message())
    s.send(CloseConnection(code=4002, reason="bye ✓"))
    out["close"] = s.closed_with(s.message())
    s = Session(port, "/small")
    s.send(TextMessage(data="y" * 2000))
    out["oversized"] = s.closed_with(s.message())
    return out


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
