"""Settings of the alerts service (environment variables, 12-factor). See README.md, "Settings"."""

from __future__ import annotations

from platformkit.config import StringList
from platformkit.outbound import OutboundSettings


class AlertsSettings(OutboundSettings):
    """Outbound (Web Push for anonymous subscriptions, signed webhooks for displays): see
    platformkit.outbound's settings (WEB_PUSH_PRIVATE_KEY, OUTBOUND_ALLOWED_NETWORKS, ...)."""

    service_name: str = "alerts"
    oidc_audience: str = "alerts"

    # --- the district this deployment serves ------------------------------------------------------
    # Its Kreis-level ARS (libs/places). Local warnings belong to it; an author whose token names another
    # district (claim `district`) cannot touch them.
    district_ars: str = "120730000000"
    # Our CAP `sender` (an e-mail-like id) and the sender name shown in warnings we issue.
    cap_sender: str = "leitstelle@uckermark.example"
    cap_sender_name: str = "Landkreis Uckermark, Leitstelle"
    # How far (metres) a local warning's polygon may reach beyond the district's places before a second
    # author must approve it.
    territory_tolerance_m: float = 5_000.0
    # Where links in feeds and messages point (the public address of the platform).
    public_url: str = "http://127.0.0.1:8000"

    # --- feeds -------------------------------------------------------------------------------------
    # Operators may configure feeds only on these hosts (exact names; no SSRF to internal addresses).
    feed_allowed_hosts: StringList = ("warnung.bund.de", "opendata.dwd.de")
    feed_timeout_seconds: float = 10.0
    # Caps: a feed body, one zip member, and the whole inflated zip.
    feed_max_bytes: int = 10 * 1024 * 1024
    zip_member_max_bytes: int = 2 * 1024 * 1024
    zip_total_max_bytes: int = 50 * 1024 * 1024
    # A warning is removed after this many successful list fetches in a row without it.
    absent_fetches_before_removal: int = 2

    # --- delivery ----------------------------------------------------------------------------------
    # Within this window after a person was told about a thread, another escalation is held back.
    update_debounce_seconds: float = 60.0
    # The district's gazetteer (libs/places GeoJSON); unset: the Uckermark demo shipped with places.
    gazetteer_file: str | None = None
    # The largest radius a resident may give a point subscription.
    max_radius_m: float = 20_000.0
