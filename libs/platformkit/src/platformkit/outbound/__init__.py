"""Every message that leaves the platform — webhooks, mail, Web Push, SMS, voice calls — leaves through
here: written in the transaction of the change that causes it, sent by one sender with retries,
exponential backoff with jitter, a dedupe key and a delivery log (issue 8, "Telling people things").

Enqueue, in your own transaction (nothing is sent if it rolls back)::

    from platformkit import outbound

    async with db.transaction() as session:
        order.status = "ready"
        await outbound.enqueue(
            session,
            channel="webhook",                       # webhook | mail | webpush | sms | voice
            target=subscription.url,                 # URL | e-mail address | push subscription JSON | +49...
            payload={"type": "order.ready", "data": {...}},   # dict/list (JSON) or str
            dedupe_key=f"order-ready:{order.id}:{subscription.id}",  # unique per service: a repeat is skipped
            params={"secret": subscription.secret},  # per channel, see below
            reference=f"webhook_subscription:{subscription.id}",  # your handle: the outcome hook gets it back
            person_id=None,                          # whom it concerns (personal-data export and erasure)
        )

Payload and params per channel:
- `webhook`: payload = the JSON body; params `{"secret": "whsec_..."}`. Standard Webhooks headers
  (webhook-id = the message id, the same on each retry; webhook-timestamp; webhook-signature
  `v1,<base64 HMAC-SHA256 of id.timestamp.body>`). `outbound.new_webhook_secret()` makes a secret.
- `mail`: payload `{"subject": ..., "body": ...}` (plain text); enqueue with
  `hold=not settings.can_send("mail")`: without SMTP_URL the mail is kept as `held` for operators.
- `webpush`: target = the browser's PushSubscription JSON; payload = what the service worker gets;
  params `ttl`, `urgency`, `topic`. A 404/410 answer means the subscription is gone.
- `sms`, `voice`: target = the phone number; payload `{"text": ...}` (read aloud for voice). The gateway's
  JSON API is in platformkit.outbound.phone.

SSRF: when a user gives you a URL (registering a webhook), check it before you store it::

    try:
        url = await outbound.check_public_url(body.url, allowed_networks=outbound.parse_networks(
            settings.outbound_allowed_networks))
    except outbound.UnsafeUrl as refused:
        raise ProblemError(422, refused.code, refused.reason, field="url")

The sender checks it again at every send after resolving the name, connects to the checked address and
follows no redirects; a refused address fails the message at once.

Running the sender: the service's settings subclass `outbound.OutboundSettings` (SMTP_URL, MAIL_FROM,
WEB_PUSH_PRIVATE_KEY, WEB_PUSH_SUBJECT, SMS_GATEWAY_URL, SMS_GATEWAY_TOKEN, OUTBOUND_ALLOWED_NETWORKS,
OUTBOUND_HORIZON_SECONDS, OUTBOUND_POLL_SECONDS, OUTBOUND_RETENTION_DAYS), and its ServiceSpec runs
`outbound.background_sender(on_outcome=...)` among its `background` loops. Safe with several replicas
(claims are leased with a conditional UPDATE ... RETURNING). Its migrations must create the platform
tables `outbound_message` and `outbound_attempt` (autogenerate does, from the service's registry).

Learning the outcome — the hook, called after every attempt in the same transaction that records it::

    async def on_webhook_outcome(session: AsyncSession, outcome: outbound.Outcome) -> None:
        if outcome.channel != "webhook" or outcome.reference is None:
            return
        subscription = await load(session, outcome.reference)
        if outcome.status == "sent":
            subscription.consecutive_failures = 0
        elif outcome.final:                       # "failed": retries exhausted or refused for good
            subscription.consecutive_failures += 1
            if subscription.consecutive_failures >= 5:
                subscription.disabled = True
                await outbound.cancel(session, reference=outcome.reference)  # drop what is still queued

    service = ServiceSpec(..., background=[outbound.background_sender(on_outcome=on_webhook_outcome)])

`Outcome` carries message_id, dedupe_key, channel, target, reference, person_id, attempt, status
("sent" | "retrying" | "failed"), status_code, error, next_attempt_at, and `final`. The hook must not
call out (it runs inside the sender's transaction); an exception rolls the record back and the attempt
is repeated after the lease. `outbound.delivery_log(session, message_id)` lists a message's attempts.

Retries: attempt n failing waits a random time in [½, 1] × min(5 s × 2^(n-1), 1 h), or longer when the
receiver sent Retry-After; a message fails when its next attempt would fall after its horizon (webhook
and mail 24 h, Web Push 4 h, SMS 2 h, voice 1 h; OUTBOUND_HORIZON_SECONDS, or `horizon=` per message).
Finished messages are kept OUTBOUND_RETENTION_DAYS (30): a dedupe key is remembered that long.

Personal data: `messages_of(session, person_id=...)` for a person's export; the platform's erasure
(platformkit.personal_data) deletes the person's messages with `forget_person`.
"""

from platformkit.outbound.guard import UnsafeUrl, check_public_url, parse_networks
from platformkit.outbound.messages import (
    CHANNELS,
    DEFAULT_HORIZONS,
    Adapter,
    Channel,
    Delivery,
    OutboundMessage,
    cancel,
    enqueue,
    forget_person,
    messages_of,
)
from platformkit.outbound.sender import (
    OutboundLag,
    OutboundSender,
    Outcome,
    OutcomeHook,
    SenderOptions,
    delivery_log,
    outbound_lag,
    retry_delay,
)
from platformkit.outbound.settings import OutboundSettings, adapters_from, background_sender, sender_options
from platformkit.outbound.webhook import new_webhook_secret, sign

__all__ = [
    "CHANNELS",
    "DEFAULT_HORIZONS",
    "Adapter",
    "Channel",
    "Delivery",
    "OutboundLag",
    "OutboundMessage",
    "OutboundSender",
    "OutboundSettings",
    "Outcome",
    "OutcomeHook",
    "SenderOptions",
    "UnsafeUrl",
    "adapters_from",
    "background_sender",
    "cancel",
    "check_public_url",
    "delivery_log",
    "enqueue",
    "forget_person",
    "messages_of",
    "new_webhook_secret",
    "outbound_lag",
    "parse_networks",
    "retry_delay",
    "sender_options",
    "sign",
]
