"""A real HTTP server standing in for the receivers of outgoing messages (a webhook endpoint, a push
service, the SMS/voice gateway): it records every request and answers from a script."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from platformkit.db import Database
from platformkit.tables import platform_metadata


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class Receiver:
    """Answers POSTs with `script` in order (the last answer repeats); `requests` holds what came."""

    def __init__(self, *script: Answer) -> None:
        self.script = list(script) or [Answer(200)]
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self.url = ""

    def answer(self, request: Request) -> Answer:
        with self._lock:
            self.requests.append(request)
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]


@contextmanager
def serving(receiver: Receiver, host: str = "127.0.0.1") -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            answer = receiver.answer(
                Request(self.path, {key.lower(): value for key, value in self.headers.items()}, body)
            )
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    receiver.url = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


async def new_database(url: str) -> Database:
    db = Database(url, pool_size=5)
    await db.create_all(platform_metadata)
    return db
