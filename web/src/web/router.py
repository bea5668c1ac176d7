"""All pages of the web app as one router for the gateway to include."""

from __future__ import annotations

from fastapi import APIRouter

from web import shell
from web.admin import dashboard, people, plumbing, records
from web.merchant import api_keys
from web.resident import account, home, notifications, signup


def create_web_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)  # pages, not API: kept out of the merged OpenAPI
    for face_router in (
        home.router, signup.router, account.router, notifications.router, shell.router,  # residents
        api_keys.router,  # merchants
        dashboard.router, people.router, records.router, plumbing.router,  # district staff
    ):
        router.include_router(face_router)
    return router
