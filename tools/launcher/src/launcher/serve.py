"""One service as a process: `python -m launcher.serve accounts.main:service --port 8001`.

The target may also be an installed service's name (`python -m launcher.serve accounts`), as a container
image runs it; `--host 0.0.0.0` there, since other containers call it (the default is loopback only).

A `ServiceSpec` is not an ASGI app but a description of one, so uvicorn cannot import it directly:
this builds `spec.create_app()` (settings from the environment the launcher prepared) and serves it
(on 127.0.0.1 unless `--host` says otherwise). uvicorn stops gracefully on SIGTERM, which is also the
launcher's parent-death signal.

A service whose settings name a `metrics_port` (the gateway's METRICS_PORT) is served on that port too,
by the same server: the app tells the listeners apart by the socket a request arrived at, and answers
Prometheus' `/metrics` there only (the public port is what the Ingress reaches)."""

from __future__ import annotations

import argparse
import socket

import uvicorn

from launcher.discovery import discover, load_spec
from launcher.ports import HOST

KEEP_ALIVE_SECONDS = 75  # nginx's own default; above ingress-nginx's 60 s upstream keep-alive


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m launcher.serve", description=__doc__)
    parser.add_argument("target", help="module:attribute of the service's ServiceSpec, or its name")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default=HOST, help="the address to listen on (default %(default)s)")
    options = parser.parse_args(argv)
    if ":" in options.target:
        spec = load_spec(options.target)
    else:
        [service] = discover([options.target])
        spec = service.spec
    app = spec.create_app()
    # log_config=None: keep the JSON logging that create_app configured instead of uvicorn's own.
    # proxy_headers=False: uvicorn would otherwise take the client address from an X-Forwarded-For sent
    # from loopback (its default trusts 127.0.0.1), letting any local client claim any address; the
    # gateway and accounts read X-Forwarded-For themselves, as far as their settings trust it.
    # timeout_keep_alive: a request sent on a kept-alive connection just as the server closes it for being
    # idle is lost without an answer, so the server must keep idle connections longer than any client does:
    # our gateway's pool (4 s), httpx (5 s) and an ingress-nginx in front (60 s) drop theirs first. uvicorn's
    # own 5 s lost such a request in CI when a busy box delayed a client's next request by seconds.
    config = uvicorn.Config(app, host=options.host, port=options.port, log_config=None, timeout_graceful_shutdown=5,
                            proxy_headers=False, timeout_keep_alive=KEEP_ALIVE_SECONDS)
    metrics_port: int | None = getattr(app.state.settings, "metrics_port", None)
    if metrics_port is None:
        uvicorn.Server(config).run()
    else:
        uvicorn.Server(config).run(sockets=[listen(options.host, options.port), listen(options.host, metrics_port)])


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket as uvicorn binds its own (address reuse, inherited by no child)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


if __name__ == "__main__":
    main()
