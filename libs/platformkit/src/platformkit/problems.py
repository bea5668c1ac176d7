"""RFC 9457 problem details: every error leaves a service as application/problem+json with a stable
machine `code`, a human `detail` and, for input errors, the field paths. Never a stack trace."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("platformkit.problems")

# Default codes for statuses raised without one (by Starlette, or by HTTPException in a route).
CODES_BY_STATUS = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    412: "PRECONDITION_FAILED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_FAILED",
    428: "PRECONDITION_REQUIRED",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    502: "BAD_GATEWAY",
    503: "UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


class ProblemError(Exception):
    """Raise from anywhere in a request to answer with a problem: `ProblemError(404, "ORDER_NOT_FOUND")`."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str | None = None,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or code)
        self.status = status
        self.code = code
        self.detail = detail or HTTPStatus(status).phrase
        self.field = field
        self.headers = headers or {}
        self.extra = extra or {}


def problem_body(
    status: int, code: str, detail: str, *, instance: str | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"https://dorfmarktplatz.de/problems/{code.lower().replace('_', '-')}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
    **extra: Any,
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, code, detail, instance=instance, **extra),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_JSON,
    )


def field_path(location: tuple[Any, ...] | list[Any]) -> str:
    """("body", "lines", 0, "qty") -> "body.lines[0].qty" """
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path


async def _on_problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProblemError)
    extra = dict(error.extra)
    if error.field:
        extra["errors"] = [{"field": error.field, "code": error.code, "detail": error.detail}]
    return problem_response(
        error.status, error.code, error.detail, headers=error.headers, instance=request.url.path, **extra
    )


async def _on_validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {"field": field_path(item["loc"]), "code": item["type"], "detail": item["msg"]}
        for item in error.errors()
    ]
    detail = "; ".join(f"{item['field']}: {item['detail']}" for item in errors[:5])
    return problem_response(422, "VALIDATION_FAILED", detail, instance=request.url.path, errors=errors)


async def on_http_exception(request: Request, error: Exception) -> JSONResponse:
    """The problem for an HTTPException (Starlette's 404 for a path no route matches, 405, ...)."""
    assert isinstance(error, StarletteHTTPException)
    code = CODES_BY_STATUS.get(error.status_code, HTTPStatus(error.status_code).name)
    detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
    return problem_response(
        error.status_code, code, detail, headers=dict(error.headers or {}), instance=request.url.path
    )


async def _on_database_error(request: Request, error: Exception) -> JSONResponse:
    # A database that is down, restarting or busy past its timeout is a temporary condition, not a bug:
    # 503 and try again.
    if isinstance(error, DBAPIError) and error.connection_invalidated or _is_temporary(error):
        log.warning("database unavailable: %s", type(error).__name__)
        return problem_response(
            503, "DATABASE_UNAVAILABLE", "The database is busy or not reachable right now; try again shortly.",
            headers={"Retry-After": "2"}, instance=request.url.path,
        )
    return await _on_unexpected(request, error)


def _is_temporary(error: Exception) -> bool:
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    # OperationalError: connection refused or lost, server shutting down, SQLite "database is locked"
    # after the busy timeout; the pool's TimeoutError: every connection in use for too long.
    return isinstance(error, OperationalError | PoolTimeout)


async def _on_unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return problem_response(
        500, "INTERNAL_ERROR", "Something went wrong on our side.", instance=request.url.path
    )


def install_problem_handlers(app: FastAPI) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(SQLAlchemyError, _on_database_error)
    app.add_exception_handler(Exception, _on_unexpected)
