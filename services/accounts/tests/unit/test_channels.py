"""Which channels a person can choose, the defaults, and what one notification becomes on each."""

from __future__ import annotations

from accounts.domain import channels
from platformkit.events import Notification

RESIDENT = channels.Reachability(active=True, email="erika@prenzlau.example", email_verified=True, phone=None)
PHONE_ONLY = channels.Reachability(active=True, email=None, email_verified=False, phone="+4933312345")
TEXTS = {"mail_footer": "Mehr dazu: {link}", "voice_intro": "Hier ist der Dorfmarktplatz."}
WARNING = Notification(
    kind="alerts.warning", title="Sturmböen", body="Bis 18 Uhr.", link="/warnungen/w-1", severity="critical"
)


def plan(
    person: channels.Reachability, chosen: list[channels.Choice], subscriptions: int = 1
) -> list[channels.Planned]:
    return channels.plan(
        WARNING, notification_id="n-1", person=person, chosen=chosen,
        push_subscriptions=[(f"s{n}", f'{{"endpoint": "https://push.example/{n}"}}') for n in range(subscriptions)],
        origin="https://dorf.example", texts=TEXTS,
    )


def test_choices_follow_what_reaches_the_person() -> None:
    assert channels.available(RESIDENT) == ["push", "mail"]
    assert channels.available(PHONE_ONLY) == ["sms", "voice"]
    assert channels.defaults(RESIDENT) == ["push"] and channels.defaults(PHONE_ONLY) == ["sms"]
    assert channels.parse(None, PHONE_ONLY) == ["sms"]
    assert channels.parse("", RESIDENT) == []  # chose the live feed only
    assert channels.parse("sms mail push", RESIDENT) == ["push", "mail"]  # no phone (any more): no sms
    assert channels.unavailable(["mail", "sms", "pigeon"], RESIDENT) == ["sms", "pigeon"]


def test_a_notification_becomes_one_message_per_browser_and_channel() -> None:
    planned = plan(RESIDENT, ["push", "mail"], subscriptions=2)
    assert [(p.channel, p.dedupe_key) for p in planned] == [
        ("webpush", "notify:n-1:push:s0"), ("webpush", "notify:n-1:push:s1"), ("mail", "notify:n-1:mail"),
    ]
    push, _, mail = planned
    assert push.params["urgency"] == "high" and push.reference == "push_subscription:s0"
    assert push.payload["link"] == "/warnungen/w-1"
    assert mail.payload == {"subject": "Sturmböen", "body": "Bis 18 Uhr.\n\nMehr dazu: https://dorf.example/warnungen/w-1"}


def test_phone_only_people_get_a_text_and_a_call() -> None:
    sms, voice = plan(PHONE_ONLY, ["sms", "voice"])
    assert sms.target == voice.target == "+4933312345"
    assert sms.payload["text"] == "Sturmböen: Bis 18 Uhr. https://dorf.example/warnungen/w-1"
    assert voice.payload["text"] == "Hier ist der Dorfmarktplatz. Sturmböen. Bis 18 Uhr."


def test_long_texts_are_cut_to_two_sms() -> None:
    long = Notification(kind="alerts.warning", title="T", body="x" * 2000)
    [sms] = channels.plan(long, notification_id="n", person=PHONE_ONLY, chosen=["sms"], push_subscriptions=[],
                          origin="https://dorf.example", texts=TEXTS)
    assert len(sms.payload["text"]) == channels.SMS_LIMIT and sms.payload["text"].endswith("…")


def test_nothing_goes_to_unverified_addresses_or_erased_people() -> None:
    unverified = channels.Reachability(active=True, email="neu@templin.example", email_verified=False, phone=None)
    assert plan(unverified, ["mail"]) == []
    erased = channels.Reachability(active=False, email=None, email_verified=False, phone="+49333")
    assert plan(erased, ["sms", "voice"]) == []
    assert plan(RESIDENT, ["push"], subscriptions=0) == []


def test_phone_numbers_become_e164() -> None:
    assert channels.phone_number("03984 12345") == "+49398412345"
    assert channels.phone_number("0049 3984/12345") == "+49398412345"
    assert channels.phone_number("+49 (3984) 12-345") == "+49398412345"
    assert channels.phone_number("+48 91 123 4567") == "+48911234567"
    for not_a_number in ("", "112", "3984 12345", "+49 3984 +12345", "0" * 20):
        assert channels.phone_number(not_a_number) is None


def test_a_written_number_is_texted_in_e164() -> None:
    written = channels.Reachability(active=True, email=None, email_verified=False, phone="03332 12345")
    [sms] = plan(written, ["sms"])
    assert sms.target == "+49333212345"
