"""Pages of the alerts area: current warnings for my places, subscriptions, the all-clear; alert authors issuing
local warnings; feed health.
"""
