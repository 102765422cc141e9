"""`make bench`: what the client costs per call, side by side with its alternatives, in one run.

All traffic stays on 127.0.0.1. Two servers, each in its own process so it does not
compete with the clients for the GIL:

- a fixed-response server: an asyncio Protocol answering every request with the spec's
  example 200 body over HTTP/1.1 keep-alive (tens of thousands of responses per second
  on one core, several times what any client here can ask for, so it is not the bottleneck);
- the project's emulator (`tmdb-auth emulator`), a realistic target: Starlette + uvicorn,
  JWTs, one-time request tokens (minted before each round, outside the timing).

Clients, interleaved round by round (A B C D E, A B C D E, ...):
(a) raw httpx.Client.post + JSON parse, (b) the generated create_an_access_token.sync,
(c) TMDBAuth.create_access_token, (d) requests.Session.post + JSON parse (how
tmdbsimple-style wrappers call), (e) a raw keep-alive socket doing the same HTTP/1.1
exchange (the floor). Plus async throughput, RSS growth, import time and regeneration
time. Prints a table with PASS/FAIL per target and writes bench/results.json.

    python scripts/bench.py            # the full run (make bench)
    python scripts/bench.py --smoke    # a few calls, only to prove it still runs (make test)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import requests

from tmdb_auth import AsyncTMDBAuth, TMDBAuth
from tmdb_v4_client import AuthenticatedClient
from tmdb_v4_client.api.auth import create_an_access_token
from tmdb_v4_client.models import CreateAnAccessTokenBody

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


@dataclass(frozen=True)
class Size:
    calls: int
    rounds: int
    async_calls: int
    memory_calls: int
    import_samples: int
    emulator_calls: int
    emulator_rounds: int


FULL = Size(
    calls=2000, rounds=5, async_calls=2000, memory_calls=20000, import_samples=10, emulator_calls=300, emulator_rounds=3
)
SMOKE = Size(
    calls=20, rounds=1, async_calls=40, memory_calls=200, import_samples=2, emulator_calls=5, emulator_rounds=1
)


def content_length(head: bytes) -> int:
    """The Content-Length of an HTTP/1.1 message head (0 when absent), for both raw peers below."""
    head = head.lower()
    at = head.find(b"content-length:")
    if at < 0:
        return 0
    line_end = head.find(b"\r\n", at)
    return int(head[at + 15 : line_end if line_end > 0 else None])


# --- the fixed-response server (run in its own process) ---------------------------------------


def serve_fixed(port_file: str) -> None:
    """Answer every request with BODY; write the port to port_file once listening."""
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
                self.transport.write(response)

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Fixed, "127.0.0.1", 0, backlog=512)
        Path(port_file).write_text(str(server.sockets[0].getsockname()[1]))
        await server.serve_forever()

    asyncio.run(main())


@contextmanager
def fixed_server() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as scratch:
        port_file = Path(scratch) / "port"
        process = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file)])
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


@contextmanager
def emulator_server() -> Iterator[str]:
    command = [str(Path(sys.executable).parent / "tmdb-auth"), "emulator", "--port", "0", "--read-token", READ_TOKEN]
    command.append("--auto-approve")  # mint_tokens approves with GET /auth/access, without the page
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        if "listening on" not in first:
            raise RuntimeError(f"the emulator did not start: {first!r}")
        yield first.rsplit(" ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- the five sync clients ------------------------------------------------------------------


class RawSocket:
    """The floor: one keep-alive socket, a prebuilt request, Content-Length framing, json.loads."""

    def __init__(self, base_url: str) -> None:
        url = httpx.URL(base_url)
        self.address = (url.host, url.port or 80)
        self.host = f"{url.host}:{url.port}"
        self._connect()

    def _connect(self) -> None:
        self.sock = socket.create_connection(self.address, timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def _receive(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:  # without this check a closed socket would spin forever
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def exchange(self, request_token: str) -> Any:
        body = json.dumps({"request_token": request_token}).encode()
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {READ_TOKEN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.sock.sendall(head + body)
        try:
            self._receive()
        except ConnectionError:
            # The server dropped the idle keep-alive connection (uvicorn does after 5 s), as
            # httpx and requests also handle: reconnect and send again, once.
            self._connect()
            self.sock.sendall(head + body)
            self._receive()
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        end = self.buffer.index(b"\r\n\r\n")
        length = content_length(self.buffer[:end])
        while len(self.buffer) < end + 4 + length:
            self._receive()
        payload = self.buffer[end + 4 : end + 4 + length]
        self.buffer = self.buffer[end + 4 + length :]
        return json.loads(payload)

    def close(self) -> None:
        self.sock.close()


Client = tuple[Callable[[str], Any], Callable[[], None]]


def make_clients(base_url: str) -> dict[str, Client]:
    """name -> (call(request_token), close)."""
    auth_header = {"Authorization": f"Bearer {READ_TOKEN}"}
    raw = httpx.Client(base_url=base_url, headers=auth_header, timeout=10)
    generated = AuthenticatedClient(base_url=base_url, token=READ_TOKEN)
    facade = TMDBAuth(READ_TOKEN, base_url=base_url)
    session = requests.Session()
    session.headers.update(auth_header)
    floor = RawSocket(base_url)
    url = base_url + PATH
    return {
        "(a) raw httpx": (lambda t: raw.post(PATH, json={"request_token": t}).json(), raw.close),
        "(b) generated client": (
            lambda t: create_an_access_token.sync(client=generated, body=CreateAnAccessTokenBody(request_token=t)),
            lambda: generated.get_httpx_client().close(),
        ),
        "(c) TMDBAuth facade": (facade.create_access_token, facade.close),
        "(d) requests.Session": (
            lambda t: session.post(url, json={"request_token": t}, timeout=10).json(),
            session.close,
        ),
        "(e) raw socket (floor)": (floor.exchange, floor.close),
    }


def mint_tokens(base_url: str, count: int) -> list[str]:
    """Approved request tokens from the emulator, over HTTP (outside the timing)."""
    tokens = []
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {READ_TOKEN}"}, timeout=10) as http:
        for _ in range(count):
            token = http.post("/4/auth/request_token", json={}).json()["request_token"]
            http.get("/auth/access", params={"request_token": token})
            tokens.append(token)
    return tokens


def sync_rounds(base_url: str, calls: int, rounds: int, fresh_tokens: bool) -> dict[str, list[float]]:
    """Microseconds per call, one figure per round per client, clients interleaved within each round."""
    clients = make_clients(base_url)
    per_call: dict[str, list[float]] = {name: [] for name in clients}
    try:
        for call, _ in clients.values():  # warm up connections and code paths
            for token in mint_tokens(base_url, 3) if fresh_tokens else [REQUEST_TOKEN] * 50:
                call(token)
        for _ in range(rounds):
            for name, (call, _) in clients.items():
                tokens = mint_tokens(base_url, calls) if fresh_tokens else [REQUEST_TOKEN] * calls
                gc.collect()
                started = time.perf_counter()
                for token in tokens:
                    call(token)
                per_call[name].append((time.perf_counter() - started) / calls * 1e6)
    finally:
        for _, close in clients.values():
            close()
    return per_call


def in_memory_rounds(calls: int, rounds: int) -> dict[str, list[float]]:
    """Per-call cost with an in-memory transport (no sockets): what each layer adds, without network noise."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=BODY, headers={"Content-Type": "application/json"})

    base_url = "https://api.themoviedb.org"
    raw = httpx.Client(base_url=base_url, transport=httpx.MockTransport(handler))
    generated = AuthenticatedClient(
        base_url=base_url, token=READ_TOKEN, httpx_args={"transport": httpx.MockTransport(handler)}
    )
    facade = TMDBAuth(READ_TOKEN, base_url=base_url, transport=httpx.MockTransport(handler))
    clients: dict[str, Callable[[str], Any]] = {
        "(a) raw httpx": lambda t: raw.post(PATH, json={"request_token": t}).json(),
        "(b) generated client": lambda t: create_an_access_token.sync(
            client=generated, body=CreateAnAccessTokenBody(request_token=t)
        ),
        "(c) TMDBAuth facade": facade.create_access_token,
    }
    per_call: dict[str, list[float]] = {name: [] for name in clients}
    for call in clients.values():
        for _ in range(100):
            call(REQUEST_TOKEN)
    for _ in range(rounds):
        for name, call in clients.items():
            gc.collect()
            started = time.perf_counter()
            for _ in range(calls):
                call(REQUEST_TOKEN)
            per_call[name].append((time.perf_counter() - started) / calls * 1e6)
    return per_call


