"""accounts: identity for residents, merchants and district staff; the platform's OIDC issuer."""

from accounts.api.routes import admin, api_keys, me, oauth, people
from accounts.background import deliver_mail, prepare_and_tidy
from accounts.config import AccountsSettings
from accounts.events import consumers
from accounts.models import AccountsModel
from accounts.seed import seed_demo
from platformkit.events import keep_notify_stream_declared
from platformkit.service import ServiceSpec

service = ServiceSpec(
    name="accounts",
    settings=AccountsSettings,
    routers=[oauth.router, people.router, me.router, api_keys.router, admin.router],
    consumers=consumers,
    metadata=AccountsModel.metadata,
    migrations="accounts.migrations",
    background=[deliver_mail, prepare_and_tidy, keep_notify_stream_declared],
    seed_demo=seed_demo,
    description=__doc__ or "",
)
