"""The start page: what the platform offers, sign-in and sign-up (or the way on, when signed in)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from web.pages import PageDep, WebRoute

router = APIRouter(route_class=WebRoute)


@router.get("/", response_class=HTMLResponse)
async def start_page(page: PageDep) -> HTMLResponse:
    return page.render("resident/home.html", title=page.texts.home_title)
