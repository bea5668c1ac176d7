"""How a notification reaches a person besides the live feed: the channels a person may choose, the
defaults, and the messages one notification becomes (pure; accounts.crud.channels sends them).

- push: Web Push to each browser the person subscribed (needs a subscription);
- mail: to the person's verified e-mail address;
- sms, voice: to the person's phone number (as E.164) — for phone-only people, whom staff set up.

Defaults (no choice stored): push for people with an e-mail address (it needs their browser's consent
anyway), sms for phone-only people with a number."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from platformkit.events import Notification

Choice = Literal["push", "mail", "sms", "voice"]
CHOICES: tuple[Choice, ...] = ("push", "mail", "sms", "voice")
# The outbound channel each choice sends on.
OUTBOUND_CHANNEL: dict[str, Literal["webpush", "mail", "sms", "voice"]] = {
    "push": "webpush", "mail": "mail", "sms": "sms", "voice": "voice",
}
SMS_LIMIT = 320  # two SMS segments


@dataclass(frozen=True)
class Reachability:
    """What accounts knows of how to reach a person."""

    active: bool
    email: str | None
    email_verified: bool
    phone: str | None

    @property
    def phone_only(self) -> bool:
        return self.email is None and self.phone is not None


def available(person: Reachability) -> list[Choice]:
    """The channels this person can choose."""
    choices: list[Choice] = []
    if person.email is not None:
        choices += ["push", "mail"]
    if person.phone and phone_number(person.phone):
        choices += ["sms", "voice"]
    return choices


def defaults(person: Reachability) -> list[Choice]:
    if person.phone_only:
        return ["sms"]
    return ["push"] if person.email is not None else []


def parse(stored: str | None, person: Reachability) -> list[Choice]:
    """The stored choice (space-separated), or the defaults; only what is available now counts."""
    chosen = defaults(person) if stored is None else stored.split()
    offered = available(person)
    return [choice for choice in CHOICES if choice in chosen and choice in offered]


def unavailable(chosen: Iterable[str], person: Reachability) -> list[str]:
    """The choices this person cannot make (unknown, or no address for them)."""
    offered = available(person)
    return [choice for choice in chosen if choice not in offered]


@dataclass(frozen=True)
class Planned:
    """One outgoing message for one notification."""

    channel: Literal["webpush", "mail", "sms", "voice"]
    target: str
    payload: dict[str, Any]
    dedupe_key: str
    params: dict[str, Any]
    reference: str | None = None


def phone_number(entered: str, country_code: str = "49") -> str | None:
    """The number as SMS gateways take it (E.164: +49...), from what people write ("03984 12345",
    "0049 3984/12345", "+49 (3984) 12345"); None when it is no phone number."""
    digits = "".join(ch for ch in entered if ch.isdigit() or ch == "+")
    if digits.startswith("+"):
        national = digits[1:]
    elif digits.startswith("00"):
        national = digits[2:]
    elif digits.startswith("0"):
        national = country_code + digits[1:]
    else:
        return None
    if "+" in national or not 8 <= len(national) <= 15:
        return None
    return "+" + national


def absolute(link: str | None, origin: str) -> str | None:
    if link is None:
        return None
    return origin.rstrip("/") + link if link.startswith("/") else link


def plan(
    notification: Notification,
    *,
    notification_id: str,
    person: Reachability,
    chosen: Sequence[Choice],
    push_subscriptions: Sequence[tuple[str, str]],
    origin: str,
    texts: dict[str, str],
) -> list[Planned]:
    """The messages `notification` becomes on the `chosen` channels. `push_subscriptions`: (id, the
    subscription's JSON). Dedupe keys derive from the notification id, so a redelivered notification
    sends nothing twice. `texts`: `mail_footer` (with {link}), `voice_intro`."""
    if not person.active:
        return []
    link = absolute(notification.link, origin)
    planned: list[Planned] = []
    base = f"notify:{notification_id}"
    if "push" in chosen:
        payload = {
            "id": notification_id,
            "kind": notification.kind,
            "title": notification.title,
            "body": notification.body,
            "link": notification.link,
            "severity": notification.severity,
        }
        params = {"urgency": "high" if notification.severity == "critical" else "normal", "ttl": 24 * 3600}
        for subscription_id, subscription in push_subscriptions:
            planned.append(Planned(
                "webpush", subscription, payload, f"{base}:push:{subscription_id}", params,
                reference=f"push_subscription:{subscription_id}",
            ))
    if "mail" in chosen and person.email is not None and person.email_verified:
        body = notification.body + ("\n\n" + texts["mail_footer"].format(link=link) if link else "")
        planned.append(Planned("mail", person.email, {"subject": notification.title, "body": body}, f"{base}:mail", {}))
    phone = phone_number(person.phone) if person.phone else None
    if "sms" in chosen and phone:
        text = f"{notification.title}: {notification.body}".strip().rstrip(":")
        if link:
            text = f"{text} {link}"
        if len(text) > SMS_LIMIT:
            text = text[: SMS_LIMIT - 1] + "…"
        planned.append(Planned("sms", phone, {"text": text}, f"{base}:sms", {}))
    if "voice" in chosen and phone:
        spoken = f"{texts['voice_intro']} {notification.title}. {notification.body}".strip()
        planned.append(Planned("voice", phone, {"text": spoken}, f"{base}:voice", {}))
    return planned
