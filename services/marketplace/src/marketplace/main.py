"""marketplace: regional goods from local producers and shops, the delivery-service directory, and the
merchant API."""

from datetime import timedelta

from marketplace.api.deps import marketplace_resources
from marketplace.api.routes import admin, cart, catalogue, checkout, merchant_v1, merchants, orders
from marketplace.background import close_rounds, release_expired_holds
from marketplace.config import MarketplaceSettings
from marketplace.crud.webhooks import on_outcome
from marketplace.models import MarketplaceModel
from marketplace.personal import personal_data
from marketplace.seed import seed_demo
from platformkit.outbound import background_sender
from platformkit.scheduler import Schedule
from platformkit.service import ServiceSpec

service = ServiceSpec(
    name="marketplace",
    settings=MarketplaceSettings,
    routers=[catalogue.router, cart.router, checkout.router, orders.router, merchants.router, merchant_v1.router,
             admin.router],
    metadata=MarketplaceModel.metadata,
    migrations="marketplace.migrations",
    background=[background_sender(on_outcome=on_outcome)],
    schedules=[Schedule("release-expired-holds", every=timedelta(minutes=1), step=release_expired_holds),
               Schedule("close-rounds", every=timedelta(minutes=1), step=close_rounds)],
    lifespan=marketplace_resources,
    seed_demo=seed_demo,
    personal_data=personal_data,
    description=__doc__ or "",
)
