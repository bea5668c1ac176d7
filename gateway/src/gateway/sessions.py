"""Browser sessions and pending logins, kept server-side in NATS JetStream KV
(docs/adr/0002-gateway-state-across-replicas.md).

The browser holds only a random id (256 bits) in an HttpOnly cookie. The KV key is the id's SHA-256,
and the value is encrypted (AES-256-GCM) with a key derived from the id itself: whoever reads the KV
store, a backup or the NATS disk learns neither the cookie nor any token. Any replica can serve any
browser: no sticky sessions, no shared secret between replicas.

Token refresh is serialised per session across replicas: accounts rotates refresh tokens and revokes
the whole login when a used one comes back, so two replicas must never both present the same one. The
replica that wants to refresh first takes a short lease on the entry with compare-and-set on its KV
revision; the others wait for the entry to change and use the new access token.

When a person is erased, all their sessions must go at once (gateway/erasure.py). The bucket cannot be
scanned for them: only the cookie unseals a session. So each person has an index entry
`person.<sha256(person id)>` listing the KV keys (hashes, never the cookies) of their sessions, written
before the session itself and again whenever its tokens are refreshed (the index lives as long as the
sessions it lists). Ended sessions are not taken out of it one by one: each write of the index drops the
keys whose session is gone (not those just added: their session may be being written), and deleting a
gone key is harmless.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import os
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gateway.oidc import GrantRejected, IssuerUnavailable, OidcClient, TokenSet
from platformkit.auth import Principal
from platformkit.events import KeyValueBucket, RevisionConflict

log = logging.getLogger("gateway.sessions")

_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
LEASE_SECONDS = 15.0  # longer than a token request may take (OIDC_TIMEOUT_SECONDS, 10 s)
INDEX_GRACE_SECONDS = 60.0  # a session is written this soon after it is indexed


class SessionUnavailable(Exception):
    """The session cannot be used right now (NATS or the issuer is down): 503, the person stays signed in."""


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def is_session_id(value: str) -> bool:
    return bool(_SESSION_ID.match(value))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _key(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"dorf-gateway/" + purpose).derive(
        secret.encode("ascii")
    )


def _person_index_key(person_id: str) -> str:
    # Hashed: a subject may hold characters a KV key may not.
    return "person." + hashlib.sha256(person_id.encode()).hexdigest()


def seal(secret: str, purpose: bytes, data: bytes, associated: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_key(secret, purpose)).encrypt(nonce, data, associated)


def unseal(secret: str, purpose: bytes, sealed: bytes, associated: bytes) -> bytes | None:
    try:
        return AESGCM(_key(secret, purpose)).decrypt(sealed[:12], sealed[12:], associated)
    except (InvalidTag, ValueError):
        return None


@dataclass(frozen=True)
class SessionRecord:
    person_id: str
    name: str | None
    roles: tuple[str, ...]
    scopes: tuple[str, ...]
    csrf_token: str
    access_token: str
    access_expires_at: float
    refresh_token: str | None
    created_at: float
    # The replica refreshing the tokens right now, and until when (0: nobody).
    lease_owner: str = ""
    lease_until: float = 0.0

    def encode(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes) -> SessionRecord:
        values = json.loads(data)
        values["roles"] = tuple(values["roles"])
        values["scopes"] = tuple(values["scopes"])
        return cls(**values)

    def with_tokens(self, tokens: TokenSet, principal: Principal) -> SessionRecord:
        return replace(
            self,
            access_token=tokens.access_token,
            access_expires_at=tokens.expires_at,
            refresh_token=tokens.refresh_token or self.refresh_token,
            roles=tuple(sorted(principal.roles)),
            scopes=tuple(sorted(principal.scopes)),
            lease_owner="",
            lease_until=0.0,
        )


def new_record(tokens: TokenSet, principal: Principal, *, name: str | None, now: float) -> SessionRecord:
    return SessionRecord(
        person_id=principal.sub,
        name=name,
        roles=tuple(sorted(principal.roles)),
        scopes=tuple(sorted(principal.scopes)),
        csrf_token=new_secret(),
        access_token=tokens.access_token,
        access_expires_at=tokens.expires_at,
        refresh_token=tokens.refresh_token,
        created_at=now,
    )


class SessionStore:
    def __init__(
        self,
        bucket: KeyValueBucket,
        oidc: OidcClient,
        verify_access_token: Callable[[str], Awaitable[Principal]],
        *,
        refresh_margin: float,
        max_age: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bucket = bucket
        self.oidc = oidc
        self._verify = verify_access_token
        self.refresh_margin = refresh_margin
        self.max_age = max_age
        self._clock = clock
        self.replica = new_secret()[:12]
        self._locks: dict[str, asyncio.Lock] = {}
        # session id -> (subject, remembered until): lets the rate limiter key by person, per replica.
        self._subjects: OrderedDict[str, tuple[str, float]] = OrderedDict()

    # --- the rate limiter's view --------------------------------------------------------------------

    def subject_of(self, session_id: str) -> str | None:
        entry = self._subjects.get(session_id)
        if entry is None:
            return None
        if entry[1] < self._clock():
            self._subjects.pop(session_id, None)
            return None
        return entry[0]

    def _remember(self, session_id: str, record: SessionRecord) -> None:
        self._subjects[session_id] = (record.person_id, self._clock() + 300.0)
        self._subjects.move_to_end(session_id)
        if len(self._subjects) > 50_000:
            self._subjects.popitem(last=False)

    # --- storage ---------------------------------------------------------------------------------------

    async def create(self, record: SessionRecord) -> str:
        session_id = new_secret()
        key = _digest(session_id)
        # Indexed first: a session that exists is always findable by end_sessions_of.
        await self._index(record.person_id, key)
        await self.bucket.create(key, seal(session_id, b"session", record.encode(), key.encode()))
        self._remember(session_id, record)
        return session_id

    async def load(self, session_id: str) -> SessionRecord | None:
        """The session as stored (its access token may be due for refresh), or None."""
        loaded = await self._get(session_id)
        return loaded[0] if loaded is not None else None

    async def _get(self, session_id: str) -> tuple[SessionRecord, int] | None:
        if not is_session_id(session_id):
            return None
        key = _digest(session_id)
        entry = await self.bucket.get(key)
        if entry is None:
            self._subjects.pop(session_id, None)
            return None
        data = unseal(session_id, b"session", entry.value, key.encode())
        if data is None:
            return None
        record = SessionRecord.decode(data)
        if self._clock() > record.created_at + self.max_age:
            await self._drop(session_id, record)
            return None
        self._remember(session_id, record)
        return record, entry.revision

    async def _put(self, session_id: str, record: SessionRecord, revision: int) -> int:
        key = _digest(session_id)
        return await self.bucket.update(
            key, seal(session_id, b"session", record.encode(), key.encode()), revision=revision
        )

    async def delete(self, session_id: str) -> SessionRecord | None:
        """End the session; returns what it was (to revoke its refresh token), or None."""
        loaded = await self._get(session_id)
        self._subjects.pop(session_id, None)
        if not is_session_id(session_id):
            return None
        await self.bucket.delete(_digest(session_id))
        return loaded[0] if loaded is not None else None

    async def _drop(self, session_id: str, record: SessionRecord) -> None:
        self._subjects.pop(session_id, None)
        try:
            await self.bucket.delete(_digest(session_id))
        finally:
            if record.refresh_token:
                await self.oidc.revoke(record.refresh_token)

    # --- a person's sessions ------------------------------------------------------------------------------

    async def _index(self, person_id: str, key: str) -> None:
        """Add session `key` to the person's index (compare-and-set, so concurrent sign-ins of one person
        on several replicas all end up in it), dropping the keys of sessions that are gone."""
        index_key = _person_index_key(person_id)
        while True:
            now = self._clock()
            entry = await self.bucket.get(index_key)
            listed: dict[str, float] = json.loads(entry.value) if entry is not None else {}
            # A key added moments ago may belong to a session being created right now: kept until it had time.
            kept = {other: added for other, added in listed.items()
                    if other != key and (added > now - INDEX_GRACE_SECONDS or await self.bucket.get(other))}
            value = json.dumps({**kept, key: now}).encode()
            try:
                if entry is None:
                    await self.bucket.create(index_key, value)
                else:
                    await self.bucket.update(index_key, value, revision=entry.revision)
                return
            except RevisionConflict:
                continue

    async def end_sessions_of(self, person_id: str) -> int:
        """Delete every session of the person (at once, on every replica: they share the bucket) and their
        index; the number of sessions listed. Twice is harmless: the second time finds no index."""
        index_key = _person_index_key(person_id)
        while True:
            entry = await self.bucket.get(index_key)
            if entry is None:
                return 0
            listed: dict[str, float] = json.loads(entry.value)
            for key in listed:
                await self.bucket.delete(key)
            try:
                await self.bucket.delete(index_key, revision=entry.revision)
            except RevisionConflict:
                continue  # a session was added meanwhile: delete it too
            for session_id in [sid for sid, (subject, _) in self._subjects.items() if subject == person_id]:
                self._subjects.pop(session_id, None)
            return len(listed)

    # --- fresh access tokens -----------------------------------------------------------------------------

    async def fresh(self, session_id: str, *, forwarded_for: str) -> SessionRecord | None:
        """The session with an access token that is good for at least `refresh_margin` seconds, refreshing
        it if needed (once, across all replicas); None when the session is gone or its login was ended.
        Raises SessionUnavailable when NATS or the issuer cannot be reached and the token has expired."""
        lock = self._locks.get(session_id)
        if lock is None:
            lock = self._locks[session_id] = asyncio.Lock()
        try:
            async with lock:
                return await self._fresh(session_id, forwarded_for)
        finally:
            if not lock.locked() and self._locks.get(session_id) is lock:
                del self._locks[session_id]

    async def _fresh(self, session_id: str, forwarded_for: str) -> SessionRecord | None:
        deadline = self._clock() + LEASE_SECONDS + 5.0
        while True:
            loaded = await self._get(session_id)
            if loaded is None:
                return None
            record, revision = loaded
            now = self._clock()
            if record.access_expires_at - self.refresh_margin > now:
                return record
            if record.refresh_token is None:
                await self._drop(session_id, record)
                return None
            if record.lease_until > now and record.lease_owner != self.replica:
                # Another replica is refreshing: wait for its result instead of presenting the same token.
                if now > deadline:
                    raise SessionUnavailable("another replica holds the refresh lease")
                await asyncio.sleep(0.1)
                continue
            leased = replace(record, lease_owner=self.replica, lease_until=now + LEASE_SECONDS)
            try:
                revision = await self._put(session_id, leased, revision)
            except RevisionConflict:
                continue  # changed under us: look again
            return await self._refresh(session_id, leased, revision, forwarded_for)

    async def _refresh(
        self, session_id: str, record: SessionRecord, revision: int, forwarded_for: str
    ) -> SessionRecord | None:
        assert record.refresh_token is not None
        try:
            tokens = await self.oidc.refresh(record.refresh_token, forwarded_for=forwarded_for)
            principal = await self._verify(tokens.access_token)
        except GrantRejected as rejected:
            # Revoked, expired, or the login was ended elsewhere (log out everywhere, password reset).
            log.info("session ended: the issuer refused its refresh token (%s)", rejected)
            self._subjects.pop(session_id, None)
            await self.bucket.delete(_digest(session_id))
            return None
        except Exception as error:
            released = replace(record, lease_owner="", lease_until=0.0)
            try:
                await self._put(session_id, released, revision)
            except Exception as release_error:  # the lease expires by itself
                log.info("releasing a refresh lease: %s", type(release_error).__name__)
            if record.access_expires_at > self._clock():
                log.warning("token refresh failed (%s); the current token is still valid", type(error).__name__)
                return released
            if isinstance(error, IssuerUnavailable | SessionUnavailable):
                raise SessionUnavailable(str(error)) from None
            raise
        refreshed = record.with_tokens(tokens, principal)
        try:
            await self._put(session_id, refreshed, revision)
        except RevisionConflict:
            # Deleted (logged out, erased) while we refreshed: the new refresh token must not outlive it.
            if tokens.refresh_token:
                await self.oidc.revoke(tokens.refresh_token)
            return None
        self._remember(session_id, refreshed)
        try:
            # The session's idle time starts again: so must its index entry's.
            await self._index(refreshed.person_id, _digest(session_id))
        except Exception as error:  # the next refresh writes it again
            log.warning("renewing the session index: %s", type(error).__name__)
        return refreshed


@dataclass(frozen=True)
class PendingLogin:
    state: str
    nonce: str
    code_verifier: str
    next_path: str
    created_at: float

    def encode(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()


class LoginStore:
    """Logins between /auth/login and /auth/callback: keyed by the `state`'s hash, sealed with the
    browser's login cookie (so the callback must come from the browser that started it), single use."""

    def __init__(self, bucket: KeyValueBucket, *, clock: Callable[[], float] = time.time) -> None:
        self.bucket = bucket
        self._clock = clock

    async def begin(self, binding: str, *, next_path: str, code_verifier: str) -> PendingLogin:
        pending = PendingLogin(
            state=new_secret(), nonce=new_secret(), code_verifier=code_verifier, next_path=next_path,
            created_at=self._clock(),
        )
        key = _digest(pending.state)
        await self.bucket.create(key, seal(binding, b"login", pending.encode(), key.encode()))
        return pending

    async def finish(self, binding: str, state: str) -> PendingLogin | None:
        """The login started with `state` in this browser, consumed (a second callback finds nothing)."""
        if not state or len(state) > 200 or not binding or len(binding) > 200:
            return None
        key = _digest(state)
        entry = await self.bucket.get(key)
        if entry is None:
            return None
        data = unseal(binding, b"login", entry.value, key.encode())
        if data is None:
            return None  # another browser's login: leave it alone
        try:
            await self.bucket.delete(key, revision=entry.revision)
        except RevisionConflict:
            return None  # consumed by a concurrent callback
        pending = PendingLogin(**json.loads(data))
        if not secrets.compare_digest(pending.state, state):
            return None
        return pending


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
