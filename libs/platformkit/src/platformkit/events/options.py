"""Tunables of the event runtime, from the environment (`EVENTS_*`), with production defaults."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

DAY = 86_400.0


class EventOptions(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="EVENTS_", env_ignore_empty=True, extra="ignore", frozen=True
    )

    # The producer's stream. The duplicate window must cover the relay's normal retry horizon; the
    # consumers' inbox retention must outlast max_age (a redelivered event must still be recognised).
    duplicate_window_seconds: float = 120.0
    stream_max_age_seconds: float = 7 * DAY
    stream_replicas: int = 1

    # The outbox relay.
    relay_batch_size: int = 500
    relay_lease_seconds: float = 30.0
    publish_timeout_seconds: float = 5.0
    relay_max_backoff_seconds: float = 30.0
    outbox_retention_seconds: float = 7 * DAY
    inbox_retention_seconds: float = 30 * DAY
    prune_interval_seconds: float = 600.0

    # The NATS connection: reconnect forever, this often.
    reconnect_wait_seconds: float = 2.0
    connect_timeout_seconds: float = 2.0

    # Consumers: how long one pull request lingers on the server when there is nothing to deliver.
    fetch_timeout_seconds: float = 5.0
