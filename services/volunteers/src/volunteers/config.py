"""Settings of the volunteers service (environment variables, 12-factor). See README.md, "Settings"."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from platformkit.config import ServiceSettings
from volunteers.domain.signups import PromotionRules


class VolunteersSettings(ServiceSettings):
    service_name: str = "volunteers"
    oidc_audience: str = "volunteers"

    # --- sign-ups -------------------------------------------------------------------------------
    # Two shifts of one person may overlap by this much (a hand-over); capped at half the shorter shift.
    overlap_grace_minutes: int = 0
    # Back-to-back shifts further apart than this get a travel warning (no overlap, so still allowed).
    travel_warning_km: float = 20.0
    # Cancelling later than this before the start is allowed but marked late and alerts the coordinators.
    self_cancel_deadline_hours: int = 3
    # A seat that frees up later than this before the start is offered (time-boxed), not given.
    promotion_cutoff_hours: int = 12
    offer_minutes: int = 30
    # An unanswered request that needs the organisation's approval lapses after this (or at the start).
    request_expiry_hours: int = 72
    # An expression of interest in an ongoing commitment (or a pledge) the organisation did not answer
    # ends after this, and its place (or quantity) is open again.
    commitment_expiry_days: int = 14
    check_in_opens_minutes: int = 30
    # A shift counts as over this long after its end: checked-in becomes completed, confirmed no-show.
    completion_grace_minutes: int = 30
    # After this many no-shows a person's new sign-ups wait for the organisation's approval.
    no_show_limit: int = 2
    # How long an organisation sees a confirmed volunteer's contact data after the shift ended.
    contact_release_days: int = 30
    default_min_age: int = 16

    # --- matching -------------------------------------------------------------------------------
    # straight: the line between village centroids; road: the line times places' detour factor.
    distance_mode: Literal["straight", "road"] = "straight"

    # --- reminders, series, retention -------------------------------------------------------------
    reminder_lead_hours: int = 24
    # A reminder later than this before the start is no longer sent (it would be stale).
    reminder_min_lead_minutes: int = 60
    series_horizon_days: int = 56
    archive_after_days: int = 3 * 365
    archive_warning_days: int = 30
    # The platform's public address, for absolute calendar links; unset: links are paths on the same site
    # (the web app makes them absolute from its own address).
    public_url: str | None = None

    @property
    def promotion(self) -> PromotionRules:
        return PromotionRules(cutoff=timedelta(hours=self.promotion_cutoff_hours),
                              offer_for=timedelta(minutes=self.offer_minutes),
                              overlap_grace=timedelta(minutes=self.overlap_grace_minutes))
