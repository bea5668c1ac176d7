"""Fast checks beside the browser tests: every text the pages show comes from web/texts.py (templates and
scripts hold none of their own, so a second language is one more `Texts`), and service problems become
plain-language messages by field."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

# The pages import the gateway's browser contract; without it there is no web app to check.
pytest.importorskip("gateway.browser", reason="gateway/src/gateway/browser.py is not there")

from web import STATIC_DIR, create_web_router  # noqa: E402
from web.problems import form_errors  # noqa: E402
from web.templating import ENVIRONMENT, TEMPLATES_DIR  # noqa: E402
from web.texts import DE, TEXTS_BY_LANG  # noqa: E402

JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.DOTALL)
TAGS = re.compile(r"<[^>]*>", re.DOTALL)
LETTERS = re.compile(r"[A-Za-zÄÖÜäöüß]{2,}")


def test_templates_hold_no_text_of_their_own() -> None:
    for template in TEMPLATES_DIR.rglob("*.html"):
        ENVIRONMENT.get_template(str(template.relative_to(TEMPLATES_DIR)))  # compiles
        visible = TAGS.sub(" ", JINJA.sub(" ", template.read_text(encoding="utf-8")))
        words = LETTERS.findall(visible)
        assert not words, f"{template.name} has its own text: {words}"


def test_scripts_take_their_texts_from_the_page() -> None:
    for script in (STATIC_DIR / "js").glob("*.js"):
        strings = re.findall(r'"([^"\\]*)"', script.read_text(encoding="utf-8"))
        german = [text for text in strings if re.search(r"[äöüß]|\b(Sie|und|nicht|der|die|das)\b", text)]
        assert not german, f"{script.name} has German text: {german}"


def _empty_texts(texts: object, path: str) -> list[str]:
    empty = []
    for item in dataclasses.fields(texts):  # type: ignore[arg-type]
        value = getattr(texts, item.name)
        if dataclasses.is_dataclass(value):
            empty += _empty_texts(value, f"{path}{item.name}.")  # an area's own texts
        elif not value:
            empty.append(path + item.name)
    return empty


def test_every_language_fills_every_text() -> None:
    for texts in TEXTS_BY_LANG.values():
        assert not _empty_texts(texts, ""), f"{texts.lang}: empty texts"
    assert DE.lang == "de"


def test_router_serves_the_pages_of_all_three_faces() -> None:
    app = FastAPI()
    app.include_router(create_web_router())
    pages = {"start_page": "/", "sign_up": "/signup", "account_page": "/account", "download_my_data": "/account/export",
             "request_my_data": "/account/export",
             "confirm_deletion": "/account/delete", "notifications_page": "/notifications",
             "merchant_portal": "/merchant", "dashboard": "/admin", "people_page": "/admin/people",
             "audit_log": "/admin/audit-log", "mails": "/admin/mails",
             "erasure_reports": "/admin/erasures", "plumbing": "/admin/plumbing",
             "manifest": "/manifest.webmanifest",
             "service_worker": "/sw.js", "offline_page": "/offline"}
    for name, path in pages.items():
        assert app.url_path_for(name) == path
    job = "0b9f3c1e-6d7a-4f0e-9a52-0d0f5e1c0a11"
    assert app.url_path_for("my_data_download_state", export_id=job) == f"/account/export/{job}"
    assert app.url_path_for("my_data_file", export_id=job) == f"/account/export/{job}/file"
    assert Path(STATIC_DIR, "css", "app.css").is_file()


def _problem(status: int, body: dict[str, object]) -> httpx.Response:
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


def test_validation_problems_become_our_words_next_to_the_field() -> None:
    response = _problem(422, {"code": "VALIDATION_FAILED", "detail": "body.email: String should match pattern",
                              "errors": [{"field": "body.email", "code": "string_pattern_mismatch",
                                          "detail": "String should match pattern '^[^@]+@'"},
                                         {"field": "body.name", "code": "missing", "detail": "Field required"}]})
    errors = form_errors(response, {"body.email": "email", "body.name": "name"}, DE)
    assert errors.fields == {"email": DE.error_email, "name": DE.error_required}
    assert errors.general is None


def test_a_services_own_problem_keeps_its_german_words() -> None:
    response = _problem(422, {"code": "PASSWORD_POLICY", "detail": "Das Passwort muss mindestens 10 Zeichen lang sein.",
                              "errors": [{"field": "body.password", "code": "PASSWORD_POLICY",
                                          "detail": "Das Passwort muss mindestens 10 Zeichen lang sein."}]})
    errors = form_errors(response, {"body.password": "password"}, DE)
    assert errors.fields == {"password": "Das Passwort muss mindestens 10 Zeichen lang sein."}


def test_problems_without_a_field_become_one_plain_message() -> None:
    assert form_errors(_problem(412, {"code": "VERSION_MISMATCH", "detail": "x"}), {}, DE).general == DE.error_version
    assert form_errors(_problem(429, {"code": "RATE_LIMITED", "detail": "x"}), {}, DE).general == DE.error_too_many
    assert form_errors(httpx.Response(400, text="<html>oops</html>"), {}, DE).general == DE.error_bad_request
