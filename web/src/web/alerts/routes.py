"""The alerts area's routers, for web/router.py."""

from web.alerts import device, resident, staff

routers = (resident.router, device.router, staff.router)
