"""NATS JetStream key-value buckets over the service's one `Bus`: state that several replicas share
(the gateway's browser sessions and login attempts), with compare-and-set on revisions.

Errors are our own, so that callers never handle nats-py's: `RevisionConflict` (someone else wrote or
deleted the key since the revision given; `create` of an existing key), `KeyValueUnavailable` (NATS is
down or did not answer in time). The bucket is declared on first use after every (re)connect, so a
broker that lost its state gets it back; a changed `ttl` or replica count updates the bucket."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import nats.errors
import nats.js.errors
from nats.js import api
from nats.js.kv import KeyValue

from platformkit.events.bus import STREAM_NAME_IN_USE, Bus

__all__ = ["Entry", "KeyValueBucket", "KeyValueUnavailable", "RevisionConflict"]


class RevisionConflict(Exception):
    """The key changed (or appeared, or vanished) since the revision the caller knew."""


class KeyValueUnavailable(Exception):
    """NATS is not connected or did not answer in time; the caller decides (503, retry)."""


@dataclass(frozen=True, slots=True)
class Entry:
    value: bytes
    revision: int


_NATS_TROUBLE = (nats.errors.Error, asyncio.TimeoutError, TimeoutError, OSError)


class KeyValueBucket:
    """One bucket: `ttl` seconds after its last write an entry is gone (history 1, file storage)."""

    def __init__(self, bus: Bus, name: str, *, ttl: float, replicas: int = 1, timeout: float = 5.0) -> None:
        self.bus = bus
        self.name = name
        self.ttl = ttl
        self.replicas = replicas
        self.timeout = timeout
        self._kv: KeyValue | None = None
        self._declare_lock = asyncio.Lock()
        bus.on_connect(self._forget)

    def _forget(self) -> None:
        self._kv = None  # re-declared on next use: the server may have lost it

    async def get(self, key: str) -> Entry | None:
        kv = await self._store()
        try:
            entry = await asyncio.wait_for(kv.get(key), self.timeout)
        except nats.js.errors.KeyNotFoundError:
            return None
        except _NATS_TROUBLE as error:
            raise KeyValueUnavailable(f"{type(error).__name__}: {error}") from None
        if entry.value is None or entry.revision is None:
            return None
        return Entry(entry.value, entry.revision)

    async def create(self, key: str, value: bytes) -> int:
        kv = await self._store()
        try:
            return int(await asyncio.wait_for(kv.create(key, value), self.timeout))
        except nats.js.errors.KeyWrongLastSequenceError:
            raise RevisionConflict(key) from None
        except _NATS_TROUBLE as error:
            raise KeyValueUnavailable(f"{type(error).__name__}: {error}") from None

    async def update(self, key: str, value: bytes, *, revision: int) -> int:
        kv = await self._store()
        try:
            return int(await asyncio.wait_for(kv.update(key, value, last=revision), self.timeout))
        except nats.js.errors.KeyWrongLastSequenceError:
            raise RevisionConflict(key) from None
        except _NATS_TROUBLE as error:
            raise KeyValueUnavailable(f"{type(error).__name__}: {error}") from None

    async def delete(self, key: str, *, revision: int | None = None) -> None:
        """Delete `key` (only if still at `revision`, when given; else RevisionConflict)."""
        kv = await self._store()
        try:
            await asyncio.wait_for(kv.delete(key, last=revision), self.timeout)
        except nats.js.errors.KeyWrongLastSequenceError:
            raise RevisionConflict(key) from None
        except _NATS_TROUBLE as error:
            raise KeyValueUnavailable(f"{type(error).__name__}: {error}") from None

    async def _store(self) -> KeyValue:
        kv = self._kv
        if kv is not None and self.bus.connected:
            return kv
        if not self.bus.connected:
            raise KeyValueUnavailable("NATS is not connected")
        async with self._declare_lock:
            if self._kv is None:
                try:
                    self._kv = await asyncio.wait_for(self._declare(), self.timeout)
                except _NATS_TROUBLE as error:
                    raise KeyValueUnavailable(f"{type(error).__name__}: {error}") from None
            return self._kv

    async def _declare(self) -> KeyValue:
        js = self.bus.js
        config = api.KeyValueConfig(
            bucket=self.name, history=1, ttl=self.ttl, storage=api.StorageType.FILE, replicas=self.replicas
        )
        try:
            return await js.create_key_value(config)
        except nats.js.errors.BadRequestError as error:
            if error.err_code != STREAM_NAME_IN_USE:
                raise
        # The bucket exists with another configuration (e.g. a changed ttl or replica count): bring it to ours.
        info = await js.stream_info(f"KV_{self.name}")
        stream_config = info.config
        stream_config.max_age = self.ttl
        stream_config.num_replicas = self.replicas
        await js.update_stream(stream_config)
        return await js.key_value(self.name)
