"""alerts: official warnings (NINA, CAP 1.2) relayed to residents by place; the district's own warnings."""

from alerts.api.routes import channels, feeds, local, subscriptions, warnings
from alerts.background import feed_client, schedules
from alerts.config import AlertsSettings
from alerts.crud.channels import on_outcome
from alerts.crud.personal import personal_data
from alerts.events import consumers
from alerts.models import AlertsModel
from alerts.seed import seed_demo
from platformkit import outbound
from platformkit.service import ServiceSpec

service = ServiceSpec(
    name="alerts",
    settings=AlertsSettings,
    routers=[warnings.router, subscriptions.router, local.router, feeds.router, channels.router],
    consumers=consumers,
    metadata=AlertsModel.metadata,
    migrations="alerts.migrations",
    background=[outbound.background_sender(on_outcome=on_outcome)],
    schedules=schedules,
    lifespan=feed_client,
    seed_demo=seed_demo,
    personal_data=personal_data,
    description=__doc__ or "",
)
