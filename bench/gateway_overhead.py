"""What the gateway costs: a small JSON GET direct to a service, through the gateway's proxy engine and
through nginx as a reverse proxy to the same service, measured in one run and reported as ratios.

    .venv/bin/python bench/gateway_overhead.py            # 3 interleaved repetitions (~4 min)
    .venv/bin/python bench/gateway_overhead.py --smoke    # tiny version, a few seconds
    .venv/bin/python bench/gateway_overhead.py --candidates own-uvicorn,httpx-uvicorn,aiohttp-uvicorn

Method (shared/research/reliability.md, section (d)): wrk with one thread, everything on the same box
and unpinned ("the platform on a 2-core box"); per repetition every target gets a warm-up, then
requests/s at 32 connections, p50/p99 at 1 connection and p50/p99 at a paced rate of 50 % of the direct
capacity measured earlier in the same run; the target order rotates between repetitions; medians over the
repetitions; ratios against the direct service of the same run. wrk2 is not in Debian, so the paced rate
comes from wrk's Lua `delay()` hook keeping a per-thread schedule: an open-loop-ish rate, but each
connection still waits for its answer (coordinated omission is not fully removed).

Gateway candidates are `<engine>-<server>`: engine `own` is gateway.proxy.ProxyApp (pooled HTTP/1.1 client
on asyncio + httptools); `httpx` and `aiohttp` are the same raw-ASGI proxy shape (routing, hop-by-hop
filtering, X-Forwarded-*, bodies streamed both ways, timeouts) on those clients; server `uvicorn`
(uvloop + httptools) or `granian`. Candidates whose packages are missing are skipped with a note.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ITEM_PATH = "/items/42?fields=all"
ENV_ENGINE = "GW_BENCH_ENGINE"
ENV_UPSTREAM = "GW_BENCH_UPSTREAM"

# wrk script: JSON summary on stdout, and an optional paced rate (requests/s per thread, from env WRK_RATE).
WRK_LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } wrk_timespec;
int clock_gettime(int clk_id, wrk_timespec *tp);
]]
local ts = ffi.new("wrk_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
local rate = tonumber(os.getenv("WRK_RATE") or "0")
local interval = rate > 0 and 1000 / rate or 0
local next_slot = nil
if rate > 0 then
  function delay()
    local t = now_ms()
    if next_slot == nil or next_slot < t - 50 then next_slot = t end
    next_slot = next_slot + interval
    local d = next_slot - t
    if d < 0 then return 0 end
    return math.floor(d + 0.5)
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nWRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "mean_us": %.1f, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


# ---------------------------------------------------------------------------------------------------
# The apps served by child processes (module-level factories, so uvicorn and granian can import them)
# ---------------------------------------------------------------------------------------------------


def make_upstream() -> Any:
    """The service: a plain FastAPI app with a pydantic response model, like a platformkit service route
    (without the database and auth wiring, so the bench is self-contained)."""
    from fastapi import FastAPI
    from pydantic import BaseModel

    class Item(BaseModel):
        id: int
        name: str
        price_cents: int
        place: str
        tags: list[str]

    app = FastAPI()

    @app.get("/items/{item_id}", response_model=Item)
    async def item(item_id: int, fields: str = "") -> Item:
        return Item(id=item_id, name="Bergkäse vom Hof Sommer", price_cents=450, place="Oberweiler",
                    tags=["regional", "bio", fields])

    return app


def make_proxy() -> Any:
    engine = os.environ.get(ENV_ENGINE, "own")
    upstream = os.environ[ENV_UPSTREAM]
    if engine == "own":
        from gateway.proxy import ProxyApp

        return ProxyApp.from_urls({"service": upstream})
    if engine == "ownmount":
        return _mounted_in_fastapi(upstream)
    if engine == "httpx":
        return _HttpxProxy(upstream)
    if engine == "aiohttp":
        return _AiohttpProxy(upstream)
    raise SystemExit(f"unknown engine {engine}")


def _mounted_in_fastapi(upstream: str) -> Any:
    """ProxyApp mounted under /api in a FastAPI app (the gateway's own routes beside it): what the
    routing and FastAPI's middleware stack add on top of the bare engine."""
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    from fastapi import FastAPI

    from gateway.proxy import ProxyApp

    proxy = ProxyApp.from_urls({"service": upstream})

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await proxy.start()
        yield
        await proxy.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/livez")
    async def livez() -> dict[str, str]:
        return {"status": "ok"}

    app.mount("/api", proxy)
    return app


class _CandidateBase:
    """What the candidates share with ProxyApp's hot path: routing, header filtering, X-Forwarded-*."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await self.start()
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await self.close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        raw_path: bytes = scope["raw_path"]
        if not raw_path.startswith(b"/api/service/"):
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        target = raw_path[len(b"/api/service"):]
        if scope["query_string"]:
            target += b"?" + scope["query_string"]
        headers = [(n, v) for n, v in scope["headers"] if n not in REQUEST_DROP]
        headers.append((b"x-forwarded-for", scope["client"][0].encode()))
        headers.append((b"x-forwarded-proto", scope["scheme"].encode()))
        has_body = any(n in (b"content-length", b"transfer-encoding") for n, _ in scope["headers"])

        async def body() -> Any:
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                more = message.get("more_body", False)
                yield message.get("body", b"")

        status, raw_headers, chunks, close = await self.exchange(
            scope["method"], target.decode("latin-1"), headers, body() if has_body else None
        )
        try:
            out = [(n.lower(), v) for n, v in raw_headers if n.lower() not in RESPONSE_DROP]
            await send({"type": "http.response.start", "status": status, "headers": out})
            async for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await close()

    async def start(self) -> None:  # pragma: no cover - overridden
        pass

    async def close(self) -> None:  # pragma: no cover - overridden
        pass

    async def exchange(self, method: str, target: str, headers: Any, body: Any) -> Any:
        raise NotImplementedError


# The same header sets as gateway.proxy (copied so that importing the candidates stays light).
HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"te", b"trailer", b"trailers", b"transfer-encoding", b"upgrade"}
)
REQUEST_DROP = HOP_BY_HOP | {
    b"host", b"expect", b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host"
}
RESPONSE_DROP = HOP_BY_HOP | {b"date", b"server"}


class _HttpxProxy(_CandidateBase):
    async def start(self) -> None:
        import httpx

        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        # limits go on the transport: with transport= given, httpx ignores the client's limits.
        self.client = httpx.AsyncClient(
            base_url=self.upstream, timeout=httpx.Timeout(10.0, connect=1.0),
            transport=httpx.AsyncHTTPTransport(retries=1, limits=limits),
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def exchange(self, method: str, target: str, headers: Any, body: Any) -> Any:
        request = self.client.build_request(method, target, headers=headers, content=body)
        response = await self.client.send(request, stream=True)
        return response.status_code, response.headers.raw, response.aiter_raw(), response.aclose


class _AiohttpProxy(_CandidateBase):
    async def start(self) -> None:
        import aiohttp

        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=100),
            timeout=aiohttp.ClientTimeout(sock_connect=1.0, sock_read=10.0),
            auto_decompress=False, skip_auto_headers=("User-Agent", "Accept-Encoding"),
        )

    async def close(self) -> None:
        await self.session.close()

    async def exchange(self, method: str, target: str, headers: Any, body: Any) -> Any:
        import multidict

        hdrs = multidict.CIMultiDict((n.decode("latin-1"), v.decode("latin-1")) for n, v in headers)
        response = await self.session.request(
            method, self.upstream + target, headers=hdrs, data=body, allow_redirects=False
        )

        async def release() -> None:
            response.release()

        return response.status, response.raw_headers, response.content.iter_any(), release


# ---------------------------------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing answers on port {port} after {timeout} s")


def python_server(
    kind: str, factory: str, port: int, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    """One worker, access log off, the same for every Python server."""
    if kind == "uvicorn":
        cmd = [sys.executable, "-m", "uvicorn", f"gateway_overhead:{factory}", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--loop", "uvloop",
               "--http", "httptools", "--no-access-log", "--log-level", "warning", "--no-proxy-headers",
               "--app-dir", str(HERE)]
    elif kind == "granian":
        granian = shutil.which("granian", path=str(Path(sys.executable).parent)) or "granian"
        cmd = [granian, "--interface", "asgi", "--factory", "--host", "127.0.0.1", "--port", str(port),
               "--workers", "1", "--loop", "uvloop", "--http", "1", "--no-ws", "--log-level", "warning",
               "--working-dir", str(HERE), f"gateway_overhead:{factory}"]
    else:
        raise ValueError(kind)
    full_env = {**os.environ, **env, "PYTHONPATH": str(HERE) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = log.open("ab")
    return subprocess.Popen(cmd, env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_ok(target: str, url: str, log: Path, timeout: float = 20.0) -> None:
    """Every path answers 200 before we measure anything (granian binds before its worker is ready)."""
    deadline = time.monotonic() + timeout
    error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own loopback URL
                if response.status == 200 and json.loads(response.read())["id"] == 42:
                    return
        except (OSError, ValueError, KeyError) as exc:
            error = exc
        time.sleep(0.2)
    raise RuntimeError(f"{target} does not answer 200 at {url}: {error}; see {log}")


def nginx_server(port: int, upstream_port: int, workdir: Path, log: Path) -> subprocess.Popen[bytes]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    conf = (HERE / "nginx.conf.template").read_text()
    # As root, nginx's workers would drop to "nobody" and could not write our temp dirs.
    user = "user root;" if os.geteuid() == 0 else ""
    for key, value in {"@@USER@@": user, "@@DIR@@": str(workdir), "@@PORT@@": str(port),
                       "@@UPSTREAM_PORT@@": str(upstream_port)}.items():
        conf = conf.replace(key, value)
    path = workdir / "nginx.conf"
    path.write_text(conf)
    out = log.open("ab")
    return subprocess.Popen(
        [nginx, "-p", str(workdir), "-c", str(path)], stdout=out, stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wrk(url: str, connections: int, seconds: int, script: Path, rate: float = 0.0) -> dict[str, Any]:
    env = {**os.environ, "WRK_RATE": f"{rate:.3f}"}
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script), url]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 30, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("WRKJSON "):
            data: dict[str, Any] = json.loads(line[len("WRKJSON "):])
            data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
            data["errors"] = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
            return data
    raise RuntimeError(f"wrk printed no summary: {out.stdout[-500:]} {out.stderr[-500:]}")


def cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) of every process in a process group (nginx has a master and a worker)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[2]) == pgid:
                total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measured(url: str, connections: int, seconds: int, script: Path, pgids: dict[str, int],
             rate: float = 0.0) -> dict[str, Any]:
    """A wrk run plus the CPU each server process spent per request during it (robust to a busy box)."""
    before = {name: cpu_seconds(pgid) for name, pgid in pgids.items()}
    result = wrk(url, connections, seconds, script, rate)
    for name, pgid in pgids.items():
        spent = cpu_seconds(pgid) - before[name]
        result[f"cpu_us_per_req_{name}"] = spent * 1e6 / max(result["requests"], 1)
    result["loadavg"] = os.getloadavg()[0]
    return result


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    packages = {}
    for name in ("fastapi", "starlette", "pydantic", "uvicorn", "uvloop", "httptools", "httpx", "httpcore",
                 "aiohttp", "granian"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            packages[name] = metadata.version(name)
    tools = {}
    for tool, args in (("wrk", ["wrk", "-v"]), ("nginx", ["nginx", "-v"])):
        with contextlib.suppress(OSError):
            res = subprocess.run(args, capture_output=True, text=True, check=False)
            text = (res.stdout + res.stderr).strip()
            tools[tool] = text.splitlines()[0] if text else ""
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
        "python": platform.python_version(), "packages": packages, "tools": tools,
        "loadavg_at_start": os.getloadavg(), "pinning": "none (wrk -t1, all processes unpinned)",
    }


def candidate_available(name: str) -> str | None:
    engine, _, server = name.partition("-")
    needs = {"httpx": "httpx", "aiohttp": "aiohttp", "own": "httptools", "ownmount": "fastapi"}.get(engine)
    if needs is None or server not in ("uvicorn", "granian"):
        return f"unknown candidate {name!r}"
    for module in (needs, server):
        try:
            metadata.version(module)
        except metadata.PackageNotFoundError:
            return f"{module} is not installed"
    return None


@contextlib.contextmanager
def servers(
    candidates: list[str], workdir: Path, real_gateway: bool
) -> Iterator[dict[str, tuple[str, dict[str, int]]]]:
    """Start the upstream, one process per gateway candidate, the real gateways (with a nats-server) and
    nginx. Yield {target: (url, {"upstream": pgid, "proxy": pgid})}."""
    log = workdir / "servers.log"
    procs: list[subprocess.Popen[bytes]] = []
    stack = contextlib.ExitStack()
    try:
        up_port = free_port()
        procs.append(python_server("uvicorn", "make_upstream", up_port, {}, log))
        wait_port(up_port, procs[-1])
        up = procs[-1].pid
        urls = {"direct": (f"http://127.0.0.1:{up_port}{ITEM_PATH}", {"upstream": up})}
        for name in candidates:
            engine, _, server = name.partition("-")
            port = free_port()
            env = {ENV_ENGINE: engine, ENV_UPSTREAM: f"http://127.0.0.1:{up_port}"}
            procs.append(python_server(server, "make_proxy", port, env, log))
            wait_port(port, procs[-1])
            urls[f"gateway:{name}"] = (
                f"http://127.0.0.1:{port}/api/service{ITEM_PATH}", {"upstream": up, "proxy": procs[-1].pid}
            )
        if real_gateway:
            nats = stack.enter_context(nats_server(workdir))
            for name, limits in REAL_GATEWAYS.items():
                port = free_port()
                env = gateway_environment(port, up_port, nats, limits)
                procs.append(real_gateway_server(port, env, log))
                wait_port(port, procs[-1], timeout=60)
                urls[name] = (
                    f"http://127.0.0.1:{port}/api/bench{ITEM_PATH}", {"upstream": up, "proxy": procs[-1].pid}
                )
        nginx_port = free_port()
        procs.append(nginx_server(nginx_port, up_port, workdir, log))
        wait_port(nginx_port, procs[-1])
        urls["nginx"] = (
            f"http://127.0.0.1:{nginx_port}/api/service{ITEM_PATH}", {"upstream": up, "proxy": procs[-1].pid}
        )
        for target, (url, _) in urls.items():
            wait_ok(target, url, log)
        yield urls
    finally:
        for proc in reversed(procs):
            stop(proc)
        stack.close()


# The real gateway (gateway.main:service, every layer), once per rate-limit setting. "gateway:real" is the
# one the gate is judged on: its per-address limit is set far above what wrk offers, so that the benchmark
# measures the limiter's allowed path and is never answered 429. The other two are measured only at a low
# rate that the default limit allows (LOW_RATE), to show what the limiter costs there.
REAL_GATEWAYS: dict[str, dict[str, str]] = {
    "gateway:real": {"RATE_LIMIT_ADDRESS_PER_SECOND": "1000000", "RATE_LIMIT_ADDRESS_BURST": "1000000"},
    "gateway:real-default-limits": {},
    "gateway:real-no-limiter": {"RATE_LIMIT_ENABLED": "false"},
}
LOW_RATE_ONLY = ("gateway:real-default-limits", "gateway:real-no-limiter")
LOW_RATE = 20.0  # requests/s: within the default address limit (30/s, burst 150)


@contextlib.contextmanager
def nats_server(workdir: Path) -> Iterator[str]:
    """The gateway keeps sessions and pending logins in NATS KV and declares the NOTIFY stream: a real
    nats-server (JetStream) for it, as `dorf up` gives it."""
    from platformkit.natsserver import NatsServer

    server = NatsServer(workdir / "nats")
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def gateway_environment(port: int, upstream_port: int, nats_url: str, limits: dict[str, str]) -> dict[str, str]:
    """Settings of the real gateway: the bench service as the upstream `bench` (/api/bench/...)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPSTREAM_") and not k.startswith("RATE_LIMIT")}
    env.update(
        SERVICE_NAME="gateway", ENVIRONMENT="production", PUBLIC_URL=f"http://127.0.0.1:{port}",
        OIDC_ISSUER=f"http://127.0.0.1:{upstream_port}/issuer",  # never asked: the GETs carry no token
        OIDC_AUDIENCE="gateway", OIDC_CLIENT_SECRET="bench-secret", NATS_URL=nats_url,
        DATABASE_URL="sqlite:///:memory:", UPSTREAM_BENCH_URL=f"http://127.0.0.1:{upstream_port}",
        PYTHONUNBUFFERED="1", **limits,
    )
    return env


def real_gateway_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Exactly as `dorf up` runs a service: launcher.serve (uvicorn.run, uvloop and httptools chosen
    automatically, proxy_headers=False, the service's JSON logging incl. its access log)."""
    cmd = [sys.executable, "-m", "launcher.serve", "gateway.main:service", "--port", str(port)]
    out = log.open("ab")
    return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    if shutil.which("wrk") is None or shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        raise SystemExit("wrk and nginx are needed: apt-get install wrk nginx")
    candidates, skipped = [], {}
    for name in args.candidates.split(","):
        reason = candidate_available(name)
        if reason:
            skipped[name] = reason
        else:
            candidates.append(name)
    reps, long_s, short_s = (1, 1, 1) if args.smoke else (args.reps, args.seconds, args.latency_seconds)
    workdir = Path(tempfile.mkdtemp(prefix="gw-bench-"))
    (workdir / "wrk.lua").write_text(WRK_LUA)
    script = workdir / "wrk.lua"
    raw: dict[str, list[dict[str, Any]]] = {}
    started = time.monotonic()
    with servers(candidates, workdir, args.real_gateway) as urls:
        targets = [t for t in urls if t not in LOW_RATE_ONLY]
        for rep in range(reps):
            order = targets[rep % len(targets):] + targets[:rep % len(targets)]  # rotate: no fixed position
            for target in order:
                url, pgids = urls[target]
                wrk(url, 32, 1, script)  # warm-up: pools filled, caches hot
                c32 = measured(url, 32, long_s, script, pgids)
                c1 = measured(url, 1, short_s, script, pgids)
                raw.setdefault(target, []).append({"rep": rep, "c32": c32, "c1": c1})
                print(f"  rep {rep + 1}/{reps} {target:24s} c32 {c32['rps']:8.0f} req/s  "
                      f"c1 p50 {c1['p50_us'] / 1000:6.2f} ms p99 {c1['p99_us'] / 1000:6.2f} ms", flush=True)
        # Paced latency at 50 % of the direct capacity measured above (same run, same box).
        direct_rps = statistics.median(r["c32"]["rps"] for r in raw["direct"])
        rate = direct_rps * 0.5
        for rep in range(reps):
            order = targets[rep % len(targets):] + targets[:rep % len(targets)]
            for target in order:
                url, pgids = urls[target]
                paced = measured(url, 16, long_s, script, pgids, rate=rate)
                raw[target][rep]["paced"] = paced
                print(f"  rep {rep + 1}/{reps} {target:24s} paced {rate:6.0f}/s got {paced['rps']:6.0f}/s "
                      f"p50 {paced['p50_us'] / 1000:6.2f} ms p99 {paced['p99_us'] / 1000:6.2f} ms",
                      flush=True)
        # The rate limiter at the default limits: every target at LOW_RATE (allowed), one connection.
        low: dict[str, list[dict[str, Any]]] = {}
        if args.real_gateway:
            low_targets = ["direct", "gateway:real", *LOW_RATE_ONLY]
            for rep in range(reps):
                order = low_targets[rep % len(low_targets):] + low_targets[:rep % len(low_targets)]
                for target in order:
                    url, pgids = urls[target]
                    res = measured(url, 1, short_s, script, pgids, rate=LOW_RATE)
                    low.setdefault(target, []).append(res)
                    print(f"  rep {rep + 1}/{reps} {target:28s} at {LOW_RATE:.0f}/s got {res['rps']:5.1f}/s "
                          f"p50 {res['p50_us'] / 1000:6.2f} ms p99 {res['p99_us'] / 1000:6.2f} ms "
                          f"errors {res['errors']} ({res['status']} non-2xx)", flush=True)
    shutil.rmtree(workdir, ignore_errors=True)
    summary = summarize(raw)
    low_summary = {
        target: {
            "rps": float(statistics.median(r["rps"] for r in runs)),
            "p50_ms": float(statistics.median(r["p50_us"] for r in runs)) / 1000,
            "p99_ms": float(statistics.median(r["p99_us"] for r in runs)) / 1000,
            "errors": sum(r["errors"] for r in runs),
            "cpu_us_per_req_proxy": float(statistics.median(r.get("cpu_us_per_req_proxy", 0.0) for r in runs)),
        }
        for target, runs in low.items()
    }
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "smoke": args.smoke, "reps": reps,
        "seconds": {"c32": long_s, "c1": short_s, "paced": long_s}, "paced_rate": rate,
        "machine": machine(), "skipped": skipped, "summary": summary, "raw": raw,
        "low_rate": LOW_RATE, "low_rate_summary": low_summary, "raw_low_rate": low,
        "elapsed_s": round(time.monotonic() - started, 1),
    }


def summarize(raw: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, float]]:
    def med(target: str, run: str, key: str) -> float:
        return float(statistics.median(r[run][key] for r in raw[target]))

    out: dict[str, dict[str, float]] = {}
    direct_rps = med("direct", "c32", "rps")
    for target in raw:
        row = {
            "rps_c32": med(target, "c32", "rps"),
            "rps_c32_min": min(r["c32"]["rps"] for r in raw[target]),
            "rps_c32_max": max(r["c32"]["rps"] for r in raw[target]),
            "p50_c1_ms": med(target, "c1", "p50_us") / 1000,
            "p99_c1_ms": med(target, "c1", "p99_us") / 1000,
            "p50_paced_ms": med(target, "paced", "p50_us") / 1000,
            "p99_paced_ms": med(target, "paced", "p99_us") / 1000,
            "paced_rps": med(target, "paced", "rps"),
            "errors": sum(r[k]["errors"] for r in raw[target] for k in ("c32", "c1", "paced")),
            "cpu_us_per_req_upstream": med(target, "c32", "cpu_us_per_req_upstream"),
            "cpu_us_per_req_proxy": med(target, "c32", "cpu_us_per_req_proxy") if target != "direct" else 0.0,
        }
        row["ratio_rps"] = row["rps_c32"] / direct_rps
        # Each repetition measures direct and this target minutes apart at most: the median of the
        # per-repetition ratios is steadier than the ratio of medians when the box is shared.
        row["ratio_rps_paired"] = float(statistics.median(
            r["c32"]["rps"] / d["c32"]["rps"] for r, d in zip(raw[target], raw["direct"], strict=True)
        ))
        row["added_p50_c1_ms"] = row["p50_c1_ms"] - med("direct", "c1", "p50_us") / 1000
        row["added_p50_paced_ms"] = row["p50_paced_ms"] - med("direct", "paced", "p50_us") / 1000
        row["added_p99_paced_ms"] = row["p99_paced_ms"] - med("direct", "paced", "p99_us") / 1000
        out[target] = row
    return out


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| target | req/s c=32 (min–max) | ÷ direct (paired) | p50 / p99 c=1 (ms) | +p50 c=1 | "
        f"p50 / p99 at {result['paced_rate']:.0f}/s (ms) | +p50 / +p99 paced | proxy CPU µs/req | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for target, r in result["summary"].items():
        lines.append(
            f"| {target} | {r['rps_c32']:,.0f} ({r['rps_c32_min']:,.0f}–{r['rps_c32_max']:,.0f}) | "
            f"{r['ratio_rps']:.2f} ({r['ratio_rps_paired']:.2f}) | "
            f"{r['p50_c1_ms']:.2f} / {r['p99_c1_ms']:.2f} | "
            f"{r['added_p50_c1_ms']:+.2f} | "
            f"{r['p50_paced_ms']:.2f} / {r['p99_paced_ms']:.2f} | "
            f"{r['added_p50_paced_ms']:+.2f} / {r['added_p99_paced_ms']:+.2f} | "
            f"{r['cpu_us_per_req_proxy']:.0f} | {r['errors']} |"
        )
    if result.get("low_rate_summary"):
        lines += [
            "",
            f"| target at {result['low_rate']:.0f}/s, c=1 | got req/s | p50 / p99 (ms) | proxy CPU µs/req | errors |",
            "|---|---|---|---|---|",
        ]
        for target, r in result["low_rate_summary"].items():
            lines.append(f"| {target} | {r['rps']:.1f} | {r['p50_ms']:.2f} / {r['p99_ms']:.2f} | "
                         f"{r['cpu_us_per_req_proxy']:.0f} | {r['errors']} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="one repetition of 1 s runs: checks the harness")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8, help="length of the c=32 and paced runs")
    parser.add_argument("--latency-seconds", type=int, default=5, help="length of the c=1 run")
    parser.add_argument("--candidates", default="own-uvicorn", help="comma-separated <engine>-<server>")
    parser.add_argument("--no-real-gateway", dest="real_gateway", action="store_false",
                        help="skip the real gateway (gateway.main:service with a nats-server)")
    parser.add_argument("--json", type=Path, help="write the full result (raw runs included) here")
    parser.add_argument("--gate", action="store_true",
                        help="exit 1 unless every gateway keeps >= 0.6x direct req/s and adds "
                        "< 2 ms p50 at c=1")
    args = parser.parse_args()
    result = run(args)
    print(json.dumps({"machine": result["machine"], "skipped": result["skipped"]}, indent=1))
    print(markdown(result))
    print("RESULT " + json.dumps(result["summary"]))
    json_path = args.json or (HERE / "results" / "raw" / f"gateway_overhead-{int(time.time())}.json")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=1))
    print(f"raw runs: {json_path}")
    if args.gate:
        bad = [t for t, r in result["summary"].items() if t.startswith("gateway:")
               and (r["ratio_rps"] < 0.6 or r["added_p50_c1_ms"] >= 2.0)]
        if bad:
            print(f"GATE FAILED for {', '.join(bad)}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
