"""The settings of the outbound channels (a service that sends subclasses `OutboundSettings` instead of
`ServiceSettings`) and the sender as a ServiceSpec background loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from platformkit.config import ServiceSettings, StringList
from platformkit.outbound.guard import parse_networks
from platformkit.outbound.mail import MailAdapter
from platformkit.outbound.messages import DEFAULT_HORIZONS, Adapter
from platformkit.outbound.phone import PhoneGatewayAdapter
from platformkit.outbound.sender import OutboundSender, OutcomeHook, SenderOptions
from platformkit.outbound.webhook import WebhookAdapter
from platformkit.outbound.webpush import WebPushAdapter

if TYPE_CHECKING:
    from fastapi import FastAPI


class OutboundSettings(ServiceSettings):
    # smtp://user:pass@host:25, smtp+starttls://host:587 or smtps://host:465. Unset: mail is held (kept
    # for operators to read) instead of sent.
    smtp_url: SecretStr | None = None
    mail_from: str = "Dorfmarktplatz <noreply@dorfmarktplatz.example>"
    # VAPID: the raw P-256 private key, base64url (platformkit.outbound.webpush.new_vapid_keys). Unset:
    # no Web Push.
    web_push_private_key: SecretStr | None = None
    web_push_subject: str = "mailto:technik@dorfmarktplatz.example"
    # The SMS/voice gateway (platformkit.outbound.phone). Unset: no SMS or calls.
    sms_gateway_url: str | None = None
    sms_gateway_token: SecretStr | None = None
    # Networks that webhooks and push endpoints may reach although they are not public (and over plain
    # http): only for development and tests, e.g. 127.0.0.0/8. Empty in production.
    outbound_allowed_networks: StringList = ()
    outbound_poll_seconds: float = 1.0
    # Per channel, seconds of retrying before a message fails, e.g. {"webhook": 172800} (JSON).
    outbound_horizon_seconds: dict[str, float] = {}
    outbound_retention_days: float = 30.0

    def can_send(self, channel: str) -> bool:
        """Whether this service is configured to send on `channel` (enqueue with hold=not can_send for
        mail, so that operators can read it; other channels are simply not offered)."""
        if channel == "mail":
            return self.smtp_url is not None
        if channel == "webpush":
            return self.web_push_private_key is not None
        if channel in ("sms", "voice"):
            return self.sms_gateway_url is not None
        return channel == "webhook"

    def horizon(self, channel: str) -> timedelta:
        return timedelta(seconds=self.outbound_horizon_seconds.get(channel, DEFAULT_HORIZONS[channel]))


def adapters_from(settings: OutboundSettings) -> dict[str, Adapter]:
    """An adapter for each channel the settings configure (webhooks always)."""
    networks = parse_networks(settings.outbound_allowed_networks)
    adapters: dict[str, Adapter] = {"webhook": WebhookAdapter(allowed_networks=networks)}
    if settings.smtp_url is not None:
        adapters["mail"] = MailAdapter(smtp_url=settings.smtp_url.get_secret_value(), mail_from=settings.mail_from)
    if settings.web_push_private_key is not None:
        adapters["webpush"] = WebPushAdapter(
            private_key=settings.web_push_private_key.get_secret_value(),
            subject=settings.web_push_subject,
            allowed_networks=networks,
        )
    if settings.sms_gateway_url is not None:
        token = settings.sms_gateway_token.get_secret_value() if settings.sms_gateway_token else ""
        for channel in ("sms", "voice"):
            adapters[channel] = PhoneGatewayAdapter(channel, base_url=settings.sms_gateway_url, token=token)
    return adapters


def sender_options(settings: OutboundSettings) -> SenderOptions:
    return SenderOptions(
        poll_seconds=settings.outbound_poll_seconds,
        retention_seconds=settings.outbound_retention_days * 24 * 3600,
        horizons={**DEFAULT_HORIZONS, **settings.outbound_horizon_seconds},
    )


def background_sender(
    on_outcome: OutcomeHook | None = None,
) -> Callable[[FastAPI], Coroutine[Any, Any, None]]:
    """The sender as a `ServiceSpec.background` loop, configured from the service's OutboundSettings."""

    async def send_outbound(app: FastAPI) -> None:
        settings = app.state.settings
        if not isinstance(settings, OutboundSettings):
            raise TypeError("background_sender needs the service's settings to subclass OutboundSettings")
        adapters = adapters_from(settings)
        sender = OutboundSender(app.state.db, adapters, on_outcome=on_outcome, options=sender_options(settings))
        app.state.outbound = sender
        await sender.start()
        try:
            await asyncio.Event().wait()  # until the app stops
        finally:
            await sender.stop()
            for adapter in adapters.values():
                close = getattr(adapter, "close", None)
                if close is not None:
                    with contextlib.suppress(Exception):
                        await close()

    return send_outbound
