"""The app factory: every service (and the gateway) is `create_app(spec)`, so the wiring lives here once.

Lifespan: database engine, token verifier, event runtime (NATS connection, outbox relay, consumers, a
producer's source in the NOTIFY stream), background loops and the scheduler of the service's schedules.
Middleware: request id + body cap + metrics + access log. Routes: the service's routers plus
`/livez`, `/readyz`, `/metrics`. Errors: problem+json."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from prometheus_client import CollectorRegistry
from starlette.middleware import Middleware

from platformkit import tasks
from platformkit.config import ServiceSettings, load_settings
from platformkit.context import service_settings
from platformkit.db import Database
from platformkit.health import health_router
from platformkit.logs import configure_logging
from platformkit.middleware import HttpMetrics, RequestContextMiddleware
from platformkit.ops import ops_router
from platformkit.personal_data import export_router, personal_data_consumers
from platformkit.problems import install_problem_handlers
from platformkit.service import ServiceSpec
from platformkit.service_tokens import ServiceTokens, service_url


def _operation_id(route: APIRoute) -> str:
    # Clean names for generated clients: "<tag>-<function name>".
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def _service_tokens(spec: ServiceSpec, settings: ServiceSettings, http: httpx.AsyncClient) -> ServiceTokens | None:
    """This service's client-credentials tokens for calling others, when it has a client secret."""
    if settings.service_client_secret is None:
        return None
    accounts = service_url("accounts")
    token_url = settings.oidc_token_url or (
        f"{accounts}/token" if accounts else f"{settings.oidc_issuer.rstrip('/')}/token"
    )
    return ServiceTokens(
        token_url=token_url, client_id=spec.name, client_secret=settings.service_client_secret.get_secret_value(),
        http=http,
    )


def freeze_startup_heap() -> None:
    """Move everything alive now (modules, routes, models, settings, pools: what start-up built and the
    process keeps) out of the garbage collector's sight. A full collection otherwise rescans these
    hundreds of thousands of objects and pauses a request now and then for a few hundred milliseconds (the max
    of the search benchmarks); frozen, it scans only what requests made since. No collection first: it
    would cost every start (tests start hundreds of apps) a few hundred milliseconds, and at this point
    it finds next to nothing (the young generations are collected as start-up goes)."""
    gc.freeze()


def create_app(spec: ServiceSpec, settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or load_settings(spec.settings)
    configure_logging(spec.name, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from platformkit.auth import TokenVerifier

        http = httpx.AsyncClient(timeout=httpx.Timeout(5.0))
        app.state.http = http
        app.state.token_verifier = TokenVerifier(
            settings.oidc_issuer,
            settings.oidc_audience,
            jwks_url=settings.jwks_url,
            algorithms=settings.token_algorithms,
            leeway=settings.token_leeway_seconds,
            http=http,
        )
        app.state.service_tokens = _service_tokens(spec, settings, http)
        service_settings.set(settings)  # for event handlers (platformkit.context)
        db = Database(settings.database_url, pool_size=settings.database_pool_size) if spec.metadata else None
        app.state.db = db
        events = None
        consumers = [*spec.consumers, *personal_data_consumers(spec, app)]
        if db is not None and (spec.produces or consumers):
            from platformkit.events import EventRuntime

            events = EventRuntime(
                service=spec.name,
                nats_url=settings.nats_url,
                db=db,
                consumers=consumers,
                produces=spec.produces,
                poll_seconds=settings.outbox_poll_seconds,
            )
            await events.start()
        app.state.events = events
        try:
            async with AsyncExitStack() as own_resources:
                if spec.lifespan is not None:
                    await own_resources.enter_async_context(spec.lifespan(app))
                loops = [*spec.background]
                if events is not None and spec.produces:
                    # Any producer may notify (platformkit.events.notify): its stream is kept a source of
                    # NOTIFY after every reconnect, so its notifications reach the feed without the gateway.
                    from platformkit.events import keep_notify_stream_declared

                    loops.append(keep_notify_stream_declared)
                background = [asyncio.create_task(loop(app), name=loop.__name__) for loop in loops]
                scheduler = None
                if db is not None and spec.schedules:
                    from platformkit.scheduler import Scheduler

                    # Tests may set app.state.clock (a ManualClock) before the lifespan starts.
                    scheduler = Scheduler(db, spec.schedules, app=app, clock=getattr(app.state, "clock", None))
                    await scheduler.start()
                app.state.scheduler = scheduler
                freeze_startup_heap()
                try:
                    yield
                finally:
                    # Back under collection: a process that starts several apps (tests) frees them.
                    gc.unfreeze()
                    if scheduler is not None:
                        await scheduler.stop()
                    await tasks.stop(*background)
        finally:
            if events is not None:
                await events.stop()
            if db is not None:
                await db.dispose()
            await http.aclose()

    app = FastAPI(
        title=f"Dorfmarktplatz {spec.name}",
        description=spec.description,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.spec = spec
    app.state.acting_scopes = spec.acting_scopes  # platformkit.auth refuses any other `act`
    registry = CollectorRegistry()
    app.state.metrics_registry = registry
    install_problem_handlers(app)
    for key, handler in spec.exception_handlers.items():
        app.add_exception_handler(key, handler)
    for router in spec.routers:
        app.include_router(router)
    if spec.personal_data is not None and spec.metadata is not None:
        app.include_router(export_router(spec.personal_data, spec.name))
    app.include_router(health_router)
    if spec.metadata is not None and (spec.produces or spec.consumers or spec.personal_data):  # /ops routes
        app.include_router(ops_router)
    # Starlette applies the list outermost first.
    app.user_middleware[:0] = [
        *spec.outer_middleware,
        Middleware(RequestContextMiddleware, metrics=HttpMetrics(registry), max_body_bytes=spec.max_body_bytes),
        *spec.middleware,
    ]
    return app
