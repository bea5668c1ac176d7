# ruff: noqa: S105, S106 - texts about passwords and secrets, not secrets
"""Every text the web app shows, in one place: one `Texts` instance per language (`DE` now). Templates
and code only use its fields, so a second language is a second instance with the same fields (mypy
then insists that none is missing).

Plain language for everyone, many readers are seniors: short sentences, "Sie", no jargon, say what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from web.alerts.texts import DE as ALERTS_DE
from web.alerts.texts import AlertsTexts
from web.marketplace.texts import DE as MARKETPLACE_DE
from web.marketplace.texts import MarketplaceTexts
from web.mobility.texts import DE as MOBILITY_DE
from web.mobility.texts import MobilityTexts
from web.volunteers.texts import DE as VOLUNTEERS_DE
from web.volunteers.texts import VolunteersTexts


@dataclass(frozen=True, slots=True)
class Texts:
    lang: str
    platform: str
    tagline: str

    # --- layout ----------------------------------------------------------------------------------
    skip_to_content: str
    nav_label: str
    nav_home: str
    nav_notifications: str
    nav_account: str
    nav_merchant: str
    nav_admin: str
    signed_in_as: str
    sign_in: str
    sign_up: str
    sign_out: str
    footer_help: str
    footer_offline_hint: str
    page_title_suffix: str

    # --- start page --------------------------------------------------------------------------------
    home_title: str
    home_intro: str
    home_offers_title: str
    home_offers: tuple[tuple[str, str], ...]  # (heading, one sentence)
    home_start_title: str
    home_start_text: str
    home_signed_in_title: str
    home_signed_in_text: str
    home_no_phone_title: str
    home_no_phone_text: str

    # --- sign-up -----------------------------------------------------------------------------------
    signup_title: str
    signup_intro: str
    field_name: str
    field_name_hint: str
    field_email: str
    field_email_hint: str
    field_password: str
    field_password_hint: str
    field_village: str
    field_village_hint: str
    field_phone: str
    field_phone_hint: str
    optional: str
    signup_submit: str
    signup_have_account: str
    signup_sent_title: str
    signup_sent_text: str
    signup_sent_next: str
    signup_sent_no_mail: str

    # --- account -----------------------------------------------------------------------------------
    account_title: str
    account_intro: str
    account_email: str
    account_email_verified: str
    account_email_unverified: str
    account_edit_title: str
    account_save: str
    account_saved: str
    account_data_title: str
    account_data_text: str
    account_download: str
    export_title: str
    export_intro: str
    export_start: str
    export_pending_title: str
    export_pending_text: str
    export_reload: str
    export_ready_title: str
    export_ready_text: str
    export_download: str
    export_file_hint: str
    export_contains: str
    export_missing: str
    export_again: str
    export_gone: str
    service_area_names: Mapping[str, str]
    account_delete_title: str
    account_delete_text: str
    account_delete_button: str
    account_delete_confirm_title: str
    account_delete_confirm_text: str
    account_delete_confirm_list: tuple[str, ...]
    account_delete_confirm_check: str
    account_delete_confirm_button: str
    account_delete_cancel: str
    account_delete_must_confirm: str
    account_deleted_title: str
    account_deleted_text: str
    account_roles: str

    # --- notifications -----------------------------------------------------------------------------
    notifications_title: str
    notifications_intro: str
    notifications_empty: str
    notifications_live_connecting: str
    notifications_live_on: str
    notifications_live_off: str
    notifications_open: str
    severity_names: Mapping[str, str]
    push_title: str
    push_text: str
    push_button: str
    push_unsupported: str
    push_denied: str
    push_granted_later: str
    push_done: str
    push_failed: str
    channels_title: str
    channels_legend: str
    channels_hint: str
    channel_names: Mapping[str, str]
    channels_save: str
    channels_saved: str
    channels_push_needs_device: str

    # --- offline -----------------------------------------------------------------------------------
    offline_title: str
    offline_text: str
    offline_retry: str

    # --- merchant portal ---------------------------------------------------------------------------
    merchant_title: str
    merchant_intro: str
    keys_title: str
    keys_intro: str
    keys_empty: str
    keys_name: str
    keys_prefix: str
    keys_scopes: str
    keys_created: str
    keys_last_used: str
    keys_never_used: str
    keys_status: str
    keys_active: str
    keys_revoked: str
    keys_revoke: str
    keys_revoke_label: str
    keys_revoked_done: str
    keys_new_title: str
    keys_new_name: str
    keys_new_name_hint: str
    keys_new_scopes: str
    keys_new_scopes_hint: str
    keys_new_submit: str
    keys_secret_title: str
    keys_secret_text: str
    keys_secret_id: str
    keys_secret_secret: str
    keys_secret_back: str
    merchant_scope_names: Mapping[str, str]

    # --- admin dashboard ---------------------------------------------------------------------------
    admin_title: str
    admin_intro: str
    admin_areas_toggle: str
    admin_people: str
    admin_people_text: str
    admin_audit: str
    admin_audit_text: str
    admin_mails: str
    admin_mails_text: str
    admin_plumbing: str
    admin_plumbing_text: str
    admin_erasures: str
    admin_erasures_text: str
    admin_market_text: str
    admin_drivers_text: str
    admin_desk_text: str
    admin_volunteers_text: str
    admin_alerts_text: str
    admin_nothing: str
    people_title: str
    people_find_title: str
    people_find_label: str
    people_find_hint: str
    people_find_submit: str
    people_find_bad_id: str
    people_find_short: str
    people_found_title: str
    people_found_none: str
    people_found_more: str
    people_new_title: str
    people_new_intro: str
    people_new_submit: str
    people_new_name: str
    people_new_village: str
    people_created: str
    person_title: str
    person_id: str
    person_kind: str
    person_kind_phone_only: str
    person_kind_login: str
    person_created_at: str
    person_roles_title: str
    person_roles_none: str
    person_role_since: str
    person_role_revoke: str
    person_role_revoke_label: str
    person_role_revoked: str
    person_grant_title: str
    person_grant_role: str
    person_grant_merchant: str
    person_grant_merchant_hint: str
    person_grant_organisation: str
    person_grant_organisation_hint: str
    person_grant_scopes: str
    person_grant_scopes_hint: str
    person_grant_submit: str
    person_granted: str
    person_audit_link: str
    role_names: Mapping[str, str]
    staff_scope_names: Mapping[str, str]
    audit_title: str
    audit_intro: str
    audit_filter_person: str
    audit_filter_actor: str
    audit_filter_submit: str
    audit_empty: str
    audit_when: str
    audit_who: str
    audit_what: str
    audit_for_whom: str
    audit_details: str
    audit_actions: Mapping[str, str]
    more: str
    mails_title: str
    mails_intro: str
    mails_filter_status: str
    mails_filter_all: str
    mails_filter_submit: str
    mails_empty: str
    mails_to: str
    mails_subject: str
    mails_status: str
    mails_created: str
    mail_statuses: Mapping[str, str]
    plumbing_title: str
    plumbing_intro: str
    plumbing_empty: str
    plumbing_unreachable: str
    plumbing_refused: str
    plumbing_connected: str
    plumbing_outbox_unpublished: str
    plumbing_outbox_oldest: str
    plumbing_outbox_failing: str
    plumbing_seconds: str
    plumbing_unknown: str
    plumbing_consumers: str
    plumbing_consumer_pending: str
    plumbing_consumer_ack_pending: str
    plumbing_dead_letters_open: str
    plumbing_dead_letters_title: str
    plumbing_dead_letters_none: str
    plumbing_dead_letter_consumer: str
    plumbing_dead_letter_since: str
    plumbing_dead_letter_error: str
    plumbing_replay: str
    plumbing_replay_label: str
    plumbing_discard: str
    plumbing_discard_label: str
    plumbing_done: Mapping[str, str]
    erasures_title: str
    erasures_intro: str
    erasures_filter_person: str
    erasures_filter_submit: str
    erasures_empty: str
    erasures_person: str
    erasures_when: str
    erasures_complete: str
    erasures_waiting: str
    erasures_reports: str
    erasures_report_line: str
    erasures_nothing_held: str

    # --- messages ----------------------------------------------------------------------------------
    error_summary: str
    error_generic_field: str
    error_required: str
    error_email: str
    error_phone: str
    error_too_long: str
    error_bad_request: str
    error_conflict: str
    error_version: str
    error_too_many: str
    error_service_down_title: str
    error_service_down: str
    error_not_found_title: str
    error_not_found: str
    error_forbidden_title: str
    error_forbidden: str
    back_home: str
    yes: str
    no: str
    date_format: str
    # a time window's days and its "Uhr" (templating.local_window: "Do., 3. Dez., 10:00–12:00 Uhr")
    weekdays_short: tuple[str, ...]
    months_short: tuple[str, ...]
    o_clock: str

    # --- the service areas, each in its own module (web/<area>/texts.py) ----------------------------
    marketplace: MarketplaceTexts
    mobility: MobilityTexts
    volunteers: VolunteersTexts
    alerts: AlertsTexts


DE = Texts(
    lang="de",
    platform="Dorfmarktplatz",
    tagline="Ihr Landkreis digital: einkaufen, mitfahren, helfen, informiert sein.",
    # layout
    skip_to_content="Zum Inhalt springen",
    nav_label="Hauptmenü",
    nav_home="Start",
    nav_notifications="Nachrichten",
    nav_account="Mein Konto",
    nav_merchant="Händler",
    nav_admin="Verwaltung",
    signed_in_as="Angemeldet als",
    sign_in="Anmelden",
    sign_up="Konto anlegen",
    sign_out="Abmelden",
    footer_help="Fragen? Die Kreisverwaltung hilft Ihnen gern weiter, auch am Telefon.",
    footer_offline_hint="Diese Seite funktioniert auch ohne JavaScript.",
    page_title_suffix="Dorfmarktplatz",
    # start page
    home_title="Willkommen beim Dorfmarktplatz",
    home_intro="Der Dorfmarktplatz verbindet die Menschen in unseren Dörfern. Hier finden Sie Hilfe für den Alltag.",
    home_offers_title="Das bietet der Dorfmarktplatz",
    home_offers=(
        ("Einkaufen", "Kaufen Sie Waren von Höfen und Läden aus Ihrer Nähe. Wir bringen sie ins Dorf."),
        ("Mitfahren", "Finden Sie eine Fahrt zum Arzt oder in die Stadt. Oder nehmen Sie selbst jemanden mit."),
        ("Helfen", "Helfen Sie in Ihrem Dorf mit. Oder bitten Sie um Hilfe, zum Beispiel beim Einkauf."),
        ("Warnungen", "Erfahren Sie sofort, wenn es in Ihrem Ort eine Warnung gibt, zum Beispiel vor Sturm."),
    ),
    home_start_title="So fangen Sie an",
    home_start_text="Legen Sie ein Konto an. Das ist kostenlos und dauert zwei Minuten.",
    home_signed_in_title="Schön, dass Sie da sind",
    home_signed_in_text="Hier sehen Sie Ihre Nachrichten und Ihr Konto.",
    home_no_phone_title="Kein Smartphone oder keine E-Mail?",
    home_no_phone_text="Rufen Sie die Kreisverwaltung an. Dort legt man gern ein Konto für Sie an.",
    # sign-up
    signup_title="Konto anlegen",
    signup_intro="Bitte füllen Sie die Felder aus. Danach schicken wir Ihnen eine E-Mail.",
    field_name="Ihr Name",
    field_name_hint="So sprechen wir Sie an.",
    field_email="E-Mail-Adresse",
    field_email_hint="Dorthin schicken wir einen Link zum Bestätigen.",
    field_password="Passwort",
    field_password_hint="Mindestens 10 Zeichen. Am besten ein Satz, den Sie sich gut merken können.",
    field_village="Ihr Dorf oder Ortsteil",
    field_village_hint="Dann zeigen wir Ihnen, was in Ihrer Nähe los ist.",
    field_phone="Telefonnummer",
    field_phone_hint="Zum Beispiel 03984 123456.",
    optional="freiwillig",
    signup_submit="Konto anlegen",
    signup_have_account="Sie haben schon ein Konto?",
    signup_sent_title="Bitte schauen Sie in Ihre E-Mails",
    signup_sent_text=(
        "Wir haben Ihnen eine E-Mail geschickt. Bitte öffnen Sie den Link darin. "
        "Damit bestätigen Sie Ihre E-Mail-Adresse."
    ),
    signup_sent_next="Danach können Sie sich anmelden.",
    signup_sent_no_mail="Keine E-Mail da? Schauen Sie bitte auch im Ordner für Werbung (Spam) nach.",
    # account
    account_title="Mein Konto",
    account_intro="Hier sehen und ändern Sie Ihre Daten.",
    account_email="E-Mail-Adresse",
    account_email_verified="bestätigt",
    account_email_unverified="noch nicht bestätigt",
    account_edit_title="Meine Angaben",
    account_save="Speichern",
    account_saved="Ihre Angaben sind gespeichert.",
    account_data_title="Meine Daten",
    account_data_text=(
        "Sie können alle Daten herunterladen, die der Dorfmarktplatz über Sie gespeichert hat: "
        "aus Ihrem Konto und aus allen Bereichen, die Sie nutzen."
    ),
    account_download="Meine Daten herunterladen",
    export_title="Meine Daten herunterladen",
    export_intro=(
        "Wir stellen alle Daten zusammen, die der Dorfmarktplatz über Sie gespeichert hat. "
        "Sie bekommen sie als eine Datei."
    ),
    export_start="Meine Daten zusammenstellen",
    export_pending_title="Ihre Daten werden zusammengestellt",
    export_pending_text=(
        "Das dauert meist weniger als eine Minute. Sie können diese Seite offen lassen "
        "oder später wiederkommen."
    ),
    export_reload="Nachsehen, ob die Datei fertig ist",
    export_ready_title="Ihre Daten sind fertig",
    export_ready_text="Die Datei liegt für Sie bereit bis {until}.",
    export_download="Datei herunterladen",
    export_file_hint=(
        "Die Datei hat das Format JSON. Sie können sie mit jedem Textprogramm öffnen "
        "oder an einen anderen Anbieter weitergeben."
    ),
    export_contains="Die Datei enthält Ihre Daten aus diesen Bereichen: {areas}.",
    export_missing=(
        "Aus diesen Bereichen fehlen Daten, weil sie gerade nicht erreichbar waren: {areas}. "
        "Sie können Ihre Daten später noch einmal zusammenstellen lassen."
    ),
    export_again="Noch einmal zusammenstellen",
    export_gone="Diese Datei gibt es nicht mehr. Bitte lassen Sie Ihre Daten neu zusammenstellen.",
    service_area_names={
        "accounts": "Konto",
        "marketplace": "Einkaufen",
        "mobility": "Mitfahren",
        "volunteers": "Helfen",
        "alerts": "Warnungen",
    },
    account_delete_title="Konto löschen",
    account_delete_text="Wenn Sie den Dorfmarktplatz nicht mehr nutzen wollen, können Sie Ihr Konto löschen.",
    account_delete_button="Konto löschen …",
    account_delete_confirm_title="Wollen Sie Ihr Konto wirklich löschen?",
    account_delete_confirm_text="Das können Sie nicht rückgängig machen. Wenn Sie Ihr Konto löschen:",
    account_delete_confirm_list=(
        "werden Ihr Name, Ihre E-Mail-Adresse und Ihre Telefonnummer gelöscht,",
        "werden Sie auf allen Geräten abgemeldet,",
        "können Sie sich nicht mehr anmelden.",
    ),
    account_delete_confirm_check="Ja, ich will mein Konto für immer löschen.",
    account_delete_confirm_button="Konto endgültig löschen",
    account_delete_cancel="Nein, zurück zu meinem Konto",
    account_delete_must_confirm="Bitte setzen Sie den Haken, wenn Sie Ihr Konto wirklich löschen wollen.",
    account_deleted_title="Ihr Konto ist gelöscht",
    account_deleted_text="Ihre Daten sind gelöscht und Sie sind abgemeldet. Danke, dass Sie dabei waren.",
    account_roles="Ihre Rollen",
    # notifications
    notifications_title="Nachrichten",
    notifications_intro="Hier erscheinen Nachrichten für Sie, zum Beispiel Warnungen für Ihren Ort.",
    notifications_empty="Noch keine Nachrichten.",
    notifications_live_connecting="Verbindung wird aufgebaut …",
    notifications_live_on="Neue Nachrichten erscheinen hier sofort.",
    notifications_live_off="Gerade keine Verbindung. Wir versuchen es gleich noch einmal.",
    notifications_open="Ansehen",
    severity_names={
        "info": "Hinweis", "warning": "Warnung", "alert": "Dringende Warnung", "critical": "Dringende Warnung",
    },
    push_title="Mitteilungen auf dieses Gerät",
    push_text=(
        "Wir können Ihnen wichtige Nachrichten auch schicken, wenn diese Seite geschlossen ist. "
        "Zum Beispiel eine Unwetterwarnung. Dafür fragt Ihr Gerät Sie einmal um Erlaubnis."
    ),
    push_button="Mitteilungen erlauben",
    push_unsupported="Dieses Gerät kann leider keine Mitteilungen empfangen.",
    push_denied="Sie haben Mitteilungen nicht erlaubt. Sie können das in den Einstellungen Ihres Browsers ändern.",
    push_granted_later="Danke! Die Erlaubnis ist gespeichert. Mitteilungen auf dieses Gerät gibt es bald.",
    push_done="Danke! Wichtige Nachrichten kommen jetzt auch auf dieses Gerät.",
    push_failed="Das hat leider nicht geklappt. Bitte versuchen Sie es später noch einmal.",
    channels_title="Wie wir Ihnen Bescheid geben",
    channels_legend="Neue Nachrichten außerdem schicken als",
    channels_hint=(
        "Hier auf dieser Seite sehen Sie Ihre Nachrichten immer. Wählen Sie, wie wir Sie zusätzlich erreichen."
    ),
    channel_names={
        "push": "Mitteilung auf Ihr Gerät",
        "mail": "E-Mail",
        "sms": "SMS auf Ihr Telefon",
        "voice": "Anruf mit Ansage",
    },
    channels_save="Auswahl speichern",
    channels_saved="Ihre Auswahl ist gespeichert.",
    channels_push_needs_device="Für Mitteilungen auf Ihr Gerät erlauben Sie diese bitte unten auf jedem Gerät.",
    # offline
    offline_title="Keine Verbindung",
    offline_text="Ihr Gerät ist gerade nicht mit dem Internet verbunden. Bitte versuchen Sie es gleich noch einmal.",
    offline_retry="Noch einmal versuchen",
    # merchant portal
    merchant_title="Händlerbereich",
    merchant_intro="Hier verwalten Sie den Zugang Ihrer Kasse oder Ihres Warenwirtschafts-Programms.",
    keys_title="API-Schlüssel",
    keys_intro=(
        "Mit einem API-Schlüssel kann Ihr Programm Produkte und Bestellungen abgleichen. "
        "Geben Sie jedem Programm einen eigenen Schlüssel."
    ),
    keys_empty="Sie haben noch keinen API-Schlüssel.",
    keys_name="Name",
    keys_prefix="Beginnt mit",
    keys_scopes="Darf",
    keys_created="Angelegt",
    keys_last_used="Zuletzt benutzt",
    keys_never_used="noch nie",
    keys_status="Zustand",
    keys_active="gültig",
    keys_revoked="gesperrt",
    keys_revoke="Sperren",
    keys_revoke_label="Schlüssel {name} sperren",
    keys_revoked_done="Der Schlüssel ist gesperrt. Programme mit diesem Schlüssel haben keinen Zugang mehr.",
    keys_new_title="Neuen Schlüssel anlegen",
    keys_new_name="Name des Schlüssels",
    keys_new_name_hint="Zum Beispiel der Name Ihres Programms.",
    keys_new_scopes="Was darf das Programm?",
    keys_new_scopes_hint="Wählen Sie mindestens eins aus.",
    keys_new_submit="Schlüssel anlegen",
    keys_secret_title="Ihr neuer Schlüssel",
    keys_secret_text=(
        "Bitte kopieren Sie das Geheimnis jetzt in Ihr Programm. "
        "Wir zeigen es nur dieses eine Mal. Wer es kennt, hat Zugang."
    ),
    keys_secret_id="Schlüssel-Nummer (client_id)",
    keys_secret_secret="Geheimnis (client_secret)",
    keys_secret_back="Fertig, zurück zur Übersicht",
    merchant_scope_names={
        "products:read": "Produkte lesen",
        "products:write": "Produkte ändern",
        "orders:read": "Bestellungen lesen",
        "orders:write": "Bestellungen bearbeiten",
        "stock:write": "Bestand ändern",
        "webhooks:manage": "Benachrichtigungen (Webhooks) einrichten",
    },
    # admin dashboard
    admin_title="Verwaltung",
    admin_areas_toggle="Bereiche der Verwaltung",
    admin_intro="Arbeitsbereich für die Mitarbeiterinnen und Mitarbeiter des Landkreises.",
    admin_people="Personen",
    admin_people_text="Personen finden und Konten für Menschen ohne E-Mail anlegen.",
    admin_audit="Protokoll",
    admin_audit_text="Wer hat wann was für wen getan.",
    admin_mails="E-Mails",
    admin_mails_text="Welche E-Mails verschickt wurden oder verschickt würden.",
    admin_plumbing="Technik",
    admin_plumbing_text="Betrieb der Dienste: wartende Nachrichten und liegengebliebene Nachrichten.",
    admin_erasures="Löschungen",
    admin_erasures_text="Welche Bereiche die Löschung eines Kontos bestätigt haben und welche noch fehlen.",
    admin_market_text="Neue Händler prüfen und freischalten.",
    admin_drivers_text="Führerschein und Versicherung von Fahrerinnen und Fahrern prüfen.",
    admin_desk_text="Fahrten für Anruferinnen und Anrufer buchen, Taxi-Aufträge bestätigen.",
    admin_volunteers_text="Vereine und Träger prüfen, Meldungen bearbeiten.",
    admin_alerts_text="Warnungen für den Landkreis herausgeben, ändern und aufheben.",
    admin_nothing="Für Ihre Berechtigungen gibt es hier noch nichts zu tun.",
    people_title="Personen",
    people_find_title="Person finden",
    people_find_label="Name, Telefonnummer oder Personen-Nummer",
    people_find_hint="Ein Teil genügt, zum Beispiel „Neumann“ oder „4711“. Gefunden werden Konten ohne E-Mail.",
    people_find_submit="Suchen",
    people_find_bad_id="Das ist keine gültige Personen-Nummer.",
    people_find_short="Bitte mindestens zwei Zeichen eingeben.",
    people_found_title="Gefunden",
    people_found_none="Niemand gefunden. Ist die Person neu? Dann legen Sie unten ein Konto an.",
    people_found_more="Weitere anzeigen",
    people_new_title="Konto ohne E-Mail anlegen",
    people_new_intro="Für Menschen ohne E-Mail und ohne Smartphone. Sie handeln dann für diese Person.",
    people_new_submit="Konto anlegen",
    people_new_name="Name der Person",
    people_new_village="Dorf oder Ortsteil",
    people_created="Das Konto ist angelegt.",
    person_title="Person",
    person_id="Personen-Nummer",
    person_kind="Art des Kontos",
    person_kind_phone_only="ohne E-Mail (betreut)",
    person_kind_login="mit eigener Anmeldung",
    person_created_at="Angelegt am",
    person_roles_title="Rollen",
    person_roles_none="Keine besonderen Rollen.",
    person_role_since="seit",
    person_role_revoke="Entziehen",
    person_role_revoke_label="Rolle {role} entziehen",
    person_role_revoked="Die Rolle ist entzogen.",
    person_grant_title="Rolle vergeben",
    person_grant_role="Rolle",
    person_grant_merchant="Händler-Nummer",
    person_grant_merchant_hint="Nur für die Rolle Händler.",
    person_grant_organisation="Organisations-Nummer",
    person_grant_organisation_hint="Nur für die Rolle Koordination.",
    person_grant_scopes="Berechtigungen",
    person_grant_scopes_hint="Nur für die Rolle Verwaltung. Mindestens eine auswählen.",
    person_grant_submit="Rolle vergeben",
    person_granted="Die Rolle ist vergeben.",
    person_audit_link="Protokoll zu dieser Person",
    role_names={
        "resident": "Einwohner",
        "merchant": "Händler",
        "driver": "Fahrer",
        "volunteer": "Ehrenamt",
        "org_coordinator": "Koordination",
        "operator": "Verwaltung",
    },
    staff_scope_names={
        "verifier": "Prüfen und freischalten",
        "mobility-desk": "Mobilitätszentrale",
        "alert-author": "Warnungen schreiben",
        "people-desk": "Personen betreuen",
        "admin": "Alles verwalten",
    },
    audit_title="Protokoll",
    audit_intro="Hier steht jede Handlung der Verwaltung für eine Person: wer, wann, was.",
    audit_filter_person="Personen-Nummer",
    audit_filter_actor="Wer (Nummer)",
    audit_filter_submit="Filtern",
    audit_empty="Keine Einträge.",
    audit_when="Wann",
    audit_who="Wer",
    audit_what="Was",
    audit_for_whom="Für wen",
    audit_details="Einzelheiten",
    audit_actions={
        "person.created_phone_only": "Konto ohne E-Mail angelegt",
        "person.read": "Daten angesehen",
        "person.updated": "Daten geändert",
        "person.erased": "Konto gelöscht",
        "role.granted": "Rolle vergeben",
        "role.revoked": "Rolle entzogen",
        "signing_key.rotated": "Signaturschlüssel gewechselt",
        "api_key.revoked": "API-Schlüssel gesperrt",
        "oauth_client.created": "Schnittstelle angelegt",
        "oauth_client.revoked": "Schnittstelle gesperrt",
    },
    more="Weitere anzeigen",
    mails_title="E-Mails",
    mails_intro=(
        "Ohne Mail-Server werden E-Mails hier zurückgehalten. "
        "Sie sehen, was verschickt worden wäre."
    ),
    mails_filter_status="Zustand",
    mails_filter_all="alle",
    mails_filter_submit="Anzeigen",
    mails_empty="Keine E-Mails.",
    mails_to="An",
    mails_subject="Betreff",
    mails_status="Zustand",
    mails_created="Erstellt",
    mail_statuses={"held": "zurückgehalten", "pending": "wartet", "sent": "verschickt", "failed": "fehlgeschlagen"},
    plumbing_title="Technik",
    plumbing_intro=(
        "Für jeden Dienst: Nachrichten, die noch nicht verschickt wurden, wie weit die Empfänger zurückliegen, "
        "und Nachrichten, die liegengeblieben sind. Liegengebliebene Nachrichten können Sie erneut verarbeiten "
        "lassen oder verwerfen; beides wird mit Ihrem Namen gespeichert."
    ),
    plumbing_empty="Kein Dienst verschickt oder empfängt gerade Nachrichten.",
    plumbing_unreachable="Dieser Dienst antwortet gerade nicht.",
    plumbing_refused="Dieser Dienst gibt Ihnen keine Auskunft.",
    plumbing_connected="Mit dem Nachrichtensystem verbunden",
    plumbing_outbox_unpublished="Noch nicht verschickt",
    plumbing_outbox_oldest="Älteste wartet seit",
    plumbing_outbox_failing="Davon mit Fehler",
    plumbing_seconds="{seconds} Sekunden",
    plumbing_unknown="unbekannt",
    plumbing_consumers="Empfänger",
    plumbing_consumer_pending="Noch nicht zugestellt",
    plumbing_consumer_ack_pending="In Arbeit",
    plumbing_dead_letters_open="Liegengeblieben",
    plumbing_dead_letters_title="Liegengebliebene Nachrichten",
    plumbing_dead_letters_none="Keine liegengebliebenen Nachrichten.",
    plumbing_dead_letter_consumer="Empfänger",
    plumbing_dead_letter_since="Seit",
    plumbing_dead_letter_error="Fehler",
    plumbing_replay="Erneut verarbeiten",
    plumbing_replay_label="Nachricht {id} von {service} erneut verarbeiten",
    plumbing_discard="Verwerfen",
    plumbing_discard_label="Nachricht {id} von {service} verwerfen",
    plumbing_done={
        "replayed": "Die Nachricht wurde erneut verarbeitet.",
        "discarded": "Die Nachricht wurde verworfen.",
        "gone": "Diese Nachricht war schon erledigt.",
        "failed": "Die Verarbeitung ist wieder fehlgeschlagen. Die Nachricht bleibt liegen.",
    },
    erasures_title="Löschungen",
    erasures_intro=(
        "Wird ein Konto gelöscht, löscht jeder Bereich seine Daten zu dieser Person und meldet das zurück. "
        "Hier sehen Sie, welche Bereiche die Löschung bestätigt haben und auf welche noch gewartet wird."
    ),
    erasures_filter_person="Personen-Nummer",
    erasures_filter_submit="Filtern",
    erasures_empty="Keine Löschungen.",
    erasures_person="Person",
    erasures_when="Gelöscht am",
    erasures_complete="Alle Bereiche haben die Löschung bestätigt.",
    erasures_waiting="Noch nicht bestätigt von: {areas}",
    erasures_reports="Bestätigt",
    erasures_report_line="{area}: gelöscht am {when}",
    erasures_nothing_held="keine Daten vorhanden",
    # messages
    error_summary="Bitte prüfen Sie Ihre Angaben:",
    error_generic_field="Bitte prüfen Sie diese Angabe.",
    error_required="Bitte füllen Sie dieses Feld aus.",
    error_email="Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@beispiel.de.",
    error_phone="Bitte geben Sie eine Telefonnummer mit Ziffern ein, zum Beispiel 03984 123456.",
    error_too_long="Diese Angabe ist zu lang.",
    error_bad_request="Das hat nicht geklappt. Bitte prüfen Sie Ihre Angaben.",
    error_conflict="Das geht gerade nicht. Bitte laden Sie die Seite neu.",
    error_version="Ihre Daten wurden inzwischen geändert. Wir zeigen Ihnen jetzt die neuen Daten.",
    error_too_many="Zu viele Versuche. Bitte warten Sie einen Moment.",
    error_service_down_title="Gerade nicht erreichbar",
    error_service_down="Dieser Teil des Dorfmarktplatzes ist gerade nicht erreichbar. Bitte versuchen Sie es später.",
    error_not_found_title="Nicht gefunden",
    error_not_found="Diese Seite gibt es nicht.",
    error_forbidden_title="Kein Zugang",
    error_forbidden="Diese Seite ist nur für bestimmte Personen. Ihr Konto hat dafür keine Berechtigung.",
    back_home="Zur Startseite",
    yes="ja",
    no="nein",
    date_format="%d.%m.%Y, %H:%M Uhr",
    weekdays_short=("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."),
    months_short=("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."),
    o_clock="Uhr",
    marketplace=MARKETPLACE_DE,
    mobility=MOBILITY_DE,
    volunteers=VOLUNTEERS_DE,
    alerts=ALERTS_DE,
)

TEXTS_BY_LANG: Mapping[str, Texts] = {"de": DE}
