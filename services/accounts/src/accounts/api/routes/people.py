"""Public routes for people: sign-up, e-mail verification, password reset (JSON for the web app,
and small HTML pages that the links in our mails open). Every answer is the same whether or not an
address has an account."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from accounts.api.deps import SettingsDep
from accounts.api.routes.oauth import PAGE_HEADERS
from accounts.crud import people, tokens
from accounts.domain import pages
from accounts.domain import texts_de as texts
from accounts.domain.passwords import hash_password, policy_problems
from accounts.schemas import Accepted, EmailVerification, PasswordResetConfirm, PasswordResetRequest, SignUp
from platformkit.deps import SessionDep
from platformkit.problems import ProblemError

router = APIRouter(tags=["people"])


def _check_password(password: str, email: str | None) -> None:
    problems = policy_problems(password, email=email)
    if problems:
        raise ProblemError(422, "PASSWORD_POLICY", " ".join(problems), field="body.password")


@router.post("/people", status_code=202, response_model=Accepted)
async def sign_up(body: SignUp, session: SessionDep, settings: SettingsDep) -> Accepted:
    """Sign up with e-mail and password. 202 and the same text for a new and a known address; a known
    address gets a hint mail instead of a second account."""
    _check_password(body.password, body.email)
    # Hashed in every case, so both paths take the same time.
    password_hash = await anyio.to_thread.run_sync(hash_password, body.password)
    await people.sign_up(
        session=session,
        settings=settings,
        email=body.email,
        password_hash=password_hash,
        name=body.name,
        home_place=body.home_place,
    )
    await session.commit()
    return Accepted(detail=texts.SIGNUP_ACCEPTED)


@router.post("/email-verifications", status_code=204)
async def verify_email(body: EmailVerification, session: SessionDep) -> None:
    if not await people.verify_email(session=session, token=body.token):
        raise ProblemError(400, "TOKEN_INVALID", texts.TOKEN_INVALID, field="body.token")
    await session.commit()


@router.post("/password-resets", status_code=202, response_model=Accepted)
async def request_password_reset(
    body: PasswordResetRequest, session: SessionDep, settings: SettingsDep
) -> Accepted:
    await people.request_password_reset(session=session, settings=settings, email=body.email)
    await session.commit()
    return Accepted(detail=texts.RESET_ACCEPTED)


@router.post("/password-resets/confirm", status_code=204)
async def confirm_password_reset(
    body: PasswordResetConfirm, session: SessionDep, settings: SettingsDep
) -> None:
    _check_password(body.password, None)
    password_hash = await anyio.to_thread.run_sync(hash_password, body.password)
    if not await people.reset_password(
        session=session, settings=settings, token=body.token, password_hash=password_hash
    ):
        raise ProblemError(400, "TOKEN_INVALID", texts.TOKEN_INVALID, field="body.token")
    await session.commit()


# --- the pages our mails link to ---------------------------------------------------------------------


def _page(html: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


@router.get("/email/verify", response_class=HTMLResponse, include_in_schema=False)
async def verify_email_page(settings: SettingsDep, token: str = "") -> HTMLResponse:
    # A button, not an immediate change: mail scanners open links too.
    return _page(pages.verify_email_page(action=f"{settings.link_base}/email/verify", token=token[:200]))


@router.post("/email/verify", response_class=HTMLResponse, include_in_schema=False)
async def verify_email_submit(request: Request, session: SessionDep) -> HTMLResponse:
    form = await request.form()
    token = str(form.get("token") or "")[:200]
    if not token or not await people.verify_email(session=session, token=token):
        return _page(pages.message_page(texts.VERIFY_TITLE, texts.TOKEN_INVALID, error=True), 400)
    await session.commit()
    return _page(pages.message_page(texts.VERIFY_TITLE, texts.EMAIL_VERIFIED))


@router.get("/password/forgot", response_class=HTMLResponse, include_in_schema=False)
async def forgot_page(settings: SettingsDep) -> HTMLResponse:
    return _page(pages.reset_request_page(action=f"{settings.link_base}/password/forgot"))


@router.post("/password/forgot", response_class=HTMLResponse, include_in_schema=False)
async def forgot_submit(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    form = await request.form()
    email = str(form.get("email") or "").strip()[:254]
    if "@" in email:
        await people.request_password_reset(session=session, settings=settings, email=email)
        await session.commit()
    return _page(
        pages.reset_request_page(action=f"{settings.link_base}/password/forgot", message=texts.RESET_ACCEPTED)
    )


@router.get("/password/reset", response_class=HTMLResponse, include_in_schema=False)
async def reset_page(session: SessionDep, settings: SettingsDep, token: str = "") -> HTMLResponse:
    token = token[:200]
    if not token or not await tokens.is_one_time_valid(
        session=session, token=token, purpose=tokens.RESET_PASSWORD
    ):
        return _page(pages.message_page(texts.RESET_TITLE, texts.TOKEN_INVALID, error=True), 400)
    return _page(pages.reset_password_page(action=f"{settings.link_base}/password/reset", token=token))


@router.post("/password/reset", response_class=HTMLResponse, include_in_schema=False)
async def reset_submit(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    form = await request.form()
    token = str(form.get("token") or "")[:200]
    password = str(form.get("password") or "")[:1024]
    action = f"{settings.link_base}/password/reset"
    problems = policy_problems(password)
    if problems:
        return _page(pages.reset_password_page(action=action, token=token, error=" ".join(problems)), 422)
    password_hash = await anyio.to_thread.run_sync(hash_password, password)
    if not await people.reset_password(
        session=session, settings=settings, token=token, password_hash=password_hash
    ):
        return _page(pages.message_page(texts.RESET_TITLE, texts.TOKEN_INVALID, error=True), 400)
    await session.commit()
    return _page(pages.message_page(texts.RESET_TITLE, texts.PASSWORD_CHANGED))
