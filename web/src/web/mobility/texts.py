"""Every text of the mobility pages (German); `web.texts.Texts.mobility` holds this area's instance, so
templates read `t.mobility.<name>`. A second language is a second instance."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MobilityTexts:
    nav: str
    # finding a ride
    find_title: str
    find_intro: str
    from_stop: str
    to_stop: str
    day: str
    party: str
    needs: str
    needs_hint: str
    need_names: dict[str, str]
    search: str
    choose: str
    results_title: str
    results_empty: str
    departs: str
    arrives: str
    expect: str
    expects: dict[str, str]
    free_seats: str
    too_late: str
    book: str
    book_label: str
    # bookings
    mine_title: str
    mine_link: str
    mine_empty: str
    booking_title: str
    state: str
    states: dict[str, str]
    ride: str
    rides: dict[str, str]
    driver: str
    confirm_by: str
    confirm_by_hint: str
    notices: dict[str, str]
    cancel: str
    cancel_label: str
    done: dict[str, str]
    # the desk
    desk_title: str
    # importing the bus network (GTFS)
    feeds_title: str
    feeds_intro: str
    feeds_id: str
    feeds_id_hint: str
    feeds_name: str
    feeds_file: str
    feeds_file_hint: str
    feeds_import: str
    feeds_done: str
    feeds_skipped: str
    feeds_notes: str
    feeds_too_large: str
    feeds_refused: str
    feeds_where: str
    feeds_problems: dict[str, str]
    desk_intro: str
    desk_person: str
    desk_person_hint: str
    desk_person_refused: str
    desk_book_title: str
    desk_book_label: str
    desk_day_title: str
    desk_bookings_title: str
    desk_bookings_empty: str
    desk_orders_title: str
    desk_orders_empty: str
    desk_booked_by_desk: str
    desk_order_seats: str
    desk_order_deadline: str
    desk_short_notice: str
    order_states: dict[str, str]
    acknowledge: str
    acknowledge_label: str
    breaches: str
    # drivers
    driver_title: str
    driver_intro: str
    driver_link: str
    driver_name: str
    driver_name_hint: str
    driver_female: str
    driver_female_hint: str
    driver_register: str
    driver_status: str
    driver_statuses: dict[str, str]
    driver_until: str
    documents_title: str
    document_kind: str
    document_kinds: dict[str, str]
    document_reference: str
    document_reference_hint: str
    document_expires: str
    document_add: str
    vehicles_title: str
    vehicle_label: str
    vehicle_seats: str
    vehicle_wheelchairs: str
    vehicle_add: str
    offers_title: str
    offer_vehicle: str
    offer_corridor: str
    offer_departure: str
    offer_departure_hint: str
    offer_one_off: str
    offer_weekdays: str
    offer_weekdays_hint: str
    weekday_names: dict[str, str]
    offer_add: str
    offer_withdraw: str
    offer_withdraw_label: str
    rides_title: str
    rides_empty: str
    riders: str
    riders_none: str
    rider_line: str
    ride_states: dict[str, str]
    verify_title: str
    verify_until: str
    verify: str
    verify_label: str
    verify_empty: str
    # problems from the service, by code
    problems: dict[str, str]
    problem_other: str


DE = MobilityTexts(
    nav="Mitfahren",
    find_title="Mitfahren oder Rufbus-Taxi",
    find_intro=("Wählen Sie Ihre Haltestelle und Ihr Ziel. Fährt niemand privat mit, holt Sie garantiert das "
                "Rufbus-Taxi ab. Bitte mindestens eine Stunde vorher buchen."),
    from_stop="Von (Haltestelle)",
    to_stop="Nach",
    day="Tag",
    party="Personen",
    needs="Was Sie dabeihaben",
    needs_hint="Damit das passende Fahrzeug kommt.",
    need_names={"wheelchair": "Rollstuhl", "pram": "Kinderwagen", "bike": "Fahrrad",
                "female_driver_only": "Nur mit Fahrerin (beim Taxi nicht garantiert)"},
    search="Fahrten suchen",
    choose="Bitte wählen",
    results_title="Fahrten am {day}",
    results_empty="Auf dieser Strecke gibt es an diesem Tag keine Fahrten.",
    departs="Abfahrt",
    arrives="Ankunft",
    expect="Sie bekommen",
    expects={"private": "eine private Mitfahrt", "taxi": "das Rufbus-Taxi (garantiert)", "full": "ausgebucht"},
    free_seats="{count} Plätze frei",
    too_late="Zu kurzfristig: bitte eine spätere Fahrt wählen.",
    book="Buchen",
    book_label="Fahrt um {time} buchen",
    mine_title="Meine Fahrten",
    mine_link="Meine Fahrten ansehen",
    mine_empty="Sie haben noch keine Fahrt gebucht.",
    booking_title="Ihre Fahrt",
    state="Stand",
    states={
        "matched_private": "Mitfahrt gefunden", "confirmed_private": "Mitfahrt bestätigt",
        "fallback_planned": "Taxi eingeplant", "fallback_dispatched": "Taxi bestellt",
        "confirmed_fallback": "Taxi bestätigt", "escalated": "Taxi wird geklärt", "completed": "Gefahren",
        "no_show": "Nicht erschienen", "cancelled_on_time": "Storniert", "cancelled_late": "Kurzfristig storniert",
        "failed": "Fahrt ausgefallen",
    },
    ride="Fahrzeug",
    rides={"private": "Private Mitfahrt", "taxi": "Rufbus-Taxi", "none": "–"},
    driver="Fahrerin oder Fahrer",
    confirm_by="Endgültig bestätigt um",
    confirm_by_hint="Bis dahin kann aus dem Taxi noch eine Mitfahrt werden.",
    notices={
        "driver_gender_not_guaranteed_for_taxi": "Beim Taxi können wir keine Fahrerin zusichern.",
        "stop_accessibility_unknown_confirm": "Ob die Haltestelle stufenlos ist, wissen wir nicht: die "
                                              "Mobilitätszentrale ruft Sie an.",
    },
    cancel="Stornieren",
    cancel_label="Fahrt am {time} stornieren",
    done={"booked": "Ihre Fahrt ist gebucht.", "cancelled": "Die Fahrt ist storniert.",
          "desk-booked": "Die Fahrt ist für den Anrufer gebucht.", "acknowledged": "Der Taxi-Auftrag ist bestätigt.",
          "registered": "Sie sind angemeldet. Bitte tragen Sie Ihre Unterlagen ein.",
          "document": "Die Unterlage ist eingetragen.", "vehicle": "Das Fahrzeug ist eingetragen.",
          "offered": "Ihre Fahrt ist angeboten.", "withdrawn": "Das Angebot ist zurückgezogen.",
          "verified": "Die Unterlagen sind als geprüft eingetragen."},
    desk_title="Mobilitätszentrale",
    feeds_title="Fahrplan einlesen",
    feeds_intro=("Laden Sie den Fahrplan des Verkehrsverbunds als GTFS-Datei (ZIP) hoch. Ein Fahrplan mit derselben "
                 "Kennung wird ersetzt. Danach sehen Sie, was übernommen wurde."),
    feeds_id="Kennung des Fahrplans",
    feeds_id_hint="Kleinbuchstaben, Ziffern und Bindestriche, zum Beispiel uvg-2027.",
    feeds_name="Name",
    feeds_file="GTFS-Datei (ZIP)",
    feeds_file_hint="Höchstens 8 MB.",
    feeds_import="Fahrplan einlesen",
    feeds_done="Der Fahrplan „{name}“ wurde eingelesen.",
    feeds_skipped="Übersprungen",
    feeds_notes="Hinweise",
    feeds_too_large="Die Datei ist größer als 8 MB.",
    feeds_refused="Der Fahrplan wurde nicht eingelesen.",
    feeds_where="Fehler in: {place}.",
    feeds_problems={
        "NOT_A_ZIP": "Das ist keine ZIP-Datei.",
        "GTFS_INVALID": "Der Fahrplan ist fehlerhaft und wurde nicht eingelesen.",
        "VALIDATION_FAILED": "Bitte prüfen Sie die Kennung: nur Kleinbuchstaben, Ziffern und Bindestriche.",
    },
    desk_intro="Fahrten für Anruferinnen und Anrufer buchen, Taxi-Aufträge bestätigen.",
    desk_person="Personen-Nummer",
    desk_person_hint="Die Nummer aus der Personenverwaltung (auch für Menschen ohne E-Mail).",
    desk_person_refused="Für diese Personen-Nummer können Sie hier nicht buchen. Bitte prüfen Sie die Nummer in der "
                        "Personenverwaltung.",
    desk_book_title="Für einen Anrufer buchen",
    desk_book_label="Fahrt um {time} für den Anrufer buchen",
    desk_day_title="Heute",
    desk_bookings_title="Buchungen",
    desk_bookings_empty="Keine Buchungen an diesem Tag.",
    desk_orders_title="Taxi-Aufträge",
    desk_orders_empty="Keine Taxi-Aufträge an diesem Tag.",
    desk_booked_by_desk="telefonisch gebucht",
    desk_order_seats="{seats} Sitzplätze, {wheelchairs} Rollstuhlplätze",
    desk_order_deadline="Bestätigung bis",
    desk_short_notice="kurzfristig",
    order_states={"sent": "gesendet", "acknowledged": "bestätigt", "escalated": "überfällig – bitte klären",
                  "cancelled": "storniert"},
    acknowledge="Bestätigt",
    acknowledge_label="Taxi-Auftrag um {time} als bestätigt eintragen",
    breaches="Garantie verletzt: {count}",
    driver_title="Fahren und mitnehmen",
    driver_intro="Nehmen Sie auf Ihren Fahrten andere mit. Die Mobilitätszentrale prüft Ihre Unterlagen.",
    driver_link="Als Fahrerin oder Fahrer mitnehmen",
    driver_name="Ihr Vorname (so sehen Mitfahrende Sie)",
    driver_name_hint="Nur der Vorname wird angezeigt.",
    driver_female="Ich bin eine Frau und nehme Fahrgäste mit, die nur mit einer Fahrerin fahren möchten",
    driver_female_hint="Freiwillig. Das wird nie angezeigt, nur für die Zuteilung genutzt.",
    driver_register="Anmelden",
    driver_status="Prüfung",
    driver_statuses={"pending": "Unterlagen werden geprüft", "verified": "geprüft", "suspended": "ruht",
                     "revoked": "widerrufen"},
    driver_until="gültig bis {date}",
    documents_title="Unterlagen",
    document_kind="Art",
    document_kinds={"id_card": "Personalausweis", "licence": "Führerschein", "registration": "Fahrzeugschein"},
    document_reference="Nummer des Dokuments",
    document_reference_hint="Wir speichern nur die letzten vier Zeichen.",
    document_expires="Gültig bis",
    document_add="Unterlage hinzufügen",
    vehicles_title="Fahrzeuge",
    vehicle_label="Bezeichnung",
    vehicle_seats="Freie Sitzplätze",
    vehicle_wheelchairs="Rollstuhlplätze",
    vehicle_add="Fahrzeug hinzufügen",
    offers_title="Meine Angebote",
    offer_vehicle="Fahrzeug",
    offer_corridor="Strecke",
    offer_departure="Abfahrt an der ersten Haltestelle",
    offer_departure_hint="Zur vollen oder halben Stunde.",
    offer_one_off="Einmalig am",
    offer_weekdays="Oder jede Woche am",
    offer_weekdays_hint="Für eine regelmäßige Fahrt die Wochentage wählen und das Datum leer lassen.",
    weekday_names={"0": "Montag", "1": "Dienstag", "2": "Mittwoch", "3": "Donnerstag", "4": "Freitag",
                   "5": "Samstag", "6": "Sonntag"},
    offer_add="Fahrt anbieten",
    offer_withdraw="Zurückziehen",
    offer_withdraw_label="Angebot um {time} zurückziehen",
    rides_title="Meine nächsten Fahrten",
    rides_empty="Noch keine Fahrten.",
    riders="Mitfahrende",
    riders_none="Noch niemand gebucht.",
    rider_line="{party} Person(en) von {origin} nach {destination}, ab {time}",
    ride_states={"open": "geplant", "checked_in": "unterwegs", "completed": "gefahren", "withdrawn": "zurückgezogen",
                 "cancelled_late": "kurzfristig abgesagt"},
    verify_title="Fahrerinnen und Fahrer prüfen",
    verify_until="Geprüft bis",
    verify="Unterlagen geprüft",
    verify_label="{name}: Unterlagen als geprüft eintragen",
    verify_empty="Niemand wartet auf die Prüfung.",
    problems={
        "LEAD_TIME": "Diese Fahrt ist zu kurzfristig. Bitte eine spätere wählen.",
        "CAPACITY_EXHAUSTED": "Diese Fahrt ist ausgebucht. Bitte eine andere Zeit wählen.",
        "NO_FALLBACK": "Zu dieser Zeit gibt es weder Mitfahrt noch Taxi.",
        "NO_WHEELCHAIR_VEHICLE": "Zu dieser Zeit fährt kein Fahrzeug mit Rollstuhlplatz.",
        "DESK_CONFIRMATION_REQUIRED": "Bitte buchen Sie diese Fahrt telefonisch bei der Mobilitätszentrale.",
        "TRIP_TOO_SHORT": "Für so kurze Wege gibt es keine Fahrten.",
        "WRONG_DIRECTION": "Das Ziel liegt nicht in Fahrtrichtung.",
        "BOOKING_CLOSED": "Diese Fahrt kann nicht mehr storniert werden.",
        "TOO_FAR_AHEAD": "So weit im Voraus kann noch nicht gebucht werden.",
        "DRIVER_NOT_VERIFIED": "Ihre Unterlagen sind noch nicht geprüft.",
        "DRIVER_EXISTS": "Sie sind schon angemeldet.",
        "DOCUMENT_EXPIRED": "Diese Unterlage ist abgelaufen.",
        "DOCUMENTS_MISSING": "Es fehlen Unterlagen oder sie sind abgelaufen.",
        "STOP_NOT_ON_CORRIDOR": "Die Haltestelle liegt nicht an dieser Strecke.",
        "NO_DAYS": "Bitte ein Datum oder Wochentage angeben.",
    },
    problem_other="Das hat nicht geklappt. Bitte prüfen Sie die Angaben.",
)
