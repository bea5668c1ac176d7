"""Every text of the alerts pages (German); `web.texts.Texts.alerts` holds this area's instance, so
templates read `t.alerts.<name>`. A second language is a second instance."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AlertsTexts:
    nav: str

    # --- residents: the list --------------------------------------------------------------------------
    title: str
    intro_signed_in: str
    intro_public: str
    mine_title: str
    district_title: str
    empty_mine: str
    empty_district: str
    no_subscription: str
    subscribe_link: str
    change_subscription: str
    map_title: str
    map_label: str
    live_title: str
    live_intro: str
    push_link: str
    severity: Mapping[str, str]
    state: Mapping[str, str]
    concerns: str
    until: str
    open_until: str
    details: str
    sent: str
    source: str
    sources: Mapping[str, str]
    saved: str

    # --- residents: one warning -----------------------------------------------------------------------
    detail_instruction: str
    detail_description: str
    detail_original_language: str
    detail_area: str
    detail_back: str
    detail_all_clear: str

    # --- residents: the subscription --------------------------------------------------------------------
    subscription_title: str
    subscription_intro: str
    place_first: str
    place_second: str
    place_hint: str
    place_none: str
    topics: str
    topics_hint: str
    topic_names: Mapping[str, str]
    min_severity: str
    min_severity_hint: str
    language: str
    language_names: Mapping[str, str]
    subscription_save: str
    subscription_delete: str
    subscription_deleted: str

    # --- people without an account: warnings on this device (Web Push only) ------------------------------
    device_link: str
    device_title: str
    device_intro: str
    device_asks: str
    device_button: str
    device_active: str
    device_change: str
    device_saved: str
    device_stop: str
    device_stopped: str
    device_unsupported: str
    device_denied: str
    device_failed: str
    device_not_ready: str

    # --- staff -------------------------------------------------------------------------------------------
    staff_link: str
    staff_title: str
    staff_intro: str
    staff_list_title: str
    staff_empty: str
    staff_new_title: str
    staff_edit_title: str
    field_headline: str
    field_event: str
    field_category: str
    category_names: Mapping[str, str]
    field_severity: str
    field_description: str
    field_instruction: str
    field_hours: str
    hours_hint: str
    field_gemeinden: str
    gemeinden_hint: str
    field_polygon: str
    polygon_hint: str
    field_area_description: str
    preview: str
    preview_result: str
    preview_outside: str
    issue: str
    update: str
    cancel: str
    cancel_note: str
    approve: str
    issued_done: str
    updated_done: str
    cancelled_done: str
    approved_done: str
    pending_note: str
    version: str
    feeds_title: str
    feeds_intro: str
    feeds_empty: str
    feed_healthy: str
    feed_failing: str
    feed_last_success: str
    feed_error: str
    feed_never: str
    quarantine_title: str
    error_polygon: str


DE = AlertsTexts(
    nav="Warnungen",
    title="Warnungen",
    intro_signed_in="Amtliche Warnungen für Ihre Orte: Wetter, Hochwasser, Brände, Gefahrstoffe und mehr.",
    intro_public="Amtliche Warnungen für den Landkreis. Melden Sie sich an, um Warnungen für Ihren Ort zu bekommen.",
    mine_title="Für Ihre Orte",
    district_title="Im ganzen Landkreis",
    empty_mine="Zurzeit gibt es keine Warnung für Ihre Orte.",
    empty_district="Zurzeit gibt es keine Warnung im Landkreis.",
    no_subscription="Sie haben noch keinen Ort gewählt.",
    subscribe_link="Ort für Warnungen wählen",
    change_subscription="Orte und Themen ändern",
    map_title="Karte",
    map_label="Karte des Landkreises mit den Warngebieten",
    live_title="Neue Meldungen",
    live_intro="Neue Warnungen und Entwarnungen erscheinen hier sofort, solange die Seite offen ist.",
    push_link="Benachrichtigungen auf dem Handy einschalten",
    severity={"Extreme": "Extreme Gefahr", "Severe": "Unwetter / große Gefahr", "Moderate": "Warnung",
              "Minor": "Hinweis", "Unknown": "Hinweis"},
    state={"active": "aktuell", "cancelled": "aufgehoben (Entwarnung)", "expired": "abgelaufen",
           "ended": "beendet", "pending_approval": "wartet auf Freigabe", "withdrawn": "zurückgezogen"},
    concerns="Betrifft",
    until="Gilt bis",
    open_until="bis auf Weiteres",
    details="Mehr lesen",
    sent="Gemeldet",
    source="Quelle",
    sources={"dwd": "Deutscher Wetterdienst", "mowas": "Bevölkerungsschutz (MoWaS)", "katwarn": "KATWARN",
             "biwapp": "BIWAPP", "lhp": "Hochwasserzentralen", "police": "Polizei", "local": "Landkreis",
             "cap": "Warnmeldung", "demo": "Beispiel"},
    saved="Ihre Orte sind gespeichert.",
    detail_instruction="Was Sie jetzt tun sollten",
    detail_description="Beschreibung",
    detail_original_language="Dieser Text liegt nur in der Originalsprache vor.",
    detail_area="Gebiet",
    detail_back="Zurück zu den Warnungen",
    detail_all_clear="Entwarnung: Diese Warnung ist aufgehoben.",
    subscription_title="Orte für Warnungen",
    subscription_intro="Wählen Sie, für welche Orte Sie gewarnt werden möchten und wovor.",
    place_first="Ihr Ort",
    place_second="Ein zweiter Ort (freiwillig)",
    place_hint="Zum Beispiel Ihr Wohnort und der Ort Ihrer Eltern.",
    place_none="– kein zweiter Ort –",
    topics="Themen",
    topics_hint="Ohne Auswahl bekommen Sie alle Warnungen.",
    topic_names={"weather": "Wetter", "flood": "Hochwasser", "fire": "Brände", "hazmat": "Gefahrstoffe und Umwelt",
                 "police": "Polizei", "health": "Gesundheit", "infrastructure": "Strom, Wasser, Verkehr",
                 "civil_protection": "Bevölkerungsschutz", "school": "Schulausfall"},
    min_severity="Ab welcher Stufe",
    min_severity_hint="Hinweise sind die niedrigste Stufe, extreme Gefahr die höchste.",
    language="Sprache der Warnungen",
    language_names={"de": "Deutsch", "de-ls": "Leichte Sprache", "en": "English", "pl": "Polski",
                    "uk": "Українська", "ar": "العربية", "tr": "Türkçe", "ru": "Русский"},
    subscription_save="Speichern",
    subscription_delete="Keine Warnungen mehr bekommen",
    subscription_deleted="Sie bekommen keine Warnungen mehr.",
    device_link="Ohne Konto: Warnungen auf dieses Gerät",
    device_title="Warnungen auf dieses Gerät",
    device_intro="Dafür brauchen Sie kein Konto. Wählen Sie Ihren Ort und wovor Sie gewarnt werden möchten. "
                 "Ihr Handy oder Computer zeigt jede neue Warnung als Mitteilung.",
    device_asks="Ihr Gerät fragt gleich, ob es Mitteilungen zeigen darf. Bitte tippen Sie dann auf „Zulassen“.",
    device_button="Warnungen auf dieses Gerät",
    device_active="Dieses Gerät bekommt Warnungen.",
    device_change="Wenn Sie andere Orte oder Themen wollen: wählen Sie neu und tippen Sie noch einmal auf "
                  "„Warnungen auf dieses Gerät“.",
    device_saved="Fertig! Dieses Gerät bekommt jetzt Warnungen.",
    device_stop="Keine Warnungen mehr auf dieses Gerät",
    device_stopped="Dieses Gerät bekommt keine Warnungen mehr.",
    device_unsupported="Dieses Gerät oder dieser Browser kann leider keine Mitteilungen empfangen. "
                       "Die Warnungen stehen aber immer hier auf der Seite.",
    device_denied="Sie haben Mitteilungen nicht erlaubt. Das können Sie in den Einstellungen Ihres Browsers ändern.",
    device_failed="Das hat leider nicht geklappt. Bitte versuchen Sie es später noch einmal.",
    device_not_ready="Warnungen auf ein Gerät gibt es hier noch nicht. Die Warnungen stehen aber immer hier auf der "
                     "Seite.",
    staff_link="Eigene Warnungen des Landkreises",
    staff_title="Warnungen des Landkreises",
    staff_intro="Hier geben Sie Warnungen für den Landkreis heraus, ändern und heben sie auf.",
    staff_list_title="Eigene Warnungen",
    staff_empty="Noch keine eigene Warnung.",
    staff_new_title="Neue Warnung",
    staff_edit_title="Warnung ändern",
    field_headline="Überschrift",
    field_event="Ereignis",
    field_category="Art der Gefahr",
    category_names={"Fire": "Brand", "Met": "Wetter", "Env": "Umwelt", "CBRNE": "Gefahrstoffe",
                    "Safety": "Allgemeine Gefahr", "Security": "Polizeilage", "Health": "Gesundheit",
                    "Infra": "Versorgung (Strom, Wasser)", "Transport": "Verkehr", "Geo": "Naturgefahr",
                    "Rescue": "Rettung", "Other": "Sonstiges"},
    field_severity="Stufe",
    field_description="Was ist passiert?",
    field_instruction="Was sollen die Menschen tun?",
    field_hours="Gilt für Stunden",
    hours_hint="Danach endet die Warnung von selbst, wenn Sie sie nicht vorher aufheben.",
    field_gemeinden="Gemeinden",
    gemeinden_hint="Wählen Sie ganze Gemeinden, oder zeichnen Sie das Gebiet unten als Eckpunkte.",
    field_polygon="Gebiet als Eckpunkte",
    polygon_hint="Eine Zeile je Eckpunkt: Breite, Länge (zum Beispiel 53.32, 13.86); mindestens drei.",
    field_area_description="Gebiet in Worten",
    preview="Wen erreicht das?",
    preview_result="Diese Warnung erreicht {people} Menschen mit Orten in {places} Ortsteilen.",
    preview_outside="Das Gebiet reicht über den Landkreis hinaus: eine zweite Person muss die Warnung freigeben.",
    issue="Warnung herausgeben",
    update="Änderung herausgeben",
    cancel="Entwarnung geben",
    cancel_note="Hinweis zur Entwarnung (freiwillig)",
    approve="Freigeben",
    issued_done="Die Warnung ist herausgegeben.",
    updated_done="Die Änderung ist herausgegeben.",
    cancelled_done="Die Entwarnung ist herausgegeben.",
    approved_done="Die Warnung ist freigegeben und herausgegeben.",
    pending_note="Diese Warnung reicht über den Landkreis hinaus und wartet auf die Freigabe durch eine zweite Person.",
    version="Stand",
    feeds_title="Warnquellen",
    feeds_intro="Die Quellen, aus denen Warnungen kommen, und ob sie gerade erreichbar sind.",
    feeds_empty="Keine Quelle eingerichtet.",
    feed_healthy="in Ordnung",
    feed_failing="gestört",
    feed_last_success="Zuletzt erfolgreich",
    feed_error="Fehler",
    feed_never="noch nie",
    quarantine_title="Nicht lesbare Meldungen",
    error_polygon="Bitte geben Sie mindestens drei Eckpunkte als „Breite, Länge“ an.",
)
