"""Who the client is, by address: the TCP peer, or — behind trusted proxies — the address the nearest
of them put into X-Forwarded-For. The rate limiter, the browser's calls to services and the proxy agree
on it, so accounts' login throttling sees the same client the gateway limits."""

from __future__ import annotations

from starlette.types import Scope


def client_address(scope: Scope, trusted_hops: int) -> str:
    client = scope.get("client")
    peer: str = client[0] if client else "unknown"
    if trusted_hops <= 0:
        return peer
    forwarded = b""
    for name, value in scope["headers"]:
        if name == b"x-forwarded-for":
            forwarded = value if not forwarded else forwarded + b"," + value
    hops = [part.strip() for part in forwarded.decode("latin-1").split(",") if part.strip()]
    hops.append(peer)
    # The last `trusted_hops` entries are our own proxies (the peer among them); the one before is the
    # client as the outermost trusted proxy saw it. Anything further left is the client's own claim.
    return hops[-(trusted_hops + 1)] if len(hops) > trusted_hops else hops[0]


def forwarded_for(scope: Scope, trusted_hops: int) -> str:
    """The X-Forwarded-For to send upstream: the trusted chain plus the peer, or just the peer."""
    client = scope.get("client")
    peer: str = client[0] if client else "unknown"
    if trusted_hops <= 0:
        return peer
    for name, value in scope["headers"]:
        if name == b"x-forwarded-for":
            return f"{value.decode('latin-1')}, {peer}"
    return peer