# --- async throughput ------------------------------------------------------------------------


async def _throughput(call: Callable[[str], Any], calls: int, concurrency: int) -> float:
    queue = iter(range(calls))

    async def worker() -> None:
        for _ in queue:
            await call(REQUEST_TOKEN)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return calls / (time.perf_counter() - started)


async def async_rounds(base_url: str, calls: int, rounds: int, concurrency: int = 32) -> dict[str, list[float]]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    raw = httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {READ_TOKEN}"}, timeout=10, limits=limits
    )
    facade = AsyncTMDBAuth(READ_TOKEN, base_url=base_url, client_options={"limits": limits})

    async def raw_call(token: str) -> Any:
        return (await raw.post(PATH, json={"request_token": token})).json()

    results: dict[str, list[float]] = {"raw httpx.AsyncClient": [], "AsyncTMDBAuth": []}
    try:
        await _throughput(raw_call, concurrency * 4, concurrency)
        await _throughput(facade.create_access_token, concurrency * 4, concurrency)
        for _ in range(rounds):
            results["raw httpx.AsyncClient"].append(await _throughput(raw_call, calls, concurrency))
            results["AsyncTMDBAuth"].append(await _throughput(facade.create_access_token, calls, concurrency))
    finally:
        await raw.aclose()
        await facade.aclose()
    return results


