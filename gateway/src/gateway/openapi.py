"""The merged OpenAPI document at /api/openapi.json: each upstream's /openapi.json with its paths as the
public sees them (`/api/<service>/...`), its operations tagged with the service, and its components
renamed `<service>__<Name>` (every service has a `HTTPValidationError`; they must not overwrite each
other). The gateway's own public routes are added under the tag `gateway`.

Fetched lazily and kept for `refresh_seconds`; a service that does not answer keeps its last good copy
(or is listed under `x-unavailable`), so one slow service never breaks the document or the gateway."""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from gateway.proxy import Upstream

log = logging.getLogger("gateway.openapi")

FETCH_TIMEOUT_SECONDS = 3.0
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


class MergedOpenApi:
    def __init__(
        self,
        upstreams: Mapping[str, Upstream],
        http: httpx.AsyncClient,
        *,
        refresh_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._upstreams = dict(upstreams)
        self._http = http
        self.refresh_seconds = refresh_seconds
        self._clock = clock
        self._documents: dict[str, dict[str, Any]] = {}
        self._fetched_at = -float("inf")
        self._lock = asyncio.Lock()

    async def document(self, own: dict[str, Any]) -> dict[str, Any]:
        """The merged document; `own` is the gateway's own OpenAPI (its public routes)."""
        if self._clock() - self._fetched_at >= self.refresh_seconds:
            async with self._lock:
                if self._clock() - self._fetched_at >= self.refresh_seconds:
                    await self._refresh()
        return merge(self._documents, own, unavailable=sorted(set(self._upstreams) - set(self._documents)))

    async def _refresh(self) -> None:
        names = sorted(self._upstreams)
        results = await asyncio.gather(*(self._fetch(self._upstreams[name]) for name in names))
        for name, document in zip(names, results, strict=True):
            if document is not None:
                self._documents[name] = document
        self._fetched_at = self._clock()

    async def _fetch(self, upstream: Upstream) -> dict[str, Any] | None:
        try:
            response = await self._http.get(f"{upstream.base_url}/openapi.json", timeout=FETCH_TIMEOUT_SECONDS)
            document = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as error:
            log.info("OpenAPI of %s not fetched: %s", upstream.name, type(error).__name__)
            return None
        return document if isinstance(document, dict) and isinstance(document.get("paths"), dict) else None


def merge(documents: Mapping[str, dict[str, Any]], own: dict[str, Any], *, unavailable: list[str]) -> dict[str, Any]:
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Dorfmarktplatz API",
            "version": str(own.get("info", {}).get("version", "0.1.0")),
            "description": "All services of the Dorfmarktplatz, as published by the gateway under /api/<service>/.",
        },
        "paths": {},
        "components": {},
        "tags": [{"name": "gateway", "description": "The gateway: sign-in, live feed, operators' views."}],
    }
    if unavailable:
        merged["x-unavailable"] = unavailable
    _add(merged, "gateway", own, prefix="")
    for name in sorted(documents):
        info = documents[name].get("info", {})
        merged["tags"].append({"name": name, "description": str(info.get("description") or info.get("title") or name)})
        _add(merged, name, documents[name], prefix=f"/api/{name}")
    return merged


def _add(merged: dict[str, Any], service: str, document: dict[str, Any], *, prefix: str) -> None:
    document = _renamed_components(service, document) if prefix else document
    for path, item in document.get("paths", {}).items():
        if not isinstance(item, dict):
            continue
        item = copy.deepcopy(item)
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                operation["tags"] = [service]
                if prefix and "operationId" in operation:
                    operation["operationId"] = f"{service}-{operation['operationId']}"
        merged["paths"][f"{prefix}{path}"] = item
    for kind, entries in document.get("components", {}).items():
        if isinstance(entries, dict):
            merged["components"].setdefault(kind, {}).update(copy.deepcopy(entries))


def _renamed_components(service: str, document: dict[str, Any]) -> dict[str, Any]:
    """`#/components/<kind>/<Name>` -> `#/components/<kind>/<service>__<Name>`, keys and references."""
    components = document.get("components", {})
    renamed: dict[str, Any] = {}
    for kind, entries in components.items():
        renamed[kind] = {f"{service}__{name}": value for name, value in entries.items()} if isinstance(
            entries, dict) else entries

    def rewrite(value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, inner in value.items():
                if key == "$ref" and isinstance(inner, str) and inner.startswith("#/components/"):
                    _, _, kind, name = inner.split("/", 3)
                    out[key] = f"#/components/{kind}/{service}__{name}"
                else:
                    out[key] = rewrite(inner)
            return out
        if isinstance(value, list):
            return [rewrite(item) for item in value]
        return value

    result: dict[str, Any] = rewrite({"paths": document.get("paths", {}), "components": renamed})
    # Security requirements name schemes by key (not by $ref): rename those too.
    for item in result["paths"].values():
        for operation in item.values() if isinstance(item, dict) else ():
            if isinstance(operation, dict) and isinstance(operation.get("security"), list):
                operation["security"] = [
                    {f"{service}__{scheme}": scopes for scheme, scopes in requirement.items()}
                    for requirement in operation["security"] if isinstance(requirement, dict)
                ]
    return result
