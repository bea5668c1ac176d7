"""Pure rules: password policy and hashing, brute-force lockout, signing-key rotation, roles and
claims, secrets, and the login page's HTML."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accounts.domain import pages, passwords, roles, search, secrets, signing, throttle
from accounts.domain.roles import Grant

NOW = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # the night the clocks go forward in Germany


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Sonnenblume-am-See", True),
        ("kurz", False),
        ("1234567890", False),
        ("Willkommen123", False),
        ("zzzzzzzzzzzz", False),
        ("x" * 129, False),
        ("ein langer satz mit leerzeichen", True),
    ],
)
def test_password_policy(password: str, ok: bool) -> None:
    assert (passwords.policy_problems(password) == []) is ok


def test_password_may_not_be_the_address() -> None:
    assert passwords.policy_problems("erika.schulze@prenzlau.example", email="erika.schulze@prenzlau.example")
    assert passwords.policy_problems("erika.schulze", email="erika.schulze@prenzlau.example")


def test_argon2id_hash_and_verify() -> None:
    stored = passwords.hash_password("Sonnenblume-am-See")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password("Sonnenblume-am-See", stored)
    assert not passwords.verify_password("sonnenblume-am-see", stored)
    assert not passwords.verify_password("dummy password that nobody has: no account here", None)
    assert not passwords.verify_password("x", "not a hash")


def test_lockout_grows_exponentially_and_is_capped() -> None:
    rules = throttle.ThrottleRules(failures_before_lockout=5, lockout_base_seconds=2, lockout_max_seconds=900)
    assert [throttle.lockout_seconds(n, rules) for n in range(1, 10)] == [0, 0, 0, 0, 2, 4, 8, 16, 32]
    assert throttle.lockout_seconds(1000, rules) == 900


def test_address_budget_window() -> None:
    rules = throttle.ThrottleRules(address_failure_budget=3, address_window_seconds=600)
    assert throttle.address_blocked_until(2, NOW, NOW, rules) is None
    assert throttle.address_blocked_until(3, NOW, NOW + timedelta(seconds=10), rules) == NOW + timedelta(
        seconds=600
    )
    assert throttle.address_blocked_until(99, NOW, NOW + timedelta(seconds=600), rules) is None
    assert throttle.retry_after_seconds(NOW + timedelta(seconds=0.2), NOW) == 1


def test_signing_key_rotation_and_publication() -> None:
    lifetime = timedelta(minutes=10)
    old = signing.StoredKey("old", NOW - timedelta(days=30), "{}")
    new = signing.StoredKey("new", NOW, "{}")
    staged = signing.StoredKey("staged", NOW + timedelta(minutes=2), "{}")
    assert signing.signing_key([old], NOW) == old
    assert signing.signing_key([old, new], NOW) == new
    assert signing.signing_key([old, new, staged], NOW) == new  # staged keys are published, not used
    assert [k.kid for k in signing.published_keys([old, new, staged], NOW, lifetime)] == [
        "old",
        "new",
        "staged",
    ]
    later = NOW + lifetime + timedelta(seconds=1)
    assert [k.kid for k in signing.published_keys([old, new], later, lifetime)] == ["new"]
    assert signing.signing_key([staged], NOW) is None


def test_generated_key_publishes_only_public_parts() -> None:
    stored = signing.StoredKey("k1", NOW, signing.generate_private_jwk("k1", 2048))
    public = signing.public_jwk(stored)
    assert public["kid"] == "k1" and public["alg"] == "RS256" and public["use"] == "sig"
    assert "d" not in public and "p" not in public


@pytest.mark.parametrize(
    ("grant", "ok"),
    [
        (Grant("merchant", merchant_id="m1"), True),
        (Grant("merchant"), False),
        (Grant("org_coordinator", organisation_id="o1"), True),
        (Grant("driver", merchant_id="m1"), False),
        (Grant("operator", scopes="verifier alert-author"), True),
        (Grant("operator"), False),
        (Grant("operator", scopes="root"), False),
        (Grant("volunteer", scopes="admin"), False),
        (Grant("resident"), False),
        (Grant("king"), False),
    ],
)
def test_grants(grant: Grant, ok: bool) -> None:
    assert (roles.grant_problem(grant) is None) is ok


def test_person_claims_and_token_scope() -> None:
    claims = roles.person_claims(
        [
            Grant("merchant", merchant_id="m1"),
            Grant("operator", scopes="verifier"),
            Grant("merchant", merchant_id="m2"),
        ]
    )
    assert claims == {
        "merchant_id": "m2",
        "roles": ["merchant", "operator", "resident"],
        "staff_scopes": ["verifier"],
    }
    assert roles.token_scope(["openid", "email", "admin"], ["verifier"]) == "openid email verifier"
    assert roles.merchant_scope(None, "a b") == "a b"
    assert roles.merchant_scope("b", "a b") == "b"
    assert roles.merchant_scope("c", "a b") is None
    assert roles.has_staff_scope(["admin"], "people-desk") and not roles.has_staff_scope(
        ["verifier"], "people-desk"
    )


EVERYWHERE = ("accounts", "gateway", "marketplace", "mobility", "volunteers", "alerts")


@pytest.mark.parametrize(
    ("roles_", "scopes", "audience", "authority"),
    [
        ({"operator"}, {"people-desk"}, "marketplace", {"scope": "people-desk"}),
        ({"operator"}, {"admin"}, "alerts", {"scope": "people-desk"}),
        ({"operator"}, {"people-desk"}, "accounts", None),  # its staff routes serve the desk
        ({"operator"}, {"people-desk"}, "bank", None),  # not a platform service
        ({"operator"}, {"mobility-desk"}, "mobility", {"scope": "mobility-desk"}),
        ({"operator"}, {"mobility-desk"}, "marketplace", None),
        ({"operator"}, {"verifier", "alert-author"}, "alerts", None),
        ({"mobility-desk"}, {"mobility-desk"}, "mobility", None),  # a scope without the role
        ({"org_coordinator"}, set(), "volunteers", None),  # coordinators do not act for their helpers
        ({"resident", "driver"}, set(), "mobility", None),
    ],
)
def test_who_may_act_for_a_person_towards_which_service(
    roles_: set[str], scopes: set[str], audience: str, authority: dict[str, str] | None
) -> None:
    assert roles.acting_authority(roles=roles_, scopes=scopes, audience=audience, everywhere=EVERYWHERE) == authority


def test_secrets_are_random_and_hashed() -> None:
    key_id, secret, prefix = secrets.new_api_key()
    assert key_id.startswith("mk_") and secret.startswith(prefix) and len(secret) > 40
    assert secrets.secret_matches(secret, secrets.hash_secret(secret))
    assert not secrets.secret_matches(secret + "x", secrets.hash_secret(secret))
    assert secrets.email_key(" Erika@Prenzlau.example ") == secrets.email_key("erika@prenzlau.example")


def test_login_page_escapes_and_labels() -> None:
    html = pages.login_page(
        action="/authorize", oauth_fields={"state": '"><script>x</script>'}, email="<b>", error="Fehler"
    )
    assert "<script>" not in html and "&lt;b&gt;" in html
    assert '<label for="email">' in html and '<label for="password">' in html
    assert 'role="alert"' in html and 'lang="de"' in html


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("039862 4711", "398624711"),  # as the caller says it
        ("+49 (39862) 47-11", "49398624711"),
        ("4711", "4711"),
        ("471", None),  # too few digits to mean anyone
        ("Neumann", None),
        ("Haus 12", None),  # letters: a name (or an address), not a number
    ],
)
def test_desk_search_reads_phone_numbers_digit_by_digit(typed: str, digits: str | None) -> None:
    assert search.phone_digits(typed) == digits