# --- memory, import time, regeneration ------------------------------------------------------


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_growth(base_url: str, calls: int) -> tuple[int, int]:
    with TMDBAuth(READ_TOKEN, base_url=base_url) as auth:
        for _ in range(min(1000, calls)):
            auth.create_access_token(REQUEST_TOKEN)
        gc.collect()
        before = rss_bytes()
        for _ in range(calls):
            auth.create_access_token(REQUEST_TOKEN)
        gc.collect()
        after = rss_bytes()
    return before, after


def import_seconds(module: str, samples: int) -> list[float]:
    probe = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return [
        float(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout)
        for _ in range(samples)
    ]


def regeneration_seconds() -> float:
    """Wall time of what `make generate` runs, in a scratch copy (the working tree is not touched)."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "repo"
        for part in ("openapi", "generated", "scripts", "pyproject.toml"):
            source = ROOT / part
            if source.is_dir():
                shutil.copytree(source, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, copy / part)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "scripts.generate", "generate", "--root", str(copy)],
            cwd=copy,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started


# --- report ---------------------------------------------------------------------------------------


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def run(size: Size) -> dict[str, Any]:
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "httpx": httpx.__version__,
            "requests": requests.__version__,
        },
        "size": size.__dict__,
    }
    results["sync_in_memory_us"] = {name: spread(v) for name, v in in_memory_rounds(size.calls, size.rounds).items()}
    with fixed_server() as base_url:
        results["sync_fixed_us"] = {
            name: spread(v) for name, v in sync_rounds(base_url, size.calls, size.rounds, False).items()
        }
        results["async_fixed_per_s"] = {
            name: spread(v) for name, v in asyncio.run(async_rounds(base_url, size.async_calls, size.rounds)).items()
        }
        before, after = memory_growth(base_url, size.memory_calls)
        results["memory"] = {"calls": size.memory_calls, "rss_before": before, "rss_after": after}
    with emulator_server() as base_url:
        results["sync_emulator_us"] = {
            name: spread(v)
            for name, v in sync_rounds(base_url, size.emulator_calls, size.emulator_rounds, True).items()
        }
    results["import_s"] = {
        module: spread(import_seconds(module, size.import_samples)) for module in ("httpx", "tmdb_auth")
    }
    results["generate_s"] = regeneration_seconds()
    results["targets"] = targets(results)
    return results


def targets(r: dict[str, Any]) -> list[dict[str, Any]]:
    sync = r["sync_fixed_us"]
    raw, facade, peer = (sync[k]["median"] for k in ("(a) raw httpx", "(c) TMDBAuth facade", "(d) requests.Session"))
    throughput = r["async_fixed_per_s"]
    growth = (r["memory"]["rss_after"] - r["memory"]["rss_before"]) / 2**20
    imports = r["import_s"]
    import_ratio = imports["tmdb_auth"]["median"] / imports["httpx"]["median"]
    async_ratio = throughput["AsyncTMDBAuth"]["median"] / throughput["raw httpx.AsyncClient"]["median"]
    return [
        {
            "what": "sync facade / raw httpx per call",
            "value": facade / raw,
            "target": "<= 1.10",
            "ok": facade / raw <= 1.10,
        },
        {"what": "async throughput facade / raw", "value": async_ratio, "target": ">= 0.90", "ok": async_ratio >= 0.90},
        {"what": "facade / requests peer per call", "value": facade / peer, "target": "< 1.00", "ok": facade < peer},
        {
            "what": f"RSS growth over {r['memory']['calls']} calls (MiB)",
            "value": growth,
            "target": "< 5",
            "ok": growth < 5,
        },
        {
            "what": "import tmdb_auth / import httpx",
            "value": import_ratio,
            "target": "<= 1.5",
            "ok": import_ratio <= 1.5,
        },
        {"what": "make generate (s)", "value": r["generate_s"], "target": "< 10", "ok": r["generate_s"] < 10},
    ]


def print_report(r: dict[str, Any]) -> None:
    machine = r["machine"]
    print(
        f"machine: {machine['platform']}, {machine['cpus']} CPUs, Python {machine['python']}, httpx {machine['httpx']}"
    )
    for key, title in (
        ("sync_in_memory_us", "an in-memory transport (no network; what each layer adds)"),
        ("sync_fixed_us", "fixed-response server"),
        ("sync_emulator_us", "emulator"),
    ):
        table = r[key]
        raw = table["(a) raw httpx"]["median"]
        print(f"\nsync exchange vs {title}: us per call, median [min-max] over rounds; ratio to (a)")
        for name, s in table.items():
            print(f"  {name:<24} {s['median']:9.1f}  [{s['min']:.1f}-{s['max']:.1f}]  x{s['median'] / raw:.3f}")
    print("\nasync throughput vs fixed-response server, concurrency 32: exchanges/s, median [min-max]")
    for name, s in r["async_fixed_per_s"].items():
        print(f"  {name:<24} {s['median']:9.0f}  [{s['min']:.0f}-{s['max']:.0f}]")
    memory = r["memory"]
    print(
        f"\nRSS: {memory['rss_before'] / 2**20:.1f} MiB before, {memory['rss_after'] / 2**20:.1f} MiB after "
        f"{memory['calls']} facade calls"
    )
    print("import time, fresh processes, median [min-max]:")
    for name, s in r["import_s"].items():
        print(f"  import {name:<17} {s['median'] * 1000:7.1f} ms  [{s['min'] * 1000:.1f}-{s['max'] * 1000:.1f}]")
    print(f"make generate: {r['generate_s']:.2f} s\n\ntargets:")
    for target in r["targets"]:
        print(f"  {verdict(target['ok'])}  {target['what']:<44} {target['value']:8.3f}  (target {target['target']})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="a few calls only: proves the benchmark runs")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json", help="where to write results")
    parser.add_argument("--serve", metavar="PORT_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve_fixed(args.serve)
        return 0
    results = run(SMOKE if args.smoke else FULL)
    results["mode"] = "smoke" if args.smoke else "full"
    print_report(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
