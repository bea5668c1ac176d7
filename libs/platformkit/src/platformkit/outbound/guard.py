"""The SSRF guard: outgoing HTTP to addresses that users give us (webhook URLs, push endpoints) only ever
reaches the public internet.

Checked twice: when the URL is registered (`check_public_url`, so that the user hears at once), and at
send time (`resolve_public`), after DNS resolution, on every address the name resolves to — the request
then goes to the checked address itself (the name only travels as Host and TLS SNI), so a DNS answer that
changes in between (rebinding) cannot steer it elsewhere. Refused: private, loopback, link-local,
multicast, reserved, unspecified and shared (CGNAT) addresses, IPv4 inside IPv6 (mapped, NAT64, 6to4)
judged by the IPv4 address. Plain http is allowed only to explicitly allowed networks (tests, a local
demo receiver: OUTBOUND_ALLOWED_NETWORKS); everything else must be https."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# host, port -> the addresses the host resolves to
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

MAX_URL_LENGTH = 2000
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeUrl(ValueError):
    """The URL may not be called. `code` is stable (for problem+json), `reason` says why in English."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class PublicTarget:
    """A URL checked for sending: its parts and the public addresses its host resolved to."""

    url: SplitResult
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip())


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: IPAddress) -> str | None:
    """Why `address` is not a public internet address, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and (inner := _embedded_ipv4(address)) is not None:
        reason = refusal(inner)
        return f"{reason} (inside {address})" if reason else None
    for name, flagged in (
        ("loopback", address.is_loopback),
        ("private", address.is_private),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("unspecified", address.is_unspecified),
    ):
        if flagged:
            return f"{address} is {name}"
    if not address.is_global:  # e.g. 100.64.0.0/10 (shared address space)
        return f"{address} is not globally reachable"
    return None


def parse_url(url: str) -> SplitResult:
    """The URL's parts, if it is a plain absolute http(s) URL without credentials."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl("url_too_long", f"URLs are limited to {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise UnsafeUrl("url_invalid", "the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError as error:
        raise UnsafeUrl("url_invalid", f"not a URL: {error}") from None
    if parts.scheme not in ("https", "http"):
        raise UnsafeUrl("url_scheme", "only https URLs are allowed")
    if not parts.hostname:
        raise UnsafeUrl("url_invalid", "the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("url_credentials", "credentials in the URL are not allowed")
    return parts


async def system_resolver(host: str, port: int) -> Sequence[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def resolve_public(
    url: str,
    *,
    allowed_networks: Sequence[IPNetwork] = (),
    resolver: Resolver = system_resolver,
) -> PublicTarget:
    """Check `url` and resolve its host; raises UnsafeUrl unless every address is public (or inside
    `allowed_networks`), and, for plain http, inside `allowed_networks`."""
    parts = parse_url(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            resolved = await resolver(host, port)
        except (OSError, UnicodeError) as error:
            raise UnsafeUrl("url_unresolvable", f"{host} cannot be resolved ({type(error).__name__})") from None
        # Scope ids (fe80::1%eth0) are dropped: the address itself is judged.
        addresses = list(dict.fromkeys(ipaddress.ip_address(entry.split("%", 1)[0]) for entry in resolved))
        if not addresses:
            raise UnsafeUrl("url_unresolvable", f"{host} resolves to no address")
    for address in addresses:
        if any(address in network for network in allowed_networks):
            continue
        if parts.scheme != "https":
            raise UnsafeUrl("url_scheme", "only https URLs are allowed")
        reason = refusal(address)
        if reason is not None:
            raise UnsafeUrl("url_not_public", f"{host} is not a public address: {reason}")
    return PublicTarget(url=parts, host=host, port=port, addresses=tuple(addresses))


async def check_public_url(
    url: str,
    *,
    allowed_networks: Sequence[IPNetwork] = (),
    resolver: Resolver = system_resolver,
) -> str:
    """For services when a user registers a URL (a webhook endpoint): returns the URL if it may be
    called, else raises UnsafeUrl (answer 422 with `error.code` and the field). The check is repeated at
    every send, so a name that later resolves elsewhere is still refused."""
    await resolve_public(url, allowed_networks=allowed_networks, resolver=resolver)
    return url


def pinned_url(target: PublicTarget, address: IPAddress) -> str:
    """The URL with its host replaced by the checked address (the request must not resolve it again)."""
    host = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    path = target.url.path or "/"
    query = f"?{target.url.query}" if target.url.query else ""
    return f"{target.url.scheme}://{host}:{target.port}{path}{query}"


def host_header(target: PublicTarget) -> str:
    default = 443 if target.url.scheme == "https" else 80
    name = f"[{target.host}]" if ":" in target.host else target.host
    return name if target.port == default else f"{name}:{target.port}"
