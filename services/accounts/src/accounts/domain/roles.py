"""Roles, staff scopes and the claims a person's token carries (platformkit.auth's claims convention:
`roles` list, `scope` space-separated, `merchant_id` / `organisation_id` where bound)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from accounts.domain import texts_de as texts

RESIDENT = "resident"
MERCHANT = "merchant"
DRIVER = "driver"
VOLUNTEER = "volunteer"
ORG_COORDINATOR = "org_coordinator"
OPERATOR = "operator"

# `resident` is everyone's and implied; these can be granted.
GRANTABLE_ROLES = frozenset({MERCHANT, DRIVER, VOLUNTEER, ORG_COORDINATOR, OPERATOR})

# Staff scopes of an operator. `people-desk`: create phone-only people and act for them. `admin`:
# everything in accounts (roles, keys, clients, audit log, held mails) and implies people-desk here.
ADMIN = "admin"
PEOPLE_DESK = "people-desk"
OPERATOR_SCOPES = frozenset({"verifier", "mobility-desk", "alert-author", PEOPLE_DESK, ADMIN})

# OpenID Connect scopes a client may ask for.
OIDC_SCOPES = ("openid", "profile", "email", "phone")

# Scopes a merchant integration (API key or OAuth client) may hold.
MERCHANT_SCOPES = frozenset(
    {"products:read", "products:write", "orders:read", "orders:write", "stock:write", "webhooks:manage"}
)


@dataclass(frozen=True)
class Grant:
    role: str
    merchant_id: str | None = None
    organisation_id: str | None = None
    scopes: str = ""


def grant_problem(grant: Grant) -> str | None:
    """Why this grant cannot be made (German), None when it is fine."""
    if grant.role not in GRANTABLE_ROLES:
        return texts.ROLE_UNKNOWN
    if (grant.role == MERCHANT) != bool(grant.merchant_id):
        return texts.ROLE_NEEDS_MERCHANT if grant.role == MERCHANT else texts.ROLE_BINDING_NOT_ALLOWED
    if (grant.role == ORG_COORDINATOR) != bool(grant.organisation_id):
        return (
            texts.ROLE_NEEDS_ORGANISATION if grant.role == ORG_COORDINATOR else texts.ROLE_BINDING_NOT_ALLOWED
        )
    scopes = set(grant.scopes.split())
    if grant.role == OPERATOR:
        if not scopes or not scopes <= OPERATOR_SCOPES:
            return texts.ROLE_BAD_SCOPES
    elif scopes:
        return texts.ROLE_BAD_SCOPES
    return None


def person_claims(grants: Iterable[Grant]) -> dict[str, Any]:
    """`roles`, staff scopes and bindings from a person's active grants. The newest binding wins when
    a person holds the same bound role twice (grants are listed oldest first)."""
    roles = {RESIDENT}
    staff_scopes: set[str] = set()
    claims: dict[str, Any] = {}
    for grant in grants:
        roles.add(grant.role)
        if grant.role == OPERATOR:
            staff_scopes.update(grant.scopes.split())
        if grant.merchant_id:
            claims["merchant_id"] = grant.merchant_id
        if grant.organisation_id:
            claims["organisation_id"] = grant.organisation_id
    claims["roles"] = sorted(roles)
    claims["staff_scopes"] = sorted(staff_scopes)
    return claims


def token_scope(requested: Sequence[str], staff_scopes: Iterable[str]) -> str:
    """The `scope` of a person's access token: the OIDC scopes asked for plus the person's staff
    scopes (first-party clients only; services check staff scopes with require_scopes)."""
    scopes = [scope for scope in requested if scope in OIDC_SCOPES]
    scopes += [scope for scope in sorted(set(staff_scopes)) if scope not in scopes]
    return " ".join(scopes)


def merchant_scope(requested: str | None, allowed: str) -> str | None:
    """Client credentials: the requested scopes if all are allowed (None: refuse), else all allowed."""
    allowed_set = allowed.split()
    if not requested:
        return " ".join(allowed_set)
    wanted = requested.split()
    if not set(wanted) <= set(allowed_set):
        return None
    return " ".join(dict.fromkeys(wanted))


def has_staff_scope(scopes: Iterable[str], needed: str) -> bool:
    held = set(scopes)
    return needed in held or ADMIN in held


# --- service identity and acting on behalf (docs/architecture.md, "Service identity") -------------------

# Every platform service has a client (id = its name) with role `service`; these may ask for scopes.
SERVICE_ROLE = "service"
SERVICE_SCOPES: dict[str, frozenset[str]] = {"accounts": frozenset({"personal-data-export"})}
MOBILITY_DESK = "mobility-desk"


def acting_authority(
    *,
    roles: Iterable[str],
    scopes: Iterable[str],
    audience: str,
    everywhere: Iterable[str],
) -> dict[str, str] | None:
    """May this staff member act for a person towards `audience` (token exchange), and by what authority?
    Returns the `act` claim's authority part, or None (refused).

    - operator with `people-desk` (or `admin`): towards every service (`everywhere`) — phone-only people;
    - operator with `mobility-desk`: towards mobility only — booking rides for people who phone in;
    never towards accounts (its staff routes already serve the desk). Nobody else: an organisation's
    coordinators do not act for their helpers (no service would take such a token)."""
    held_roles, held_scopes = set(roles), set(scopes)
    if audience == "accounts" or audience not in set(everywhere):
        return None
    if OPERATOR in held_roles and has_staff_scope(held_scopes, PEOPLE_DESK):
        return {"scope": PEOPLE_DESK}
    if OPERATOR in held_roles and MOBILITY_DESK in held_scopes and audience == "mobility":
        return {"scope": MOBILITY_DESK}
    return None
