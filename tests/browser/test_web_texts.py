"""Fast checks beside the browser tests: every text the pages show comes from web/texts.py (templates and
scripts hold none of their own, so a second language is one more `Texts`), and service problems become
plain-language messages by field."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

# The pages import the gateway's browser contract; without it there is no web app to check.
pytest.importorskip("gateway.browser", reason="gateway/src/gateway/browser.py is not there")

from web import STATIC_DIR, create_web_router  # noqa: E402
from web.problems import form_errors  # noqa: E402
from web.templating import ENVIRONMENT, TEMPLATES_DIR, calendar_day, decimal, local_window  # noqa: E402
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


def test_numbers_are_written_the_german_way() -> None:
    """Distances and hours as residents read them: a comma, and no ",0" on whole numbers."""
    assert [decimal(v) for v in (21.44, 0.0, 3, 1.25, 12.96, None)] == ["21,4", "0", "3", "1,2", "13", ""]
    page = ENVIRONMENT.from_string("{{ t.volunteers.distance.format(km=d | decimal) }}, {{ (m / 60) | decimal }} h")
    assert page.render(t=DE, d=21.4, m=90) == "21,4 km entfernt, 1,5 h"


def test_a_time_window_is_written_with_its_day_and_both_times() -> None:
    """A request for help from 10 to 12 o'clock local time (UTC in the service's answer); across midnight
    both days; in summer time too."""
    assert local_window("2026-12-03T09:00:00+00:00", "2026-12-03T11:00:00+00:00") == "Do., 3. Dez., 10:00–12:00 Uhr"
    assert local_window("2026-07-04T20:00:00Z", "2026-07-05T04:00:00Z") == (
        "Sa., 4. Juli, 22:00 Uhr – So., 5. Juli, 06:00 Uhr")
    assert local_window("2026-03-02T07:30:00+00:00", None) == "Mo., 2. März, 08:30 Uhr"
    assert local_window(None, None) == ""


def test_every_distance_and_hours_in_a_template_goes_through_decimal() -> None:
    """A `{km}` or `{hours}` filled with the service's float would show Python's "21.4 km" to residents."""
    unformatted = []
    for template in TEMPLATES_DIR.rglob("*.html"):
        source = template.read_text(encoding="utf-8")
        for found in re.finditer(r"\b(?:km|hours)=", source):
            argument = _argument_at(source, found.end())
            if "| decimal" not in argument:
                unformatted.append(f"{template.relative_to(TEMPLATES_DIR)}: {argument.strip()}")
    assert not unformatted, unformatted


def _argument_at(source: str, start: int) -> str:
    """A call's keyword argument from `start` to the comma or parenthesis that ends it (nested ones kept)."""
    depth = 0
    for end in range(start, len(source)):
        if source[end] == "(":
            depth += 1
        elif source[end] in ",)" and depth == 0:
            return source[start:end]
        elif source[end] == ")":
            depth -= 1
    return source[start:]


def test_the_template_check_reads_an_argument_with_nested_parentheses() -> None:
    assert _argument_at("x(hours=((m or 0) / 60) | decimal, y=1)", 8) == "((m or 0) / 60) | decimal"
    assert _argument_at("x(km=p.km)", 5) == "p.km"


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


# Problem codes of the volunteers service that no web form can meet (calendar feeds, inspections and reports
# have no form) or that the status says well enough (FORBIDDEN, NOT_FOUND).
VOLUNTEERS_CODES_WITHOUT_A_FORM = {"CALENDAR_NOT_FOUND", "REPORT_NOT_FOUND", "VOLUNTEER_NOT_FOUND",
                                   "FORBIDDEN", "NOT_FOUND"}


def test_every_problem_the_volunteers_service_answers_a_form_with_has_our_words() -> None:
    """The volunteers service's `detail` is English: each of its codes needs a German sentence of ours
    (NOT_ELIGIBLE is put together from its reasons)."""
    source = Path(__file__).resolve().parents[2] / "services" / "volunteers" / "src" / "volunteers"
    codes = set()
    for module in source.rglob("*.py"):
        if "migrations" not in module.parts:
            codes |= set(re.findall(r'"([A-Z][A-Z_]{3,})"', module.read_text(encoding="utf-8")))
    assert "SHIFT_OVERLAP" in codes and "LOCAL_TIME_AMBIGUOUS" in codes  # the scan finds them
    missing = codes - set(DE.volunteers.problems) - VOLUNTEERS_CODES_WITHOUT_A_FORM - {"NOT_ELIGIBLE"}
    assert not missing, f"volunteers problems without German words: {sorted(missing)}"


def test_volunteers_problems_are_our_german_words_never_the_services_english() -> None:
    from web.volunteers.common import not_eligible

    t = DE.volunteers
    english = "You already have a shift at this time."
    overlap = form_errors(_problem(409, {"code": "SHIFT_OVERLAP", "detail": english}), {}, DE, messages=t.problems)
    assert overlap.general == t.problems["SHIFT_OVERLAP"]
    gap = _problem(422, {"code": "LOCAL_TIME_DOES_NOT_EXIST", "detail": "29.03.2026 02:30 does not exist",
                         "errors": [{"field": "body.start", "code": "LOCAL_TIME_DOES_NOT_EXIST", "detail": "x"}]})
    assert form_errors(gap, {"body.start": "from_time"}, DE, messages=t.problems).fields == {
        "from_time": t.problems["LOCAL_TIME_DOES_NOT_EXIST"]}
    # A code we have no words for: the plain message for its status, not the English detail.
    unknown = form_errors(_problem(409, {"code": "SOMETHING_NEW", "detail": english}), {}, DE, messages={})
    assert unknown.general == DE.error_conflict
    reasons = not_eligible(t, ["age_below:18", "licence_missing:B", "language_below:de:B2", "efz_missing", "what?"])
    assert reasons == ("Hierfür kannst du dich leider nicht anmelden. Mitmachen kann man erst ab 18 Jahren. "
                       "Dafür braucht es einen Führerschein der Klasse B. Dafür braucht es Deutsch mindestens auf "
                       "Stufe B2. " + t.not_eligible_reasons["efz_missing"])


def test_a_day_is_written_the_german_way() -> None:
    """The services answer days in ISO form ("2027-05-01"): a driver's check is valid until 01.05.2027."""
    assert calendar_day("2027-05-01") == calendar_day(date(2027, 5, 1)) == "01.05.2027"
    assert calendar_day(None) == calendar_day("") == ""


def test_the_sign_ups_spreadsheet_is_in_german() -> None:
    from web.volunteers.coordinator import german_roster

    service_csv = ("display_name;state;waitlist_rank;contact_email;contact_phone;minutes_credited\r\n"
                   "Jürgen W.;completed;;j@example.org;;90\r\n"
                   "'=HYPERLINK(1);waitlisted;2;;;\r\n")
    table = german_roster(service_csv, DE.volunteers)
    assert table.startswith("\ufeffName;Stand;Platz auf der Warteliste;E-Mail;Telefon;Stunden\r\n")
    assert "Jürgen W.;erledigt;;j@example.org;;1,5\r\n" in table
    assert "'=HYPERLINK(1);Warteliste;2;;;\r\n" in table  # the service's guard against formulas stays
