"""Migrations are a step of their own: `upgrade head` on an empty database, then autogenerate finds
nothing left to do (both databases)."""

from __future__ import annotations

from accounts.main import service
from platformkit.migrations import pending_changes, upgrade


def test_upgrade_head_on_an_empty_database_then_no_diff(database_url: str) -> None:
    upgrade(service, database_url)
    assert pending_changes(service, database_url) == []


def test_mails_waiting_in_the_old_mail_table_move_to_the_outgoing_messages(database_url: str) -> None:
    import uuid
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from platformkit.db import sync_url

    upgrade(service, database_url, revision="52d0e1ac012b")  # the last revision with mail_message
    engine = sa.create_engine(sync_url(database_url))
    held, sent = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    try:
        with engine.begin() as connection:
            for mail_id, status in ((held, "held"), (sent, "sent")):
                connection.execute(
                    sa.text(
                        "INSERT INTO mail_message (id, person_id, to_address, subject, body, status, attempts,"
                        " next_attempt_at, created_at, sent_at) VALUES (:id, NULL, 'karl@schwedt.example',"
                        " 'Anmeldung', 'Bitte bestätigen', :status, 0, :now, :now, :sent_at)"
                    ),
                    {"id": mail_id.hex if "sqlite" in database_url else mail_id, "status": status, "now": now,
                     "sent_at": now if status == "sent" else None},
                )
        upgrade(service, database_url)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT id, channel, target, payload, status, finished_at FROM outbound_message ORDER BY 5")
            ).all()
    finally:
        engine.dispose()
    assert [(row.channel, row.target, row.status) for row in rows] == [
        ("mail", "karl@schwedt.example", "held"), ("mail", "karl@schwedt.example", "sent")
    ]
    assert '"subject": "Anmeldung"' in rows[0].payload and rows[1].finished_at is not None
    assert {row.id for row in rows} == {str(held), str(sent)}
