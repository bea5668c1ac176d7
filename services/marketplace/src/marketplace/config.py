"""Settings of the marketplace service (environment variables). See README.md, "Settings"."""

from __future__ import annotations

from platformkit.outbound import OutboundSettings


class MarketplaceSettings(OutboundSettings):
    service_name: str = "marketplace"
    oidc_audience: str = "marketplace"

    # A stock hold keeps units for a person's checkout this long (then the sweeper releases them).
    hold_ttl_seconds: int = 15 * 60
    # Stock at or below this is "low" (event marketplace.stock.ran_low.v1).
    low_stock_threshold: int = 3
    # Packed weight may exceed the ordered estimate by this much before the price is capped.
    weight_tolerance_percent: int = 10

    # The online payment provider (authorize / capture / void over HTTP). Unset: only payment on
    # pickup, on delivery and by invoice are offered.
    payment_provider_url: str | None = None

    # A webhook endpoint is disabled after this many failed attempts in a row (its messages are then held
    # and sent again when the merchant turns it back on). Sending, retries, signing and the SSRF guard are
    # platformkit.outbound's (OUTBOUND_* settings; OUTBOUND_ALLOWED_NETWORKS only for development).
    webhook_disable_after_failures: int = 8

    # Merchant API requests per key and minute (429 with Retry-After beyond it), per replica.
    merchant_api_requests_per_minute: int = 600

    # Search counts (total, facets) over at most this many matches; beyond it they say "at least".
    search_count_limit: int = 1000

    # The district's gazetteer (libs/places file format); unset: the Uckermark demo shipped with places.
    gazetteer_file: str | None = None
