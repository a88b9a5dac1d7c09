"""A small server that speaks the OpenAI chat-completions wire format, and fails on request.

For the failure cases only: a real server (llama.cpp's) cannot be told to answer 429 or to cut a
stream halfway. It serves `POST /<mode>/v1/chat/completions` on a loopback port, in a thread, with
HTTP/1.1 chunked Server-Sent Events (`data: {...}` chunks, then `data: [DONE]`), as OpenAI does.
The first path segment chooses the behaviour, so one server serves every case:

ok            the scripted reply, a few characters per chunk, with token log-probabilities
no-logprobs   400 when the request asks for logprobs (as some endpoints do), else like ok
slow          headers at once, then nothing for `stall_seconds`
trickle       one piece every 0.3 s, for up to `stall_seconds`
drip          one piece every `drip_seconds`: each read is well within the timeout, the whole is not
http500       HTTP 500 with an OpenAI-style error body
http429       HTTP 429 with Retry-After
http401       HTTP 401 whose message quotes the API key the request sent, as OpenAI's does
malformed     a chunk that is not JSON
cut           a few chunks, then the connection is dropped inside the chunked body
ended-early   a few chunks, then a clean end of body with neither finish_reason nor [DONE]
error-event   a chunk that carries {"error": ...} instead of a completion
garbage       the reply is punctuation noise
echo          the reply repeats the prompt's quoted source blocks
empty         a stream that finishes without any text
length        the scripted reply, finished by the token limit (finish_reason "length")
null-logprob  the scripted reply, its token log-probabilities null or a string
number-content  a chunk whose delta content is a number, then the scripted reply
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

STALL_SECONDS = 4.0


@dataclass
class Stub:
    reply: str = "I don't know."
    stall_seconds: float = STALL_SECONDS
    drip_seconds: float = 1.4
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def base_url(self, mode: str = "ok") -> str:
        return f"http://127.0.0.1:{self.port}/{mode}/v1"

    def start(self) -> Stub:
        stub = self

        class Handler(_Handler):
            owner = stub

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="openai-stub", daemon=True).start()
        return self

    def end_stalls(self) -> None:
        """End every stalled or trickling reply now, as if its `stall_seconds` had run out."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a connection the stub cut on purpose, or the client dropped: not news


def _chunk(
    content: Any, *, finish: str | None = None, logprobs: bool = False, logprob: Any = "scripted"
) -> dict[str, Any]:
    delta: dict[str, Any] = {} if content is None else {"content": content}
    choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": finish}
    if logprobs and content:
        value = -0.05 * (1 + len(str(content)) % 3) if logprob == "scripted" else logprob
        choice["logprobs"] = {"content": [{"token": str(content), "logprob": value, "bytes": None, "top_logprobs": []}]}
    return {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": "stub", "choices": [choice]}


def pieces(text: str, size: int = 7) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


class _Handler(BaseHTTPRequestHandler):
    owner: Stub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
        self.owner.requests.append(body)
        mode = self.path.strip("/").split("/")[0]
        wants_logprobs = bool(body.get("logprobs"))
        try:
            self._serve(mode, body, wants_logprobs)
        except OSError:
            pass  # the client gave up (a timeout test): nothing to do

    def _serve(self, mode: str, body: dict[str, Any], wants_logprobs: bool) -> None:
        stub = self.owner
        if mode == "http500":
            return self._json(500, {"error": {"message": "the model crashed", "type": "server_error"}})
        if mode == "http429":
            return self._json(429, {"error": {"message": "slow down", "type": "rate_limit"}}, {"Retry-After": "7"})
        if mode == "http401":
            key = self.headers.get("Authorization", "").removeprefix("Bearer ")
            message = f"Incorrect API key provided: {key}. You can find your API key at https://platform.openai.com/account/api-keys."
            return self._json(401, {"error": {"message": message, "type": "invalid_request_error", "code": "invalid_api_key"}})
        if mode == "no-logprobs" and wants_logprobs:
            return self._json(400, {"error": {"message": "logprobs is not supported", "type": "invalid_request"}})
        if mode == "ended-early":
            return self._ended_early(stub.reply)
        self._start_stream()
        if mode == "slow":
            stub._stop.wait(stub.stall_seconds)
            return self._end_stream()
        if mode == "malformed":
            self._event('{"id": "x", "choices": [{"delta": {"content": "Hel')
            return self._end_stream()
        if mode == "error-event":
            self._event(json.dumps({"error": {"message": "model overloaded", "type": "server_error"}}))
            return self._end_stream()
        text = {"garbage": "?? ... !! ## ;; -- ** ?? !!", "empty": "",
                "echo": 'Source [2]: Refund policy\n"""\nRefunds are possible.\n"""'}.get(mode, stub.reply)
        parts = pieces(text)
        if mode in ("trickle", "drip"):
            parts = parts * 100
        if mode == "number-content":
            self._event(json.dumps(_chunk(42)))
        for n, part in enumerate(parts):
            if mode == "cut" and n == 3:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)  # mid-body: no terminating chunk
                return
            if mode in ("trickle", "drip"):
                every = 0.3 if mode == "trickle" else stub.drip_seconds
                if stub._stop.wait(every) or n * every > stub.stall_seconds:
                    return self._end_stream()
            logprob = (None if n % 2 else "n/a") if mode == "null-logprob" else "scripted"
            self._event(json.dumps(_chunk(part, logprobs=wants_logprobs, logprob=logprob)))
        self._event(json.dumps(_chunk(None, finish="length" if mode == "length" else "stop")))
        self._event("[DONE]")
        self._end_stream()

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    def _event(self, data: str) -> None:
        payload = f"data: {data}\n\n".encode()
        self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        self.wfile.flush()

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _ended_early(self, text: str) -> None:
        """A body delimited by the connection's close: it ends cleanly, the reply does not."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        for part in pieces(text)[:3]:
            self.wfile.write(f"data: {json.dumps(_chunk(part))}\n\n".encode())
        self.wfile.flush()
        self.close_connection = True
