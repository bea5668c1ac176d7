"""The alerts area's routers, for web/router.py."""

from web.alerts import resident, staff

routers = (resident.router, staff.router)
