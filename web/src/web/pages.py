"""What every page handler shares: the request's context (session, service calls, texts), rendering with
the layout's data, role checks, and the route class that turns a failed service call into a plain page.

Pages reach services only through the gateway's `ServiceCalls` (as the signed-in person, or anonymously);
they never read a database.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

import httpx
from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute

from gateway.browser import (
    BrowserSession,
    BrowserSessionDep,
    IssuerUnavailable,
    ServiceCalls,
    ServiceCallsDep,
    SignedInDep,
    browser_session,
    service_calls,
)
from web.navigation import NavItem, main_navigation
from web.templating import render_template
from web.texts import DE, Texts

# `PageContext.read` without `missing`: a 404 is the not-found page.
NOT_FOUND_PAGE: Any = object()

# Pages carry personal data; neither the browser's cache nor the service worker may keep them.
PAGE_HEADERS = {"Cache-Control": "no-store"}


def login_url(next_path: str) -> str:
    return "/auth/login?next=" + quote(next_path, safe="/")


def return_path(request: Request) -> str:
    """Where to come back after signing in: this page's path and query (own site only)."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


class PageProblem(Exception):
    """Raised while building a page; the route class answers with the error page (or a redirect)."""

    def __init__(self, page: PageContext, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.page = page
        self.status = status
        self.title = title
        self.message = message


class SignInAgain(Exception):
    """The gateway's session no longer gets the person through (the service said 401)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass
class PageContext:
    request: Request
    session: BrowserSession | None
    calls: ServiceCalls
    texts: Texts = DE

    async def call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        on_behalf_of: str | None = None,
    ) -> httpx.Response:
        """A service call; an unreachable or failing service becomes the "not reachable" page, an expired
        login the way back to the login page. Every other answer is the caller's to read. `on_behalf_of`:
        a staff member acting for that person with an exchanged token (ServiceCalls.request); raises
        ActingRefused when accounts gives the staff member no such token."""
        try:
            response: httpx.Response = await self.calls.request(
                method, service, path, json=json, content=content, params=dict(params) if params else None,
                headers=dict(headers) if headers else None, on_behalf_of=on_behalf_of,
            )
        except (httpx.HTTPError, IssuerUnavailable) as error:
            raise self.problem(503, self.texts.error_service_down_title, self.texts.error_service_down) from error
        if response.status_code >= 500:
            raise self.problem(503, self.texts.error_service_down_title, self.texts.error_service_down)
        if response.status_code == 401:
            raise SignInAgain(return_path(self.request))
        return response

    async def read(
        self, service: str, path: str, *, params: Mapping[str, str] | None = None, missing: Any = NOT_FOUND_PAGE,
    ) -> Any:
        """GET a service's JSON. An answer that is not a success becomes its page (see `failed`); with
        `missing`, a 404 is that value instead (for what may well not exist yet, like a profile)."""
        response = await self.call("GET", service, path, params=params)
        if response.status_code == 404 and missing is not NOT_FOUND_PAGE:
            return missing
        if not response.is_success:
            raise self.failed(response)
        return response.json()

    def failed(self, response: httpx.Response) -> PageProblem:
        """The page for a service's refusal: 404 not found, 403 no access, anything else "not reachable"."""
        if response.status_code == 404:
            return self.not_found()
        if response.status_code == 403:
            return self.forbidden()
        return self.problem(response.status_code, self.texts.error_service_down_title, self.texts.error_service_down)

    def problem(self, status: int, title: str, message: str) -> PageProblem:
        return PageProblem(self, status, title, message)

    def forbidden(self) -> PageProblem:
        return self.problem(403, self.texts.error_forbidden_title, self.texts.error_forbidden)

    def not_found(self) -> PageProblem:
        return self.problem(404, self.texts.error_not_found_title, self.texts.error_not_found)

    @property
    def signed_in(self) -> BrowserSession:
        if self.session is None:  # only on routes that depend on SignedInDep, which never lets this happen
            raise SignInAgain(return_path(self.request))
        return self.session

    def require_role(self, role: str) -> BrowserSession:
        session = self.signed_in
        if role not in session.roles:
            raise self.forbidden()
        return session

    def require_staff_scope(self, scope: str) -> BrowserSession:
        """An operator with this staff scope; `admin` implies the others (as accounts decides too)."""
        session = self.require_role("operator")
        if scope not in session.scopes and "admin" not in session.scopes:
            raise self.forbidden()
        return session

    def render(
        self, template: str, *, status: int = 200, title: str, headers: Mapping[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        navigation: list[NavItem] = main_navigation(self.session, self.request.url.path, self.texts)
        html = render_template(template, {
            "t": self.texts,
            "session": self.session,
            "csrf_token": self.session.csrf_token if self.session else "",
            "navigation": navigation,
            "path": self.request.url.path,
            "login_url": login_url(return_path(self.request)),
            "title": title,
            **context,
        })
        return HTMLResponse(html, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})


def _any_page(request: Request, session: BrowserSessionDep, calls: ServiceCallsDep) -> PageContext:
    return PageContext(request=request, session=session, calls=calls)


def _signed_in_page(request: Request, session: SignedInDep, calls: ServiceCallsDep) -> PageContext:
    return PageContext(request=request, session=session, calls=calls)


# Any visitor (signed in or not) / a signed-in person (otherwise the gateway sends them to the login).
PageDep = Annotated[PageContext, Depends(_any_page)]
SignedInPageDep = Annotated[PageContext, Depends(_signed_in_page)]


def see_other(url: str) -> RedirectResponse:
    """Post/Redirect/Get: after a form post, the browser loads the result with GET (reload is harmless)."""
    return RedirectResponse(url, status_code=303)


class WebRoute(APIRoute):
    """A page route: a `PageProblem` becomes the plain error page, `SignInAgain` the way to the login, and
    an address whose id is no id at all (`/volunteering/opportunities/abc`, a link cut short) the
    not-found page — not the API's English problem JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInAgain as again:
                return see_other(login_url(again.next_path))
            except PageProblem as problem:
                return problem.page.render(
                    "shared/error.html", status=problem.status, title=problem.title, message=problem.message
                )
            except RequestValidationError as invalid:
                if not all((error.get("loc") or ("",))[0] == "path" for error in invalid.errors()):
                    raise
                return await not_found_page(request)

        return page_handler


async def not_found_page(request: Request) -> HTMLResponse:
    """The German not-found page with the menu (for whoever is signed in): for an id that is no id, and,
    through the gateway, for a page address no route has at all."""
    page = PageContext(request=request, session=await browser_session(request), calls=await service_calls(request))
    missing = page.not_found()
    return page.render("shared/error.html", status=missing.status, title=missing.title, message=missing.message)
