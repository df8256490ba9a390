"""A real webhook receiver for tests: an HTTP server on a free local port, in a thread, that answers each POST with
the next scripted status (then 200) and keeps what it got."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    answers: list[int] = field(default_factory=list)  # statuses still to answer, in order; then 200
    received: list[Received] = field(default_factory=list)


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", 0))
            receiver.received.append(Received(self.path, dict(self.headers.items()), self.rfile.read(length)))
            status = receiver.answers.pop(0) if receiver.answers else 200
            body = b"ok" if status < 300 else b"temporarily down"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/portal"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server
