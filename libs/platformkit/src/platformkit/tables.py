"""The platform's own tables, present in every service's database: outbox, inbox, dead letters,
idempotency keys and scheduler leases. Queries use these Table objects; `copy_platform_tables` puts a copy into each
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

def copy_platform_tables(metadata: MetaData) -> None:
    for table in platform_metadata.tables.values():
        table.to_metadata(metadata)
