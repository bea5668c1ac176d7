"""Pure domain logic of volunteers (no I/O): sign-up states and rules, organisation verification,
local times and recurring shifts, matching and eligibility, the iCalendar feed."""
