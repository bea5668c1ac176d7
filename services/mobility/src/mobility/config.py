"""Settings of the mobility service (environment variables, 12-factor). See README.md, "Settings"."""

from __future__ import annotations

from pydantic import model_validator

from platformkit.config import ServiceSettings


class MobilitySettings(ServiceSettings):
    service_name: str = "mobility"
    oidc_audience: str = "mobility"

    # --- booking rules ----------------------------------------------------------------------------
    # A booking must reach us this long before departure at the pickup stop, in real elapsed time.
    booking_notice_minutes: int = 60
    # How far ahead bookings are taken and recurring offers are expanded.
    booking_horizon_days: int = 60
    # How long a rider may be kept waiting by detours booked after them.
    rider_delay_budget_secs: int = 120
    # No-shows within this many days before the account needs the desk to confirm new bookings.
    no_show_limit: int = 3
    no_show_window_days: int = 90
    # A driver must check in this long before departure, or the taxi is sent.
    check_in_minutes: int = 5
    # Minimum trip length (research: rides under 1 km are not offered).
    min_trip_metres: int = 1000

    # --- money --------------------------------------------------------------------------------------
    # Drivers are paid per driven km per vehicle trip, never per passenger (Mobilfalt: 30 ct).
    driver_rate_cents_per_km: int = 30
    # The legal ceiling (PBefG § 1 Abs. 2 with BRKG § 5): a rate above it would make rides commercial.
    legal_cap_cents_per_km: int = 30
    # Whether a trip is paid when every passenger was a no-show (Mobilfalt: yes).
    pay_when_all_no_show: bool = True
    fare_private_cents: int = 100
    fare_fallback_cents: int = 250
    # Roads are longer than the beeline where the feed has no shape distances.
    detour_factor: float = 1.3

    # --- the scheduler ------------------------------------------------------------------------------
    tick_seconds: int = 60

    @model_validator(mode="after")
    def _rate_within_cap(self) -> MobilitySettings:
        if self.driver_rate_cents_per_km > self.legal_cap_cents_per_km:
            raise ValueError("DRIVER_RATE_CENTS_PER_KM must not exceed LEGAL_CAP_CENTS_PER_KM")
        if self.booking_notice_minutes < 0 or self.check_in_minutes < 0:
            raise ValueError("notice and check-in minutes must not be negative")
        return self
