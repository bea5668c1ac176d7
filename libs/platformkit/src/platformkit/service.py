"""What a service is, declared once: `ServiceSpec` is read by the app factory, the migration runner,
the launcher and the tests, so that every service is wired the same way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from sqlalchemy import MetaData
from starlette.middleware import Middleware

from platformkit.config import ServiceSettings
from platformkit.db import Database

if TYPE_CHECKING:
    from fastapi import FastAPI

    from platformkit.personal_data import PersonalData
    from platformkit.scheduler import Schedule


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    settings: type[ServiceSettings]
    routers: Sequence[APIRouter] = ()
    # The service's event consumers (platformkit.events.Consumer); empty for a pure producer.
    consumers: Sequence[Any] = ()
    # The service's tables (its model base's metadata); None for a service without a database.
    metadata: MetaData | None = None
    # Dotted path of the package holding alembic's env.py and versions/, e.g. "accounts.migrations".
    migrations: str | None = None
    # Whether the service publishes events, and so declares its own stream.
    produces: bool = True
    # Long-running loops of the service (e.g. a mail sender), each given the app; started after the
    # database and events, cancelled at shutdown. Must be safe with several replicas running.
    background: Sequence[Callable[[FastAPI], Coroutine[Any, Any, None]]] = ()
    # Time-driven steps (platformkit.scheduler): run by one replica at a time, elected through the
    # service's database; needs `metadata`. Steps must be idempotent.
    schedules: Sequence[Schedule] = ()
    # Raw ASGI middleware of the service itself: `middleware` runs inside the platform's request
    # context (request id, body cap, metrics), `outer_middleware` before it (e.g. the gateway's rate
    # limiter, which must reject a flood before anything else is spent on it).
    middleware: Sequence[Middleware] = ()
    outer_middleware: Sequence[Middleware] = ()
    # Resources of the service's own (opened after the platform's, closed before them), e.g. the
    # gateway's upstream pools. Given the app; whatever it sets on app.state lives as long as the app.
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None
    # Demo data for `dorf seed --demo`: given the service's database and settings; running it twice
    # must change nothing.
    seed_demo: Callable[[Database, ServiceSettings], Awaitable[None]] | None = None
    # The personal-data contract (platformkit.personal_data): None for a service that holds none.
    personal_data: PersonalData | None = None
    # The staff authorities (`act.scope` of accounts' token exchange, e.g. "people-desk") under which the service
    # takes a token acting for a person; any other `act` is refused with 403 before a route runs. None: every
    # `act` is taken, and the routes check it themselves.
    acting_scopes: frozenset[str] | None = None
    # Exception handlers of the service's own, by status or exception class, over the platform's problem
    # handlers (e.g. the gateway answers a browser's unknown page address with the web app's page).
    exception_handlers: Mapping[int | type[Exception], Callable[[Any, Any], Awaitable[Any]]] = field(
        default_factory=dict)
    # Larger request bodies are refused with 413 before the service reads them.
    max_body_bytes: int = 1024 * 1024
    description: str = ""
    tags: Sequence[str] = field(default_factory=tuple)

    def create_app(self, settings: ServiceSettings | None = None) -> FastAPI:
        from platformkit.app import create_app

        return create_app(self, settings)
