"""accounts: identity for residents, merchants and district staff; the platform's OIDC issuer."""

from accounts.api.routes import admin, api_keys, channels, data_exports, me, oauth, people
from accounts.background import prepare
from accounts.config import AccountsSettings
from accounts.crud.channels import forget_gone_subscriptions
from accounts.events import consumers
from accounts.models import AccountsModel
from accounts.personal_data import PERSONAL_DATA
from accounts.schedules import schedules
from accounts.seed import seed_demo
from platformkit.outbound import background_sender
from platformkit.service import ServiceSpec

service = ServiceSpec(
    name="accounts",
    settings=AccountsSettings,
    routers=[
        oauth.router, people.router, me.router, channels.router, data_exports.router, api_keys.router, admin.router
    ],
    consumers=consumers,
    metadata=AccountsModel.metadata,
    migrations="accounts.migrations",
    background=[background_sender(forget_gone_subscriptions), prepare],
    schedules=schedules,
    personal_data=PERSONAL_DATA,
    seed_demo=seed_demo,
    description=__doc__ or "",
)
