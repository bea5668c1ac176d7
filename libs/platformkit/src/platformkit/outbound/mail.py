"""The mail channel: SMTP through the standard library (smtp://, smtp+starttls:// or smtps://, with
user:password in the URL when the server wants a login). The payload is `{"subject", "body"}` (plain
text), the target the address. A recipient the server refuses for good (5xx) fails at once; anything
else is retried. Without SMTP_URL a service enqueues mail with `hold=True`: operators read it instead."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

import anyio

from platformkit.outbound.messages import Delivery, OutboundMessage

MESSAGE_ID_DOMAIN = "dorfmarktplatz.example"


def send_smtp(smtp_url: str, mail_from: str, to_address: str, subject: str, body: str, message_id: str) -> None:
    """One message over SMTP (blocking; run in a thread)."""
    url = urlsplit(smtp_url)
    host = url.hostname or "localhost"
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to_address
    message["Subject"] = subject
    # The same Message-ID on every attempt: a receiver that got it twice can tell.
    message["Message-ID"] = make_msgid(idstring=message_id, domain=MESSAGE_ID_DOMAIN)
    message.set_content(body)
    client: smtplib.SMTP
    if url.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, url.port or 465, timeout=20, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, url.port or 25, timeout=20)
    with client:
        if url.scheme == "smtp+starttls":
            client.starttls(context=ssl.create_default_context())
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(message)


class MailAdapter:
    channel = "mail"

    def __init__(self, *, smtp_url: str, mail_from: str) -> None:
        self.smtp_url = smtp_url
        self.mail_from = mail_from

    async def send(self, message: OutboundMessage) -> Delivery:
        content = message.json_payload()
        try:
            await anyio.to_thread.run_sync(
                send_smtp, self.smtp_url, self.mail_from, message.target, str(content["subject"]),
                str(content.get("body", "")), message.id,
            )
        except smtplib.SMTPRecipientsRefused as refused:
            codes = [code for code, _ in refused.recipients.values()]
            permanent = all(500 <= code < 600 for code in codes)
            return Delivery(ok=False, status_code=codes[0] if codes else None, error="recipient refused",
                            permanent=permanent)
        except smtplib.SMTPResponseException as error:
            return Delivery(ok=False, status_code=error.smtp_code, error=f"{type(error).__name__}: {error.smtp_code}")
        except (OSError, smtplib.SMTPException) as error:
            return Delivery(ok=False, error=f"{type(error).__name__}: {error}")
        return Delivery(ok=True)
