"""The Dorfmarktplatz web app: the resident app, the merchant portal and the admin dashboard, rendered on
the server (docs/adr/0001-web-stack.md) and served by the gateway:

    app.include_router(create_web_router())
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

Pages talk to services only through the gateway's browser contract (`gateway.browser`).
"""

from web.router import create_web_router
from web.templating import STATIC_DIR

__all__ = ["STATIC_DIR", "create_web_router"]
