"""Password policy and hashing (argon2id through argon2-cffi).

Policy, after NIST SP 800-63B: at least 10 characters, at most 128, not a commonly used password, not
the e-mail address or a single repeated character; no composition rules (they make passwords harder
for people, not for attackers)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from accounts.domain import texts_de as texts

MIN_LENGTH = 10
MAX_LENGTH = 128

# The most common passwords of at least MIN_LENGTH characters (from public breach statistics), plus
# words a German user is likely to pick for this platform.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "0123456789",
        "12345678910",
        "1234567891",
        "qwertyuiop",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "qwertzuiop",
        "password12",
        "password123",
        "passwort12",
        "passwort123",
        "hallo12345",
        "hallo123456",
        "schatz1234",
        "iloveyou12",
        "abcdefghij",
        "abc1234567",
        "asdfghjkl1",
        "asdfghjkl",
        "0987654321",
        "1111111111",
        "passwort1!",
        "password1!",
        "dorfmarktplatz",
        "dorfmarktplatz1",
        "uckermark1",
        "uckermark123",
        "prenzlau123",
        "sommer2024",
        "sommer2025",
        "sommer2026",
        "winter2024",
        "winter2025",
        "winter2026",
        "fussball12",
        "fußball123",
        "geheim1234",
        "geheimnis1",
        "letmein123",
        "welcome123",
        "willkommen",
        "willkommen1",
        "willkommen123",
    }
)

# Moderate argon2id parameters: about 50 ms on a small server core; login is throttled anyway.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# A hash of nothing anyone knows: verified against when the e-mail is unknown, so that a login for an
# unknown address costs the same time as one for a known address (no enumeration through timing).
_DUMMY_HASH = _hasher.hash("dummy password that nobody has: no account here")


def policy_problems(password: str, *, email: str | None = None) -> list[str]:
    """Why a new password is refused (German, for the person), empty when it is fine."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(texts.PASSWORD_TOO_SHORT.format(min=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(texts.PASSWORD_TOO_LONG.format(max=MAX_LENGTH))
    lowered = password.casefold()
    if lowered in COMMON_PASSWORDS or len(set(password)) <= 2:
        problems.append(texts.PASSWORD_TOO_COMMON)
    if email and len(password) >= 1:
        local = email.split("@", 1)[0].casefold()
        if lowered == email.casefold() or (len(local) >= 4 and lowered == local):
            problems.append(texts.PASSWORD_IS_EMAIL)
    return problems


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, stored_hash: str | None) -> bool:
    """True when `password` matches; with no stored hash, the same work is done against a dummy."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
