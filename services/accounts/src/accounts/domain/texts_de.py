# ruff: noqa: S105 - texts about passwords, not passwords
"""Every text a person reads from accounts, in German, in one place (a second language gets a sibling
module with the same names). Plain language: short sentences, no jargon, "Sie"."""

from __future__ import annotations

LANG = "de"
PLATFORM = "Dorfmarktplatz"

# --- answers of the API -------------------------------------------------------------------------
SIGNUP_ACCEPTED = (
    "Danke! Wir haben Ihnen eine E-Mail geschickt. Bitte öffnen Sie den Link darin, "
    "um Ihre E-Mail-Adresse zu bestätigen."
)
RESET_ACCEPTED = (
    "Wenn es zu dieser E-Mail-Adresse ein Konto gibt, haben wir Ihnen eine E-Mail mit einem Link "
    "zum Zurücksetzen des Passworts geschickt."
)
TOKEN_INVALID = "Dieser Link ist ungültig oder abgelaufen. Bitte fordern Sie einen neuen an."
WELCOME_TITLE = "Willkommen auf dem Dorfmarktplatz"
MERCHANT_APPROVED_TITLE = "Ihr Geschäft ist freigeschaltet"
MERCHANT_APPROVED_BODY = (
    "Der Landkreis hat „{name}“ freigeschaltet. Sie können jetzt im Händlerbereich Ihre Waren "
    "eintragen und Bestellungen annehmen."
)
WELCOME_BODY = "Ihr Konto ist bestätigt. Hier erscheinen Nachrichten zu Ihren Bestellungen, Fahrten und Warnungen."
EMAIL_VERIFIED = "Vielen Dank! Ihre E-Mail-Adresse ist bestätigt. Sie können sich jetzt anmelden."
PASSWORD_CHANGED = "Ihr Passwort wurde geändert. Sie können sich jetzt mit dem neuen Passwort anmelden."
TOO_MANY_ATTEMPTS = "Zu viele Versuche. Bitte warten Sie {minutes} und versuchen Sie es dann noch einmal."
PERSON_NOT_FOUND = "Diese Person gibt es nicht."
QUERY_TOO_SHORT = "Bitte mindestens zwei Zeichen eines Namens oder einer Telefonnummer eingeben."
VERSION_MISMATCH = "Ihre Daten wurden inzwischen geändert. Bitte laden Sie sie neu."
IF_MATCH_REQUIRED = "Bitte senden Sie die Version der Daten mit (If-Match), die Sie ändern."
ROLE_UNKNOWN = "Diese Rolle gibt es nicht."
ROLE_NEEDS_MERCHANT = "Die Rolle Händler braucht eine Händler-Nummer (merchant_id)."
ROLE_NEEDS_ORGANISATION = "Die Rolle Koordination braucht eine Organisations-Nummer (organisation_id)."
ROLE_BINDING_NOT_ALLOWED = "Diese Rolle wird an keinen Händler und keine Organisation gebunden."
ROLE_BAD_SCOPES = "Diese Berechtigungen passen nicht zur Rolle."
ROLE_GRANT_NOT_FOUND = "Diese Rollenvergabe gibt es nicht."
API_KEY_NOT_FOUND = "Diesen API-Schlüssel gibt es nicht."
PUSH_SUBSCRIPTION_INVALID = "Diese Anmeldung für Mitteilungen ist ungültig."
PUSH_ENDPOINT_REFUSED = "Diese Adresse für Mitteilungen nehmen wir nicht an."
PUSH_SUBSCRIPTION_NOT_FOUND = "Diese Anmeldung für Mitteilungen gibt es nicht."
CHANNEL_UNAVAILABLE = "Auf diesem Weg können wir Sie nicht erreichen: {channels}."
NOTIFICATION_MAIL_FOOTER = "Mehr dazu: {link}" + "\n\nViele Grüße\nIhr Dorfmarktplatz"
NOTIFICATION_VOICE_INTRO = "Guten Tag, hier ist der Dorfmarktplatz mit einer Nachricht für Sie."
CLIENT_NOT_FOUND = "Diesen Client gibt es nicht."
BAD_MERCHANT_SCOPES = "Diese Berechtigungen gibt es für Händler-Schnittstellen nicht."
NOT_A_MERCHANT = "Ihr Konto gehört zu keinem Händler."
NOT_PHONE_ONLY = "Dieses Konto gehört einer Person mit eigener Anmeldung; sie verwaltet es selbst."
NO_SIGNING_KEY = "Zurzeit können keine Anmeldungen ausgestellt werden."

PASSWORD_TOO_SHORT = "Das Passwort muss mindestens {min} Zeichen lang sein."
PASSWORD_TOO_LONG = "Das Passwort darf höchstens {max} Zeichen lang sein."
PASSWORD_TOO_COMMON = "Dieses Passwort ist zu leicht zu erraten. Bitte wählen Sie ein anderes."
PASSWORD_IS_EMAIL = "Das Passwort darf nicht Ihre E-Mail-Adresse sein."

