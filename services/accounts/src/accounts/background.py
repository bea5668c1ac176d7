"""The long-running loops of accounts (ServiceSpec.background), each safe with several replicas:

* `deliver_mail`: sends due mails from the `mail_message` outbox over SMTP (leases keep replicas from
  sending one twice), retrying with exponential backoff; without SMTP_URL it has nothing to do.
* `prepare`: on start, the first signing key and the bootstrap operator (a one-off; the time-driven
  steps are on the scheduler, accounts.schedules)."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

import anyio
from fastapi import FastAPI

from accounts.config import AccountsSettings
from accounts.crud import mail
from accounts.crud.people import ensure_operator
from accounts.domain.passwords import hash_password
from accounts.domain.roles import OPERATOR_SCOPES
from accounts.issuer import load_keys
from platformkit.db import Database

log = logging.getLogger("accounts.background")


def send_smtp(smtp_url: str, mail_from: str, to_address: str, subject: str, body: str) -> None:
    """One message over SMTP (blocking; run in a thread). smtp://, smtp+starttls:// or smtps://."""
    url = urlsplit(smtp_url)
    host = url.hostname or "localhost"
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to_address
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="dorfmarktplatz.example")
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


async def deliver_due_mail(db: Database, settings: AccountsSettings) -> int:
    """Send what is due now; returns how many messages were tried."""
    if settings.smtp_url is None:
        return 0
    smtp_url = settings.smtp_url.get_secret_value()
    due = await mail.claim_due(db=db)
    for message in due:
        try:
            await anyio.to_thread.run_sync(
                send_smtp, smtp_url, settings.mail_from, message.to_address, message.subject, message.body
            )
        except (OSError, smtplib.SMTPException) as error:
            log.warning(
                "mail %s not sent (attempt %d): %s", message.id, message.attempts, type(error).__name__
            )
            await mail.mark_failed(
                db=db,
                mail=message,
                error=f"{type(error).__name__}: {error}",
                max_attempts=settings.mail_max_attempts,
            )
        else:
            await mail.mark_sent(db=db, mail_id=message.id)
    return len(due)


async def deliver_mail(app: FastAPI) -> None:
    settings: AccountsSettings = app.state.settings
    db: Database = app.state.db
    if settings.smtp_url is None:
        return  # mails stay "held" for operators to read
    while True:
        try:
            tried = await deliver_due_mail(db, settings)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the database may be away for a moment: keep the loop alive
            log.warning("mail delivery loop: %s", type(error).__name__)
            tried = 0
        if not tried:
            await asyncio.sleep(settings.mail_poll_seconds)


async def bootstrap_operator(db: Database, settings: AccountsSettings) -> None:
    """BOOTSTRAP_OPERATOR_EMAIL + BOOTSTRAP_OPERATOR_PASSWORD: the first operator of a new installation
    (all staff scopes). Nothing happens when the address already has an account."""
    if not settings.bootstrap_operator_email or settings.bootstrap_operator_password is None:
        return
    password_hash = await anyio.to_thread.run_sync(
        hash_password, settings.bootstrap_operator_password.get_secret_value()
    )
    async with db.transaction() as session:
        await ensure_operator(
            session=session,
            email=settings.bootstrap_operator_email,
            name="Leitstelle",
            password_hash=password_hash,
            scopes=" ".join(sorted(OPERATOR_SCOPES)),
            actor_id="bootstrap",
        )


async def prepare(app: FastAPI) -> None:
    settings: AccountsSettings = app.state.settings
    db: Database = app.state.db
    for step in (lambda: load_keys(db, settings), lambda: bootstrap_operator(db, settings)):
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:  # logged; the key is also made on first use, the operator on the next start
            log.exception("start-up step of accounts failed")
