"""Every text of the volunteers pages (German); `web.texts.Texts.volunteers` holds this area's instance, so
templates read `t.volunteers.<name>`. A second language is a second instance."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VolunteersTexts:
    nav: str
    sub_nav: str
    choose: str
    when: str
    where: str
    places: str
    places_left: str
    shift_over: str
    # The sign-ups list as a spreadsheet: the service's column names → ours.
    roster_csv_columns: dict[str, str]
    waitlist_count: str
    remote: str
    state: str
    states: dict[str, str]
    rank: str
    late: str
    distance: str
    why: str
    reasons: dict[str, str]
    error_year: str
    error_number: str
    error_date: str
    # the volunteers service's problems, by code (its own `detail` is English and never shown);
    # `{still_open}` and `{unit}` are filled in where the problem or the page knows them
    problems: dict[str, str]
    # NOT_ELIGIBLE: the first sentence, then one per missing requirement (the service's `reasons`, by the
    # part before the first ":"; `{0}`, `{1}` are the parts after it)
    not_eligible: str
    not_eligible_reasons: dict[str, str]
    language_names: dict[str, str]
    # finding and signing up
    find_title: str
    find_intro: str
    no_profile_title: str
    no_profile_text: str
    no_profile_action: str
    matches_title: str
    no_matches: str
    sign_up: str
    join_waitlist: str
    sign_up_label: str
    # find page map
    map_title: str
    map_intro: str
    map_label: str
    map_description: str
    map_home_description: str
    map_home: str
    map_list_title: str
    map_list_home: str
    map_empty: str
    # profile
    profile_title: str
    profile_intro: str
    profile_name: str
    profile_name_hint: str
    profile_birth_year: str
    profile_birth_year_hint: str
    profile_village: str
    profile_radius: str
    profile_email: str
    profile_phone: str
    profile_contact_hint: str
    profile_visible: str
    profile_reminders: str
    profile_save: str
    profile_times_title: str
    profile_times_hint: str
    profile_times_kept: str
    weekdays: tuple[str, ...]
    day_parts: dict[str, str]
    # my shifts
    mine_title: str
    mine_signed_up: str
    mine_requested: str
    mine_waitlisted: str
    mine_cancelled: str
    hours_summary: str
    ahead_title: str
    ahead_empty: str
    past_title: str
    cancel: str
    cancel_label: str
    calendar_title: str
    calendar_text: str
    calendar_new: str
    calendar_renew: str
    calendar_revoke: str
    calendar_revoked: str
    # ongoing commitments and material donations
    kinds: dict[str, str]
    more_title: str
    more_empty: str
    details: str
    details_label: str
    open_places: str
    open_places_unlimited: str
    still_needed: str
    nothing_open: str
    take_part_title: str
    take_part_text: str
    take_part: str
    pledge_title: str
    pledge_text: str
    pledge_quantity: str
    pledge: str
    note_label: str
    note_hint_ongoing: str
    note_hint_material: str
    already: str
    commitments_title: str
    commitments_empty: str
    quantity_of: str
    arrangements: str
    address: str
    withdraw: str
    withdraw_label: str
    mine_responded: str
    mine_pledged: str
    mine_withdrawn: str
    error_quantity: str
    # help requests
    help_title: str
    help_intro: str
    help_mine: str
    help_near: str
    help_near_empty: str
    help_offer: str
    help_ask_title: str
    help_ask: str
    help_category: str
    help_categories: dict[str, str]
    help_states: dict[str, str]
    help_village: str
    help_day: str
    help_from: str
    help_until: str
    help_description: str
    help_address: str
    help_address_hint: str
    help_asked: str
    help_offered: str
    # organisations
    orgs_title: str
    orgs_intro: str
    org_states: dict[str, str]
    org_register_title: str
    org_register_text: str
    org_name: str
    org_legal_form: str
    legal_forms: dict[str, str]
    org_village: str
    org_register: str
    org_registered: str
    org_submit_title: str
    org_submit_text: str
    org_submit: str
    org_submitted: str
    org_waiting: str
    opps_title: str
    opps_empty: str
    opp_states: dict[str, str]
    opp_new: str
    opp_title: str
    opp_category: str
    categories: dict[str, str]
    opp_village: str
    opp_description: str
    opp_kind: str
    opp_capacity: str
    opp_capacity_hint: str
    opp_unit: str
    opp_unit_hint: str
    opp_arrangements: str
    opp_arrangements_hint: str
    opp_create: str
    opp_created: str
    opp_publish: str
    opp_publish_label: str
    opp_published: str
    opp_queued: str
    shift_new: str
    shift_day: str
    shift_from: str
    shift_until: str
    shift_until_hint: str
    shift_capacity: str
    shift_add: str
    shift_created: str
    roster_link: str
    roster_title: str
    roster_empty: str
    roster_back: str
    overbooked: str
    confirm: str
    confirm_label: str
    reject: str
    reject_label: str
    check_in: str
    check_in_label: str
    responses_link: str
    responses_label: str
    responses_title: str
    responses_empty: str
    note: str
    quantity: str
    complete: dict[str, str]
    complete_label: str
    release: str
    release_label: str
    # district staff
    staff_title: str
    staff_done: dict[str, str]
    queue_title: str
    queue_empty: str
    verify: str
    verify_label: str
    review: str
    review_label: str
    reports_title: str
    reports_empty: str
    suspend: str
    suspend_label: str
    entered_title: str
    entered_empty: str
    entered_ask_title: str
    entered_ask_text: str
    entered_category: str
    entered_address_hint: str
    entered_person: str
    entered_person_hint: str
    entered_person_unknown: str
    entered_phone: str
    entered_phone_hint: str
    entered_send: str
    stats_title: str
    stats_organisations: str
    stats_helpers: str
    stats_hours: str
    stats_open_help: str
    stats_from: str
    stats_to: str
    stats_period_hint: str
    stats_period_submit: str
    stats_bad_date: str
    stats_backwards: str
    stats_shifts: str
    stats_ongoing: str
    stats_pledges: str
    stats_handed_over: str
    stats_help_asked: str
    stats_help_matched: str
    stats_help_done: str
    stats_villages_caption: str
    stats_none: str
    # coordinator pages (approval, roster)
    opp_approval: str
    opp_approval_hint: str
    approval_modes: dict[str, str]
    opp_approval_own: str
    shifts_ended: str
    roster_csv: str
    roster_after: str
    hours_credited: str
    hours_label: str
    hours_hint: str
    hours_save: str
    hours_was_there: str
    hours_saved: str
    error_hours: str
    # resident pages (filters, warnings, requirements)
    needs_title: str
    needs_none: str
    needs_min_age: str
    # an opportunity's requirement codes (`licence:B`, `lang:de:B2`, `skill:garden`), by the part before the
    # first ":"; `{0}`, `{1}` are the parts after it
    needs: dict[str, str]
    skill_names: dict[str, str]
    shifts_need_profile: str
    # after a sign-up the service let through: `travel` (back to back, villages far apart), `overlap` (within the
    # tolerated minutes); `{other}` is signup_warning_other or, for a shift not in the list, signup_warning_unknown
    signup_warnings: dict[str, str]
    signup_warning_other: str
    signup_warning_unknown: str
    filter_title: str
    filter_kind: str
    filter_kinds: dict[str, str]
    filter_category: str
    filter_categories_all: str
    filter_days: dict[str, str]
    filter_days_label: str
    filter_partial: str
    filter_submit: str
    filter_reset: str
    filtered_empty: str
    more_dates: str
    more_dates_one: str
    more_dates_label: str
    # staff desk
    desk_enter_help: str
    desk_find_person: str
    desk_for_person: str


DE = VolunteersTexts(
    nav="Helfen",
    sub_nav="Bereiche zum Helfen",
    choose="Bitte wählen",
    when="Wann",
    where="Wo",
    places="Plätze",
    places_left="{left} von {capacity} frei",
    shift_over="Der Termin ist vorbei.",
    roster_csv_columns={"display_name": "Name", "state": "Stand", "waitlist_rank": "Platz auf der Warteliste",
                        "contact_email": "E-Mail", "contact_phone": "Telefon", "minutes_credited": "Stunden"},
    waitlist_count="{count} auf der Warteliste",
    remote="von zu Hause aus",
    state="Stand",
    states={
        "requested": "angemeldet, wartet auf Bestätigung", "confirmed": "bestätigt", "waitlisted": "Warteliste",
        "offered": "Platz angeboten – bitte zusagen", "checked_in": "vor Ort", "completed": "erledigt",
        "no_show": "nicht erschienen", "rejected": "nicht bestätigt", "expired": "verfallen",
        "offer_lapsed": "Angebot verfallen", "cancelled_by_volunteer": "abgesagt",
        "cancelled_by_org": "vom Träger abgesagt", "cancelled_erasure": "zurückgezogen",
    },
    rank="Platz {rank}",
    late="kurzfristig abgesagt",
    distance="{km} km entfernt",
    why="Warum das passt:",
    reasons={
        "nearby": "in deiner Nähe", "remote": "von zu Hause aus möglich", "district_wide": "im ganzen Landkreis",
        "availability": "zu deinen Zeiten", "availability_partial": "teilweise zu deinen Zeiten",
        "language": "deine Sprachkenntnisse", "skill": "deine Fähigkeiten",
        "efz_to_be_inspected": "Führungszeugnis wird noch geprüft",
        "approval_after_no_shows": "Träger bestätigt die Anmeldung",
    },
    error_year="Bitte das Geburtsjahr als Zahl angeben, zum Beispiel 1961.",
    error_number="Bitte eine ganze Zahl angeben.",
    error_date="Bitte Datum und Uhrzeit angeben.",
    problems={
        # signing up, taking part, pledging
        "PROFILE_REQUIRED": "Bitte lege zuerst dein Helferprofil an. Dann kannst du dich anmelden.",
        "PROFILE_NOT_FOUND": "Bitte lege zuerst dein Helferprofil an. Dann kannst du dich anmelden.",
        "SHIFT_NOT_FOUND": "Diesen Einsatz gibt es nicht mehr.",
        "SHIFT_STARTED": "Dieser Einsatz hat schon begonnen. Bitte wende dich direkt an den Träger.",
        "SHIFT_OVERLAP": (
            "Zu dieser Zeit hast du schon einen anderen Einsatz. Wenn du lieber hierhin möchtest, sag den "
            "anderen zuerst ab."
        ),
        "SHIFT_FULL": "Dieser Einsatz ist leider ausgebucht. Schau nach einem anderen Termin.",
        "SHIFT_CANCELLED": "Dieser Einsatz wurde abgesagt.",
        "OPPORTUNITY_NOT_FOUND": "Dieses Angebot gibt es nicht mehr.",
        "NOT_FOR_THIS_KIND": "Bei diesem Angebot meldest du dich für einen der Termine an.",
        "QUANTITY_NOT_FOR_KIND": "Hier geht es um dich selbst: bitte nur 1 angeben.",
        "QUANTITY_TOO_SMALL": "Bitte eine ganze Zahl ab 1 angeben.",
        "PLEDGE_EXCEEDS_NEED": "Es werden nur noch {still_open} {unit} gesucht. Bitte sag höchstens so viele zu.",
        "OPPORTUNITY_FULL": "Im Moment ist alles vergeben. Danke an alle!",
        "IDEMPOTENCY_KEY_IN_PROGRESS": (
            "Das wird gerade schon bearbeitet. Bitte warte einen Moment und lade die Seite neu."
        ),
        # cancelling, withdrawing
        "SIGNUP_NOT_FOUND": "Diese Anmeldung gibt es nicht mehr.",
        "COMMITMENT_NOT_FOUND": "Diese Zusage gibt es nicht mehr.",
        "NOT_CANCELLABLE": "Das ist schon beendet oder abgesagt.",
        # places, times
        "UNKNOWN_VILLAGE": "Diesen Ort kennen wir im Landkreis nicht. Bitte wähle ihn aus der Liste.",
        "VILLAGE_REQUIRED": "Bitte den Ort angeben.",
        "WINDOW_ENDS_BEFORE_START": "Das Ende muss nach dem Beginn liegen.",
        "WINDOW_IN_PAST": "Diese Zeit ist schon vorbei. Bitte einen Tag und eine Uhrzeit wählen, die noch kommen.",
        "SHIFT_ENDS_BEFORE_START": "Das Ende muss nach dem Beginn liegen.",
        "SHIFT_IN_PAST": "Der Termin muss in der Zukunft liegen.",
        "LOCAL_TIME_DOES_NOT_EXIST": (
            "Diese Uhrzeit gibt es an dem Tag nicht: in der Nacht werden die Uhren von 2 auf 3 Uhr vorgestellt. "
            "Bitte wähle eine andere Uhrzeit."
        ),
        "LOCAL_TIME_AMBIGUOUS": (
            "Diese Uhrzeit gibt es an dem Tag zweimal: in der Nacht werden die Uhren von 3 auf 2 Uhr "
            "zurückgestellt. Bitte wähle eine andere Uhrzeit."
        ),
        # asking for help, offering it
        "HELP_REQUEST_NOT_FOUND": "Diese Anfrage gibt es nicht mehr.",
        "OWN_REQUEST": "Bei deiner eigenen Anfrage kannst du nicht selbst helfen.",
        "HELP_NOT_OPEN": "Hier hat schon jemand anderes Hilfe angeboten. Danke trotzdem!",
        "NO_OFFER": "Es hat noch niemand Hilfe angeboten.",
        # organisations and their offers
        "ORGANISATION_NOT_FOUND": "Diesen Träger gibt es nicht.",
        "ORGANISATION_NOT_VERIFIED": (
            "Der Träger ist noch nicht geprüft: das Angebot wird veröffentlicht, sobald die Prüfung durch ist."
        ),
        "INVALID_TRANSITION": "Das geht im jetzigen Stand nicht (mehr). Bitte lade die Seite neu.",
        "OPPORTUNITY_CLOSED": "Dieses Angebot ist beendet. Neue Termine gehen nicht mehr.",
        "QUANTITY_WANTED_REQUIRED": "Bitte angeben, wie viele ihr sucht.",
        "UNIT_REQUIRED": "Bitte angeben, was gezählt wird, zum Beispiel „Jacken“.",
        "CAPACITY_NOT_FOR_KIND": (
            "Eine Zahl gibt es nur bei Sachspenden und dauerhaftem Engagement. Bei Terminen steht sie am Termin."
        ),
        "UNIT_NOT_FOR_KIND": "Was gezählt wird, gibt es nur bei Sachspenden.",
        "CAPACITY_BELOW_TAKEN": "Es sind schon {taken} zugesagt. Weniger als das geht nicht.",
        # the Freiwilligenagentur's numbers
        "PERIOD_INVALID": "Das Ende liegt vor dem Anfang.",
        # coordinators' decisions
        "NOT_REQUESTED": "Hier ist schon entschieden.",
        "NOT_CONFIRMED": "Das geht erst, wenn die Person bestätigt ist.",
        "CHECK_IN_CLOSED": "Einchecken geht erst kurz vor Beginn und nur bis zum Ende des Einsatzes.",
        "NOT_FINISHED": "Stunden lassen sich erst eintragen, wenn der Einsatz vorbei ist.",
        "NO_OPEN_OFFER": "Dieses Angebot für einen Platz gilt nicht mehr.",
    },
    not_eligible="Hierfür kannst du dich leider nicht anmelden.",
    not_eligible_reasons={
        "age_below": "Mitmachen kann man erst ab {0} Jahren.",
        "licence_missing": "Dafür braucht es einen Führerschein der Klasse {0}.",
        "own_car_missing": "Dafür braucht es ein eigenes Auto.",
        "first_aid_missing": "Dafür braucht es einen Erste-Hilfe-Kurs.",
        "language_below": "Dafür braucht es {0} mindestens auf Stufe {1}.",
        "efz_missing": (
            "Dafür braucht es ein erweitertes Führungszeugnis, das der Träger oder die Freiwilligenagentur "
            "gesehen hat."
        ),
        "efz_outdated": "Dein erweitertes Führungszeugnis ist zu alt. Bitte zeig dem Träger ein neues.",
        "efz_exclusion": "Bei Fragen hilft dir der Träger gern weiter.",
    },
    language_names={"de": "Deutsch", "en": "Englisch", "pl": "Polnisch", "uk": "Ukrainisch", "ru": "Russisch",
                    "ar": "Arabisch", "tr": "Türkisch", "fr": "Französisch", "fa": "Persisch"},
    find_title="Helfen in deiner Nähe",
    find_intro=(
        "Vereine, Kirchengemeinden und Initiativen im Landkreis suchen Unterstützung. Hier findest du, was zu "
        "dir passt."
    ),
    no_profile_title="Erzähl uns kurz von dir",
    no_profile_text="Mit deinem Ort und wie weit du fahren magst, zeigen wir dir Einsätze in deiner Nähe.",
    no_profile_action="Profil anlegen",
    matches_title="Passende Einsätze",
    no_matches="Gerade gibt es keine passenden Einsätze. Schau bald wieder vorbei oder vergrößere deinen Umkreis.",
    sign_up="Anmelden",
    join_waitlist="Auf die Warteliste",
    sign_up_label="Für {title} am {date} anmelden",
    # find page map
    map_title="Wo Hilfe gebraucht wird",
    map_intro="Offene Termine im ganzen Landkreis, auch außerhalb deines Umkreises.",
    map_label="Karte des Landkreises mit den Orten, an denen Termine offen sind",
    map_description="Jeder Kreis ist ein Ort mit offenen Terminen, die Zahl darin sagt, wie viele.",
    map_home_description="Der Ring zeigt deinen Ort, {village}.",
    map_home="Dein Ort: {village}",
    map_list_title="Offene Termine nach Ort",
    map_list_home="dein Ort",
    map_empty="Gerade sind im Landkreis keine Termine offen.",
    profile_title="Mein Helferprofil",
    profile_intro="Nur bestätigte Träger sehen deine Kontaktdaten, und nur für Einsätze, zu denen du zugesagt hast.",
    profile_name="Wie sollen wir dich nennen?",
    profile_name_hint="Zum Beispiel dein Vorname; andere Helfende sehen ihn nur, wenn du es erlaubst.",
    profile_birth_year="Geburtsjahr",
    profile_birth_year_hint="Manche Einsätze sind erst ab 16 oder 18 Jahren.",
    profile_village="Dein Ort",
    profile_radius="Umkreis in Kilometern",
    profile_email="E-Mail für Träger",
    profile_phone="Telefon für Träger",
    profile_contact_hint="Sichtbar nur für den Träger eines Einsatzes, zu dem du bestätigt bist.",
    profile_visible="Träger dürfen mich für passende Einsätze finden",
    profile_reminders="Am Vortag an Einsätze erinnern",
    profile_save="Profil speichern",
    profile_times_title="Wann hast du Zeit?",
    profile_times_hint=(
        "Kreuze an, wann du meistens kannst: Vormittag heißt 6 bis 12 Uhr, Nachmittag 12 bis 17 Uhr, Abend 17 bis "
        "22 Uhr. Kreuzt du nichts an, zeigen wir dir Einsätze zu jeder Zeit."
    ),
    profile_times_kept="Gespeichert sind genauere Zeiten ({times}). Sie bleiben, solange du hier nichts änderst.",
    weekdays=("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    day_parts={"morning": "Vormittag", "afternoon": "Nachmittag", "evening": "Abend"},
    mine_title="Meine Einsätze",
    mine_signed_up="Du bist angemeldet. Danke!",
    mine_requested=(
        "Deine Anmeldung ist beim Träger. Er bestätigt sie selbst – wir sagen dir Bescheid, sobald er das tut."
    ),
    mine_waitlisted=(
        "Dieser Termin ist schon voll: Du stehst auf der Warteliste. Wird ein Platz frei, sagen wir dir Bescheid."
    ),
    mine_cancelled="Du hast abgesagt. Der Platz geht an die nächste Person.",
    hours_summary="Bisher {shifts} Einsätze, zusammen {hours} Stunden. Danke!",
    ahead_title="Demnächst",
    ahead_empty="Noch keine Einsätze geplant.",
    past_title="Vergangene Einsätze",
    cancel="Absagen",
    cancel_label="{title} am {date} absagen",
    calendar_title="Im Kalender",
    calendar_text=(
        "Mit einem geheimen Link zeigt dein Kalender (Handy, Outlook) deine Einsätze an. Ein neuer Link "
        "ersetzt den alten."
    ),
    calendar_new="Kalender-Link erstellen",
    calendar_renew="Neuen Kalender-Link erstellen (der alte gilt dann nicht mehr)",
    calendar_revoke="Link ungültig machen",
    calendar_revoked="Der Kalender-Link gilt nicht mehr.",
    kinds={"shifts": "Einsatz mit Terminen", "ongoing": "Dauerhaft dabei sein", "one_off": "Einmalige Hilfe",
           "material": "Sachspende"},
    more_title="Dauerhaft helfen und Sachspenden",
    more_empty="Gerade sucht niemand Dauerhelfer oder Sachspenden.",
    details="Ansehen",
    details_label="{title} ansehen",
    open_places="Noch {left} von {capacity} Plätzen frei",
    open_places_unlimited="Es können alle mitmachen, die möchten.",
    still_needed="Noch {left} von {capacity} {unit} gesucht",
    nothing_open="Im Moment ist alles vergeben. Danke an alle!",
    take_part_title="Mitmachen",
    take_part_text=(
        "Der Träger meldet sich bei dir und sagt dir, wie es weitergeht. Deine Kontaktdaten sieht er erst, wenn "
        "er zugesagt hat."
    ),
    take_part="Ich möchte mitmachen",
    pledge_title="Spende zusagen",
    pledge_text=(
        "Sag, wie viele du bringen kannst. Wo und wann du sie abgibst, siehst du danach unter „Meine Einsätze“."
    ),
    pledge_quantity="Wie viele {unit}?",
    pledge="Spende zusagen",
    note_label="Nachricht an den Träger",
    note_hint_ongoing="Zum Beispiel, an welchen Tagen du kannst.",
    note_hint_material="Zum Beispiel Größe oder Zustand.",
    already="Du hast dich schon gemeldet: {state}.",
    commitments_title="Dauerhaft und Sachspenden",
    commitments_empty="Noch nichts zugesagt.",
    quantity_of="{quantity} {unit}",
    arrangements="So geht es weiter",
    address="Adresse",
    withdraw="Zurückziehen",
    withdraw_label="{title} zurückziehen",
    mine_responded="Danke! Deine Rückmeldung ist beim Träger; er meldet sich bei dir.",
    mine_pledged="Danke für deine Zusage!",
    mine_withdrawn="Du hast deine Zusage zurückgezogen.",
    error_quantity="Bitte eine ganze Zahl ab 1 angeben.",
    help_title="Hilfe suchen und anbieten",
    help_intro=(
        "Einkauf, Fahrt zum Arzt, Garten oder Technik: Fragen kostet nichts. Deine Adresse sieht nur, wer dir "
        "hilft."
    ),
    help_mine="Meine Anfragen",
    help_near="Anfragen in deiner Nähe",
    help_near_empty="Gerade sucht niemand in deiner Nähe Hilfe.",
    help_offer="Ich helfe",
    help_ask_title="Um Hilfe bitten",
    help_ask="Anfrage senden",
    help_category="Wobei brauchst du Hilfe?",
    help_categories={"shopping": "Einkauf", "ride": "Fahrt zum Arzt", "garden": "Garten", "technology": "Technik",
                     "visit": "Besuch", "other": "Sonstiges"},
    help_states={"open": "offen", "offered": "Hilfe angeboten", "matched": "vereinbart", "done": "erledigt",
                 "cancelled": "zurückgezogen"},
    help_village="In welchem Ort?",
    help_day="An welchem Tag?",
    help_from="Ab",
    help_until="Bis",
    help_description="Was genau?",
    help_address="Adresse",
    help_address_hint="Nur die Person, die dir hilft, sieht sie – und erst, wenn du zugestimmt hast.",
    help_asked="Deine Anfrage ist da. Wir sagen dir Bescheid, wenn jemand helfen möchte.",
    help_offered="Danke! Die anfragende Person bestätigt noch; dann siehst du die Adresse.",
    orgs_title="Für Vereine und Träger",
    orgs_intro=(
        "Vereine, Kirchengemeinden und Initiativen stellen hier Einsätze ein. Die Freiwilligenagentur des "
        "Landkreises prüft jeden Träger, bevor etwas sichtbar wird."
    ),
    org_states={"draft": "Entwurf", "submitted": "wartet auf Prüfung", "in_review": "in Prüfung",
                "verified": "geprüft", "suspended": "gesperrt", "withdrawn": "abgemeldet"},
    org_register_title="Träger anmelden",
    org_register_text="Du wirst Ansprechperson des Trägers und kannst weitere Personen hinzufügen.",
    org_name="Name des Trägers",
    org_legal_form="Form",
    legal_forms={"e.V.": "eingetragener Verein", "Kirchengemeinde": "Kirchengemeinde", "Kommune": "Gemeinde, Amt",
                 "Initiative": "Initiative", "gGmbH": "gemeinnützige GmbH", "Stiftung": "Stiftung",
                 "other": "andere"},
    org_village="Sitz",
    org_register="Träger anmelden",
    org_registered="Der Träger ist angelegt. Reiche ihn zur Prüfung ein, wenn alles stimmt.",
    org_submit_title="Zur Prüfung einreichen",
    org_submit_text=(
        "Die Freiwilligenagentur prüft den Träger. Bis dahin ist nichts öffentlich; Angebote kannst du schon "
        "vorbereiten."
    ),
    org_submit="Einreichen",
    org_submitted="Eingereicht. Wir melden uns, sobald der Träger geprüft ist.",
    org_waiting="Der Träger ist noch nicht geprüft: Angebote werden erst danach sichtbar.",
    opps_title="Angebote",
    opps_empty="Noch keine Angebote.",
    opp_states={"draft": "Entwurf", "awaiting_verification": "wird nach der Prüfung veröffentlicht",
                "published": "veröffentlicht", "closed": "beendet"},
    opp_new="Neues Angebot",
    opp_title="Titel",
    opp_category="Bereich",
    categories={"social": "Soziales", "seniors": "Seniorinnen und Senioren", "children": "Kinder und Jugend",
                "environment": "Natur und Umwelt", "culture": "Kultur", "sports": "Sport",
                "fire_brigade": "Feuerwehr", "refugees": "Geflüchtete", "church": "Kirche",
                "neighbourhood": "Nachbarschaft", "other": "Sonstiges"},
    opp_village="Ort des Einsatzes",
    opp_description="Beschreibung",
    opp_kind="Art des Angebots",
    opp_capacity="Wie viele Plätze oder wie viele Stück?",
    opp_capacity_hint=(
        "Bei Sachspenden: wie viele ihr sucht. Bei dauerhaftem Engagement: wie viele Plätze; leer lassen heißt "
        "ohne Grenze. Bei Terminen steht die Zahl an jedem Termin."
    ),
    opp_unit="Was wird gezählt?",
    opp_unit_hint="Nur bei Sachspenden, zum Beispiel „Jacken“.",
    opp_arrangements="So geht es nach der Zusage weiter",
    opp_arrangements_hint="Ort und Zeit der Übergabe, oder wer sich meldet. Das sehen nur bestätigte Personen.",
    opp_create="Angebot anlegen",
    opp_created="Das Angebot ist angelegt. Füge Termine hinzu und veröffentliche es.",
    opp_publish="Veröffentlichen",
    opp_publish_label="{title} veröffentlichen",
    opp_published="Das Angebot ist veröffentlicht.",
    opp_queued="Der Träger ist noch nicht geprüft: das Angebot wird veröffentlicht, sobald die Prüfung durch ist.",
    shift_new="Termin hinzufügen",
    shift_day="Tag",
    shift_from="Von",
    shift_until="Bis",
    shift_until_hint="Liegt das Ende vor dem Beginn, endet der Einsatz am nächsten Tag.",
    shift_capacity="Wie viele Helfende?",
    shift_add="Termin anlegen",
    shift_created="Der Termin ist angelegt.",
    roster_link="Anmeldungen",
    roster_title="Anmeldungen",
    roster_empty="Noch keine Anmeldungen.",
    roster_back="Zurück zu {organisation}",
    overbooked="Überbucht ({taken} von {capacity}): bitte entscheiden, wer abgesagt wird.",
    confirm="Bestätigen",
    confirm_label="{name} bestätigen",
    reject="Ablehnen",
    reject_label="{name} ablehnen",
    check_in="Ist da",
    check_in_label="{name} ist da",
    responses_link="Rückmeldungen",
    responses_label="Rückmeldungen zu {title}",
    responses_title="Rückmeldungen",
    responses_empty="Noch keine Rückmeldungen.",
    note="Nachricht",
    quantity="Menge",
    complete={"ongoing": "Beenden", "material": "Ist angekommen"},
    complete_label="{name}: {action}",
    release="Austragen",
    release_label="{name} austragen",
    staff_title="Freiwilligenagentur",
    staff_done={"verify": "Der Träger ist geprüft; seine Angebote sind jetzt sichtbar.",
                "review": "Die Prüfung hat begonnen.",
                "suspend": "Der Träger ist gesperrt; Helfende wurden informiert.",
                "entered": "Die Anfrage ist eingetragen. Meldet sich jemand, ruft die Person zurück oder Sie "
                           "bestätigen für sie."},
    queue_title="Träger zur Prüfung",
    queue_empty="Keine Träger warten auf Prüfung.",
    verify="Als geprüft freigeben",
    verify_label="{name} als geprüft freigeben",
    review="Prüfung beginnen",
    review_label="Prüfung von {name} beginnen",
    reports_title="Meldungen",
    reports_empty="Keine offenen Meldungen.",
    suspend="Sperren",
    suspend_label="{name} sperren",
    entered_title="Für Menschen ohne Smartphone eingetragen",
    entered_empty="Keine eingetragenen Anfragen.",
    entered_ask_title="Anfrage für einen Anrufer eintragen",
    entered_ask_text=(
        "Für Menschen ohne Smartphone: Die Anfrage gehört der Person selbst, Sie tragen sie in ihrem Namen ein. "
        "Adresse und Telefon sieht nur, wer hilft – und erst nach der Zusage."
    ),
    entered_category="Wobei braucht die Person Hilfe?",
    entered_address_hint="Nur wer hilft, sieht sie – und erst, wenn die Hilfe vereinbart ist.",
    entered_person="Personen-Nummer",
    entered_person_hint="Die Nummer aus der Personenverwaltung (auch für Menschen ohne E-Mail).",
    entered_person_unknown=(
        "Für diese Personen-Nummer können Sie hier nichts eintragen. Bitte prüfen Sie die Nummer in der "
        "Personenverwaltung."
    ),
    entered_phone="Telefon der Person",
    entered_phone_hint="Damit die helfende Person nach der Zusage anrufen kann.",
    entered_send="Anfrage eintragen",
    stats_title="Zahlen",
    stats_organisations="geprüfte Träger",
    stats_helpers="Helfende",
    stats_hours="geleistete Stunden",
    stats_open_help="offene Hilfeanfragen",
    stats_from="Von",
    stats_to="Bis",
    stats_period_hint="Zu Beginn: dieses Jahr bis heute. Beide Felder leer lassen, um alle Zeiten zu sehen.",
    stats_period_submit="Zeitraum anzeigen",
    stats_bad_date="Bitte ein Datum eingeben, zum Beispiel 31.03.2026.",
    stats_backwards="Das Ende liegt vor dem Anfang.",
    stats_shifts="erledigte Einsätze",
    stats_ongoing="Menschen in festen Engagements",
    stats_pledges="zugesagte Sachspenden",
    stats_handed_over="davon übergeben",
    stats_help_asked="Hilfeanfragen",
    stats_help_matched="davon vermittelt",
    stats_help_done="davon erledigt",
    stats_villages_caption="Nach Orten",
    stats_none="In diesem Zeitraum gibt es noch keine Zahlen.",
    # coordinator pages (approval, roster)
    opp_approval="Wer bestätigt die Anmeldungen?",
    opp_approval_hint=(
        "Bestätigt ihr selbst, wartet jede Anmeldung auf euch: unter „Anmeldungen“ sagt ihr zu oder ab."
    ),
    approval_modes={"auto": "Anmeldungen sofort bestätigen", "org_approval": "Wir bestätigen jede Anmeldung selbst"},
    opp_approval_own="Ihr bestätigt jede Anmeldung selbst.",
    shifts_ended="Vergangene Termine",
    roster_csv="Liste herunterladen (CSV, für Excel oder LibreOffice)",
    roster_after=(
        "Nach dem Ende des Einsatzes wird eingetragen: wer da war (eingecheckt), als erledigt mit der Dauer des "
        "Einsatzes; wer nicht eingecheckt ist, als nicht erschienen. Danach könnt ihr die Stunden hier ändern."
    ),
    hours_credited="{hours} Stunden angerechnet",
    hours_label="Stunden für {name}",
    hours_hint="Zum Beispiel 1,5 für anderthalb Stunden.",
    hours_save="Stunden speichern",
    hours_was_there="War doch da: Stunden eintragen",
    hours_saved="Die Stunden sind eingetragen.",
    error_hours="Bitte die Stunden als Zahl von 0 bis 24 angeben, zum Beispiel 1,5.",
    # resident pages (filters, warnings, requirements)
    needs_title="Was du mitbringen solltest",
    needs_none="Keine besonderen Voraussetzungen – mitmachen können alle ab {age} Jahren.",
    needs_min_age="Mindestalter: {age} Jahre",
    needs={
        "licence": "Führerschein der Klasse {0}",
        "own_car": "ein eigenes Auto",
        "first_aid": "ein Erste-Hilfe-Kurs",
        "efz": (
            "ein erweitertes Führungszeugnis: der Träger oder die Freiwilligenagentur schaut es sich an, "
            "gespeichert wird nur, dass es in Ordnung war"
        ),
        "lang": "{0} mindestens auf Stufe {1}",
        "skill": "hilfreich, aber kein Muss: {0}",
    },
    skill_names={"garden": "Gartenarbeit", "reading": "Vorlesen", "cooking": "Kochen", "technology": "Technik",
                 "crafts": "Handwerk", "music": "Musik", "sports": "Sport", "care": "Pflege"},
    shifts_need_profile=(
        "Um dich für einen Termin anzumelden, lege zuerst dein Helferprofil an: mit deinem Ort und wann du Zeit "
        "hast."
    ),
    signup_warnings={
        "travel": (
            "Bitte beachte: Kurz davor oder danach hast du {other}, und die Orte liegen weit auseinander. Plane "
            "genug Zeit für den Weg ein."
        ),
        "overlap": (
            "Bitte beachte: Dieser Einsatz überschneidet sich ein paar Minuten mit {other}. Sag den Trägern am "
            "besten Bescheid, wann du kommst und gehst."
        ),
    },
    signup_warning_other="„{title}“ am {date} ({time} Uhr)",
    signup_warning_unknown="einem anderen Einsatz",
    filter_title="Auswahl eingrenzen",
    filter_kind="Art der Hilfe",
    filter_kinds={"": "Alles", "shifts": "Einsätze mit Terminen", "ongoing": "Dauerhaft dabei sein",
                  "material": "Sachspenden"},
    filter_category="Bereich",
    filter_categories_all="Alle Bereiche",
    filter_days_label="Wann?",
    filter_days={"7": "in den nächsten 7 Tagen", "30": "in den nächsten 4 Wochen", "60": "in den nächsten 2 Monaten",
                 "180": "im nächsten halben Jahr"},
    filter_partial="Auch Einsätze, die nur teilweise zu meinen Zeiten passen",
    filter_submit="Anzeigen",
    filter_reset="Alles zeigen",
    filtered_empty="Mit dieser Auswahl gibt es gerade nichts.",
    more_dates="und {count} weitere Termine",
    more_dates_one="und 1 weiterer Termin",
    more_dates_label="{title}: {more}",
    # staff desk
    desk_enter_help="Hilfeanfrage eintragen",
    desk_find_person="Person suchen (nach Name oder Telefonnummer)",
    desk_for_person="Für {name}",
)