ERASED_NAME = "Gelöschte Person"


def minutes_text(seconds: int) -> str:
    if seconds < 60:
        return "eine Minute"
    minutes = (seconds + 59) // 60
    return "eine Minute" if minutes == 1 else f"{minutes} Minuten"


# --- the login page -----------------------------------------------------------------------------
LOGIN_TITLE = "Anmelden"
LOGIN_INTRO = "Bitte melden Sie sich mit Ihrer E-Mail-Adresse und Ihrem Passwort an."
LOGIN_EMAIL = "E-Mail-Adresse"
LOGIN_PASSWORD = "Passwort"
LOGIN_SUBMIT = "Anmelden"
LOGIN_FAILED = "E-Mail-Adresse oder Passwort stimmen nicht. Bitte versuchen Sie es noch einmal."
LOGIN_UNVERIFIED = (
    "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse. Den Link dazu haben wir Ihnen per E-Mail geschickt."
)
LOGIN_FORGOT = "Passwort vergessen?"
LOGIN_HELP = "Sie haben kein Smartphone oder keine E-Mail? Die Kreisverwaltung hilft Ihnen gern weiter."
LOGIN_BAD_REQUEST = "Diese Anmeldung kann nicht fortgesetzt werden. Bitte gehen Sie zurück zur App."
SKIP_TO_FORM = "Zum Anmeldeformular springen"

VERIFY_TITLE = "E-Mail-Adresse bestätigen"
VERIFY_INTRO = "Bitte tippen Sie auf die Schaltfläche, um Ihre E-Mail-Adresse zu bestätigen."
VERIFY_SUBMIT = "E-Mail-Adresse bestätigen"

RESET_TITLE = "Neues Passwort festlegen"
RESET_INTRO = "Bitte geben Sie Ihr neues Passwort ein. Es muss mindestens 10 Zeichen lang sein."
RESET_PASSWORD = "Neues Passwort"
RESET_SUBMIT = "Passwort speichern"
RESET_REQUEST_TITLE = "Passwort vergessen"
RESET_REQUEST_INTRO = (
    "Geben Sie Ihre E-Mail-Adresse ein. Wir schicken Ihnen einen Link für ein neues Passwort."
)
RESET_REQUEST_SUBMIT = "Link schicken"

# --- mails ----------------------------------------------------------------------------------------
MAIL_SIGNATURE = "\n\nViele Grüße\nIhr Dorfmarktplatz\n\nDiese E-Mail wurde automatisch verschickt."


def mail_verify_email(name: str, link: str, hours: int) -> tuple[str, str]:
    subject = "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    body = (
        f"Guten Tag {name},\n\n"
        "vielen Dank für Ihre Anmeldung beim Dorfmarktplatz.\n"
        "Bitte öffnen Sie diesen Link, um Ihre E-Mail-Adresse zu bestätigen:\n\n"
        f"{link}\n\n"
        f"Der Link gilt {hours} Stunden. Wenn Sie sich nicht angemeldet haben, "
        "können Sie diese E-Mail einfach löschen." + MAIL_SIGNATURE
    )
    return subject, body


def mail_already_registered(link: str) -> tuple[str, str]:
    subject = "Anmeldung mit Ihrer E-Mail-Adresse"
    body = (
        "Guten Tag,\n\n"
        "jemand wollte sich gerade mit Ihrer E-Mail-Adresse beim Dorfmarktplatz anmelden. "
        "Sie haben dort aber schon ein Konto.\n"
        "Wenn Sie das waren und Ihr Passwort nicht mehr wissen, können Sie hier ein neues festlegen:\n\n"
        f"{link}\n\n"
        "Wenn Sie das nicht waren, müssen Sie nichts tun." + MAIL_SIGNATURE
    )
    return subject, body


def mail_reset_password(name: str, link: str, minutes: int) -> tuple[str, str]:
    subject = "Ihr neues Passwort für den Dorfmarktplatz"
    body = (
        f"Guten Tag {name},\n\n"
        "Sie möchten ein neues Passwort festlegen. Bitte öffnen Sie dazu diesen Link:\n\n"
        f"{link}\n\n"
        f"Der Link gilt {minutes} Minuten und nur einmal. Wenn Sie kein neues Passwort wollten, "
        "können Sie diese E-Mail einfach löschen. Ihr bisheriges Passwort bleibt dann gültig."
        + MAIL_SIGNATURE
    )
    return subject, body


def mail_password_changed(name: str) -> tuple[str, str]:
    subject = "Ihr Passwort wurde geändert"
    body = (
        f"Guten Tag {name},\n\n"
        "das Passwort Ihres Kontos beim Dorfmarktplatz wurde gerade geändert. Alle Geräte wurden "
        "abgemeldet.\nWenn Sie das nicht waren, melden Sie sich bitte sofort bei der Kreisverwaltung."
        + MAIL_SIGNATURE
    )
    return subject, body
