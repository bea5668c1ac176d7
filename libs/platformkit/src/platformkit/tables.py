"""The platform's own tables, present in every service's database: outbox, inbox, dead letters,
idempotency keys, scheduler leases, outgoing messages with their delivery log, and the audit log
(a SQLModel class in platformkit.audit, registered on this metadata).
Queries use these Table objects; `copy_platform_tables` puts a copy into each
service's metadata so that the service's migrations create them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from platformkit.db import UtcDateTime, new_metadata

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
Position = BigInteger().with_variant(Integer(), "sqlite")

platform_metadata = new_metadata()

outbox = Table(
    "outbox",
    platform_metadata,
    Column("position", Position, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("subject", String(255), nullable=False),
    Column("headers", JSON, nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # A relay replica leases a batch until this time; another replica may take it over afterwards.
    Column("claimed_until", UtcDateTime, nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text, nullable=True),
    Column("published_at", UtcDateTime, nullable=True),
    Index(
        "ix_outbox_unpublished",
        "position",
        postgresql_where=text("published_at IS NULL"),
        sqlite_where=text("published_at IS NULL"),
    ),
    # The relay prunes published rows after their retention period.
    Index("ix_outbox_published_at", "published_at"),
)

inbox = Table(
    "inbox",
    platform_metadata,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("processed_at", UtcDateTime, nullable=False),
    # Pruned after a retention that must outlast the producers' stream max_age.
    Index("ix_inbox_processed_at", "processed_at"),
)

dead_letter = Table(
    "dead_letter",
    platform_metadata,
    Column("id", Position, primary_key=True, autoincrement=True),
    Column("consumer", String(100), nullable=False),
    Column("event_id", String(36), nullable=True),
    Column("subject", String(255), nullable=False),
    Column("headers", JSON, nullable=False),
    Column("data", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("deliveries", Integer, nullable=False),
    Column("stream_sequence", BigInteger, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    # replayed | discarded, with who did it: operators' actions on dead letters are audited here.
    Column("resolution", String(16), nullable=True),
    Column("resolved_by", String(255), nullable=True),
    Column("resolved_at", UtcDateTime, nullable=True),
    Index("ix_dead_letter_open", "consumer", "resolution"),
    # One dead letter per stream message and consumer, however many replicas saw it fail.
    Index("uq_dead_letter_consumer_stream_sequence", "consumer", "stream_sequence", unique=True),
)

idempotency_key = Table(
    "idempotency_key",
    platform_metadata,
    Column("scope", String(255), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    # in_progress while the first request runs; done once its response is stored.
    Column("state", String(16), nullable=False),
    Column("response_status", Integer, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)


# One row per schedule (platformkit.scheduler): the replica holding the lease runs the step; the others
# take over when `lease_until` has passed. `next_run_at` is when the step is due next.
scheduler_lease = Table(
    "scheduler_lease",
    platform_metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(100), nullable=True),
    Column("lease_until", UtcDateTime, nullable=False),
    Column("last_run_at", UtcDateTime, nullable=True),
    Column("next_run_at", UtcDateTime, nullable=False),
)

# Outgoing messages (platformkit.outbound): mail, Web Push, webhooks, SMS and voice calls, written in the
# transaction of the change that causes them and sent by the outbound sender. `dedupe_key` is unique per
# service: the same key is enqueued once (for as long as finished rows are kept).
outbound_message = Table(
    "outbound_message",
    platform_metadata,
    Column("id", String(36), primary_key=True),
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("channel", String(16), nullable=False),
    Column("target", Text, nullable=False),
    Column("payload", Text, nullable=False),
    # Channel parameters (a webhook's signing secret, a push message's TTL and urgency).
    Column("params", JSON, nullable=False),
    # The owner's handle for the outcome hook and for cancelling, e.g. "webhook_subscription:42".
    Column("reference", String(200), nullable=True),
    # Whom the message concerns, for a person's data export and erasure.
    Column("person_id", String(64), nullable=True),
    # pending | held | sent | failed | cancelled
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    # Set for a message with a horizon of its own; otherwise the sender's horizon for the channel counts.
    Column("give_up_at", UtcDateTime, nullable=True),
    # A sender replica leases a message while it sends; another replica may take it over afterwards.
    Column("claimed_until", UtcDateTime, nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Index("ix_outbound_message_due", "status", "next_attempt_at"),
    Index("ix_outbound_message_reference", "reference"),
    Index("ix_outbound_message_person_id", "person_id"),
    Index("ix_outbound_message_finished_at", "finished_at"),
)

# The delivery log: one row per attempt of an outgoing message.
outbound_attempt = Table(
    "outbound_attempt",
    platform_metadata,
    Column("id", Position, primary_key=True, autoincrement=True),
    Column("message_id", String(36), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("attempted_at", UtcDateTime, nullable=False),
    # sent | retrying | failed
    Column("outcome", String(16), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_outbound_attempt_message_id", "message_id", "attempt"),
)


# The audit log is a model class (services query it with select(AuditEntry)); importing it puts its
# table into platform_metadata.
from platformkit import audit as _audit  # noqa: E402,F401


def copy_platform_tables(metadata: MetaData) -> None:
    for table in platform_metadata.tables.values():
        table.to_metadata(metadata)
