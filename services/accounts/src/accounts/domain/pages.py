"""The few server-rendered pages of accounts (login at the authorize endpoint, e-mail verification,
password reset): plain HTML forms that work without JavaScript, with labels, large tap targets,
strong contrast and visible focus. Pure functions from values to HTML; every value is escaped."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from accounts.domain import texts_de as texts

_STYLE = """
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:1.125rem;
line-height:1.5;color:#1a1a1a;background:#f6f4ef}
main{max-width:32rem;margin:0 auto;padding:1.5rem 1rem}
h1{font-size:1.75rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:1.25rem 0 .4rem}
input{width:100%;min-height:3rem;font-size:1.125rem;padding:.6rem .75rem;border:2px solid #555;
border-radius:.4rem;background:#fff;color:#1a1a1a}
button{width:100%;min-height:3.25rem;margin-top:1.5rem;font-size:1.2rem;font-weight:700;color:#fff;
background:#1d5e2f;border:0;border-radius:.4rem;cursor:pointer}
input:focus,button:focus,a:focus{outline:3px solid #b35c00;outline-offset:2px}
.error{border-left:6px solid #a4161a;background:#fff;padding:.75rem 1rem;margin:1rem 0}
.note{margin-top:1.5rem}
a{color:#14532d}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
"""


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="{texts.LANG}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} – {texts.PLATFORM}</title><style>{_STYLE}</style></head>"
        f'<body><a class="skip" href="#inhalt">{escape(texts.SKIP_TO_FORM)}</a>'
        f'<main id="inhalt"><h1>{escape(title)}</h1>{body}</main></body></html>'
    )


def _error(message: str | None) -> str:
    if not message:
        return ""
    return f'<div class="error" role="alert" id="fehler">{escape(message)}</div>'


def _hidden(fields: Mapping[str, str]) -> str:
    return "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in fields.items()
    )


def login_page(
    *,
    action: str,
    oauth_fields: Mapping[str, str],
    email: str = "",
    error: str | None = None,
    reset_url: str | None = None,
) -> str:
    described = ' aria-describedby="fehler"' if error else ""
    invalid = ' aria-invalid="true"' if error else ""
    forgot = (
        f'<p class="note"><a href="{escape(reset_url)}">{escape(texts.LOGIN_FORGOT)}</a></p>'
        if reset_url
        else ""
    )
    body = (
        f"<p>{escape(texts.LOGIN_INTRO)}</p>{_error(error)}"
        f'<form method="post" action="{escape(action)}"{described}>{_hidden(oauth_fields)}'
        f'<label for="email">{escape(texts.LOGIN_EMAIL)}</label>'
        f'<input id="email" name="email" type="email" autocomplete="username" required'
        f' value="{escape(email)}"{invalid}>'
        f'<label for="password">{escape(texts.LOGIN_PASSWORD)}</label>'
        f'<input id="password" name="password" type="password" autocomplete="current-password"'
        f" required{invalid}>"
        f'<button type="submit">{escape(texts.LOGIN_SUBMIT)}</button></form>'
        f'{forgot}<p class="note">{escape(texts.LOGIN_HELP)}</p>'
    )
    return _page(texts.LOGIN_TITLE, body)


def message_page(title: str, message: str, *, error: bool = False) -> str:
    text = _error(message) if error else f'<p role="status">{escape(message)}</p>'
    return _page(title, text)


def verify_email_page(*, action: str, token: str) -> str:
    body = (
        f"<p>{escape(texts.VERIFY_INTRO)}</p>"
        f'<form method="post" action="{escape(action)}">{_hidden({"token": token})}'
        f'<button type="submit">{escape(texts.VERIFY_SUBMIT)}</button></form>'
    )
    return _page(texts.VERIFY_TITLE, body)


def reset_password_page(*, action: str, token: str, error: str | None = None) -> str:
    body = (
        f"<p>{escape(texts.RESET_INTRO)}</p>{_error(error)}"
        f'<form method="post" action="{escape(action)}">{_hidden({"token": token})}'
        f'<label for="password">{escape(texts.RESET_PASSWORD)}</label>'
        f'<input id="password" name="password" type="password" autocomplete="new-password" required'
        f' minlength="10">'
        f'<button type="submit">{escape(texts.RESET_SUBMIT)}</button></form>'
    )
    return _page(texts.RESET_TITLE, body)


def reset_request_page(*, action: str, message: str | None = None) -> str:
    status = f'<p role="status">{escape(message)}</p>' if message else ""
    body = (
        f"<p>{escape(texts.RESET_REQUEST_INTRO)}</p>{status}"
        f'<form method="post" action="{escape(action)}">'
        f'<label for="email">{escape(texts.LOGIN_EMAIL)}</label>'
        f'<input id="email" name="email" type="email" autocomplete="email" required>'
        f'<button type="submit">{escape(texts.RESET_REQUEST_SUBMIT)}</button></form>'
    )
    return _page(texts.RESET_REQUEST_TITLE, body)
