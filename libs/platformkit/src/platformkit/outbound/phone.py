"""SMS and voice calls through an HTTP gateway — for phone-only people. The provider is reached through a
small JSON API of our own that an operator points at their provider (or a thin bridge to it):

    POST {SMS_GATEWAY_URL}/messages
    Authorization: Bearer {SMS_GATEWAY_TOKEN}
    Idempotency-Key: {message id}            (the same on every retry: send at most once)
    Content-Type: application/json
    {"channel": "sms" | "voice", "to": "+49...", "text": "...", "reference": "{message id}"}

    2xx                        accepted
    400, 404, 422              the number or text cannot be sent: fails at once
    401, 403                   our credentials are wrong: retried (an operator can fix them in time)
    408, 429, 5xx, no answer   retried (Retry-After honoured)

For a voice call the gateway reads `text` aloud (text to speech). The gateway URL is the operator's own
configuration, not user input, so it is not put through the SSRF guard."""

from __future__ import annotations

import httpx

from platformkit.outbound.http import retry_after
from platformkit.outbound.messages import Delivery, OutboundMessage

PERMANENT = frozenset({400, 404, 422})


class PhoneGatewayAdapter:
    """One adapter per channel ("sms" or "voice"), both speaking to the same gateway."""

    def __init__(
        self, channel: str, *, base_url: str, token: str, http: httpx.AsyncClient | None = None,
        timeout_seconds: float = 15.0,
    ) -> None:
        if channel not in ("sms", "voice"):
            raise ValueError("the phone gateway sends 'sms' or 'voice'")
        self.channel = channel
        self.url = base_url.rstrip("/") + "/messages"
        self.token = token
        self.http = http or httpx.AsyncClient()
        self.timeout_seconds = timeout_seconds

    async def send(self, message: OutboundMessage) -> Delivery:
        content = message.json_payload()
        try:
            response = await self.http.post(
                self.url,
                json={"channel": self.channel, "to": message.target, "text": content["text"], "reference": message.id},
                headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": message.id},
                timeout=self.timeout_seconds,
                follow_redirects=False,
            )
        except httpx.HTTPError as error:
            return Delivery(ok=False, error=f"{type(error).__name__}: {error}".rstrip(": "))
        if response.is_success:
            return Delivery(ok=True, status_code=response.status_code)
        return Delivery(
            ok=False,
            status_code=response.status_code,
            error=f"HTTP {response.status_code}: {response.text[:300]}".rstrip(": "),
            permanent=response.status_code in PERMANENT,
            retry_after_seconds=retry_after(response.headers.get("retry-after")),
        )

    async def close(self) -> None:
        await self.http.aclose()
