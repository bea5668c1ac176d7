"""Pages of the alerts area: current warnings for my places (list, map, live), one warning in my language,
choosing places and topics; alert authors issuing, updating and cancelling local warnings; feed health.
(The routers are in `routes.py`: this package is imported by web.texts, before the pages can be.)
"""
