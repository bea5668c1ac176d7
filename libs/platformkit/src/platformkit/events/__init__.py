"""Events: CloudEvents over NATS JetStream, published through a transactional outbox and consumed
idempotently through an inbox. See docs/events.md.

Producer::

    async with db.transaction() as session:
        session.add(order)
        await publish(session, OrderPlacedV1(order_id=order.id, ...))

Consumer::

    async def on_order_placed(event: OrderPlacedV1, session: AsyncSession) -> None: ...
    consumers = [Consumer(name="order-placed", event=OrderPlacedV1, handler=on_order_placed)]

App: `EventRuntime(service=..., nats_url=..., db=..., consumers=..., produces=...)`, `start()`/`stop()`.
"""

from platformkit.events.bus import Bus
from platformkit.events.consumer import FAULTS, Consumer, ConsumerWorker, current_envelope
from platformkit.events.contracts import Event, EventDefinitionError, event_class, event_types, stream_name
from platformkit.events.deadletters import (
    DeadLetter,
    DeadLetterNotOpen,
    ReplayFailed,
    UnknownConsumer,
    discard_dead_letter,
    get_dead_letter,
    list_dead_letters,
    replay_dead_letter,
)
from platformkit.events.envelope import Envelope, UndecodableEvent, decode, encode, new_event_id, traceparent
from platformkit.events.kv import Entry, KeyValueBucket, KeyValueUnavailable, RevisionConflict
from platformkit.events.notify import (
    Notification,
    NotificationSentV1,
    NotificationsUnavailable,
    NotifyLimits,
    keep_notify_stream_declared,
    notify,
    publish_notification,
)
from platformkit.events.options import EventOptions
from platformkit.events.outbox import OutboxRelay, publish, write_published
from platformkit.events.runtime import EventRuntime
from platformkit.events.stats import ConsumerLag, EventStats, OutboxLag, outbox_lag

__all__ = [
    "FAULTS",
    "Bus",
    "Consumer",
    "ConsumerLag",
    "ConsumerWorker",
    "DeadLetter",
    "DeadLetterNotOpen",
    "Entry",
    "Envelope",
    "Event",
    "EventDefinitionError",
    "EventOptions",
    "EventRuntime",
    "EventStats",
    "KeyValueBucket",
    "KeyValueUnavailable",
    "Notification",
    "NotificationSentV1",
    "NotificationsUnavailable",
    "NotifyLimits",
    "OutboxLag",
    "OutboxRelay",
    "ReplayFailed",
    "RevisionConflict",
    "UndecodableEvent",
    "UnknownConsumer",
    "current_envelope",
    "decode",
    "discard_dead_letter",
    "encode",
    "event_class",
    "event_types",
    "get_dead_letter",
    "list_dead_letters",
    "new_event_id",
    "keep_notify_stream_declared",
    "notify",
    "outbox_lag",
    "publish",
    "publish_notification",
    "replay_dead_letter",
    "stream_name",
    "traceparent",
    "write_published",
]
