"""The server the benchmark talks to, in its own process so it does not compete for the GIL:
an asyncio Protocol answering every request with the spec's example 200 body over HTTP/1.1
keep-alive (tens of thousands of responses per second on one core, several times what any
client here asks for); optionally each answer waits ``delay`` seconds first.

    python -m bench.servers PORT_FILE [DELAY]   # the fixed-response server; writes its port to PORT_FILE
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ_TOKEN = "bench-read-token"  # noqa: S105 (a test value)
REQUEST_TOKEN = "bench-request-token"  # noqa: S105 (a test value)
PATH = "/4/auth/access_token"
BODY = json.dumps(
    {
        "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCIsInNjb3BlcyI6WyJhcGlfcmVhZCJdfQ.c2lnbmF0dXJl",
        "account_id": "676a950bf68dehye3u9120",
        "status_code": 1,
        "status_message": "Success.",
        "success": True,
    }
).encode()


def content_length(head: bytes) -> int:
    """The Content-Length of an HTTP/1.1 message head (0 when absent)."""
    head = head.lower()
    at = head.find(b"content-length:")
    if at < 0:
        return 0
    line_end = head.find(b"\r\n", at)
    return int(head[at + 15 : line_end if line_end > 0 else None])


def serve_fixed(port_file: str, delay: float = 0.0) -> None:
    """Answer every request with BODY (after `delay` seconds); write the port to port_file once listening."""
    response = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(BODY)).encode()
        + b"\r\n\r\n"
        + BODY
    )

    class Fixed(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            self.transport = transport
            self.buffer = b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while True:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                length = content_length(self.buffer[:end])
                if len(self.buffer) < end + 4 + length:
                    return
                self.buffer = self.buffer[end + 4 + length :]
                if delay:  # call_later keeps the order of equal delays: pipelined answers stay in order
                    asyncio.get_running_loop().call_later(delay, self.transport.write, response)
                else:
                    self.transport.write(response)

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Fixed, "127.0.0.1", 0, backlog=1024)
        Path(port_file).write_text(str(server.sockets[0].getsockname()[1]))
        await server.serve_forever()

    asyncio.run(main())


@contextmanager
def fixed_server(delay: float = 0.0) -> Iterator[str]:
    """The fixed-response server's base URL while it runs."""
    with tempfile.TemporaryDirectory() as scratch:
        port_file = Path(scratch) / "port"
        command = [sys.executable, "-m", "bench.servers", str(port_file), str(delay)]
        process = subprocess.Popen(command, cwd=ROOT)
        try:
            deadline = time.monotonic() + 20
            while not port_file.exists() or not port_file.read_text():
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the fixed-response server did not start")
                time.sleep(0.02)
            yield f"http://127.0.0.1:{port_file.read_text()}"
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    serve_fixed(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
