"""gateway: the one public entry — routing to the services, token checks, rate limits, browser sessions,
the live feed, the merged OpenAPI, and the web app. See README.md."""

from starlette.middleware import Middleware

from gateway.config import GatewaySettings
from gateway.edge import EdgeDispatcher, EdgeHeaders
from gateway.ratelimit import RateLimitMiddleware
from gateway.runtime import gateway_lifespan
from gateway.wiring import not_found_handler, own_routers, web_app
from platformkit.service import ServiceSpec

pages, static_dir, not_found_page = web_app()

service = ServiceSpec(
    name="gateway",
    settings=GatewaySettings,
    routers=own_routers(pages),
    metadata=None,
    produces=False,
    outer_middleware=[Middleware(RateLimitMiddleware)],
    middleware=[Middleware(EdgeHeaders), Middleware(EdgeDispatcher, static_dir=static_dir)],
    lifespan=gateway_lifespan,
    exception_handlers={404: not_found_handler(not_found_page)},
    max_body_bytes=10 * 1024 * 1024,
    description=__doc__ or "",
)
