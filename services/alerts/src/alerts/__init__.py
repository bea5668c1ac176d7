"""alerts: official warnings (NINA, CAP 1.2) relayed to residents by place; the district's own warnings."""
