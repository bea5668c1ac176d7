"""The SSRF guard: which addresses and URLs are refused, at registration (check_public_url) and for
every address a name resolves to."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pytest

from platformkit.outbound import UnsafeUrl, check_public_url, parse_networks
from platformkit.outbound.guard import refusal

REFUSED = [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.178.1", "169.254.169.254", "0.0.0.0",
    "100.64.0.1", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.2.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
    "64:ff9b::a00:1", "2002:7f00:1::1", "2001:db8::1",
]
PUBLIC = ["93.184.215.14", "1.1.1.1", "2a00:1450:4001:80b::200e", "::ffff:93.184.215.14"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def resolving_to(*addresses: str):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> Sequence[str]:
        return list(addresses)

    return resolve


async def test_a_public_https_url_is_accepted() -> None:
    url = "https://hooks.example.org:8443/in?x=1"
    assert await check_public_url(url, resolver=resolving_to("93.184.215.14")) == url


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://hooks.example.org/in", "url_scheme"),
        ("ftp://hooks.example.org/in", "url_scheme"),
        ("file:///etc/passwd", "url_scheme"),
        ("https://user:pw@hooks.example.org/", "url_credentials"),
        ("https:///nohost", "url_invalid"),
        ("https://hooks.example.org:99999/", "url_invalid"),
        ("https://hooks.example.org/ in", "url_invalid"),
        ("https://hooks.example.org/" + "a" * 2000, "url_too_long"),
        ("https://127.0.0.1/", "url_not_public"),
        ("https://[::1]/", "url_not_public"),
        ("https://169.254.169.254/latest/meta-data", "url_not_public"),
    ],
)
async def test_bad_urls_are_refused_with_a_stable_code(url: str, code: str) -> None:
    with pytest.raises(UnsafeUrl) as refused:
        await check_public_url(url, resolver=resolving_to("93.184.215.14"))
    assert refused.value.code == code


async def test_a_name_is_refused_when_any_of_its_addresses_is_not_public() -> None:
    with pytest.raises(UnsafeUrl) as refused:
        await check_public_url("https://mixed.example.org/", resolver=resolving_to("93.184.215.14", "10.0.0.5"))
    assert refused.value.code == "url_not_public" and "10.0.0.5 is private" in refused.value.reason


async def test_an_unresolvable_name_is_refused() -> None:
    async def fails(host: str, port: int) -> Sequence[str]:
        raise OSError("no such host")

    with pytest.raises(UnsafeUrl) as refused:
        await check_public_url("https://nowhere.example.org/", resolver=fails)
    assert refused.value.code == "url_unresolvable"


async def test_the_real_resolver_refuses_localhost() -> None:
    with pytest.raises(UnsafeUrl) as refused:
        await check_public_url("https://localhost/")
    assert refused.value.code == "url_not_public"


async def test_allowed_networks_admit_local_receivers_also_over_http() -> None:
    local = parse_networks(["127.0.0.0/8"])
    assert await check_public_url("http://127.0.0.1:8080/in", allowed_networks=local)
    with pytest.raises(UnsafeUrl):
        await check_public_url("http://10.0.0.1/in", allowed_networks=local)
