"""Settings come from the environment; lists may be written comma-separated or as JSON."""

from __future__ import annotations

import pytest

from platformkit.config import ServiceSettings, StringList, load_settings


class ListSettings(ServiceSettings):
    origins: StringList = ()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("https://a.example, https://b.example", ("https://a.example", "https://b.example")),
     ('["https://c.example"]', ("https://c.example",)),
     ("", ())],
)
def test_lists_from_the_environment(monkeypatch: pytest.MonkeyPatch, raw: str, expected: tuple[str, ...]) -> None:
    monkeypatch.setenv("ORIGINS", raw)
    settings = load_settings(ListSettings, service_name="t", database_url="sqlite://", oidc_issuer="http://i",
                             oidc_audience="t")
    assert settings.origins == expected


def test_a_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_POOL_SIZE", "many")
    with pytest.raises(SystemExit) as stopped:
        load_settings(ListSettings, service_name="t", database_url="sqlite://", oidc_issuer="http://i",
                      oidc_audience="t")
    assert "DATABASE_POOL_SIZE" in str(stopped.value)
