"""Pages of the marketplace area: goods from local producers and shops, the delivery-service directory, cart,
checkout and orders; the merchant portal's products, stock and orders; the district's merchant approval.
"""

from web.marketplace import admin, portal, shop

routers = (shop.router, portal.router, admin.router)
