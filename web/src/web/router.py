"""All pages of the web app as one router for the gateway to include."""

from __future__ import annotations

from fastapi import APIRouter

from web import marketplace, shell
from web.admin import dashboard, people, plumbing, records
from web.alerts.routes import routers as alerts_routers
from web.merchant import api_keys
from web.mobility import drivers as mobility_drivers
from web.mobility import feeds as mobility_feeds
from web.mobility import pages as mobility_pages
from web.resident import account, home, notifications, signup
from web.volunteers import coordinator, resident, staff


def create_web_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)  # pages, not API: kept out of the merged OpenAPI
    for face_router in (
        home.router, signup.router, account.router, notifications.router, shell.router,  # residents
        api_keys.router,  # merchants
        *marketplace.routers,  # marketplace: residents' shop, merchants' orders and goods, staff's approval
        dashboard.router, people.router, records.router, plumbing.router,  # district staff
        resident.router, coordinator.router, staff.router,  # volunteers
        *alerts_routers,  # warnings: residents' list, map and places; alert authors' local warnings
        mobility_pages.router, mobility_drivers.router, mobility_feeds.router,  # rides, taxi, drivers; desk, timetable
    ):
        router.include_router(face_router)
    return router
