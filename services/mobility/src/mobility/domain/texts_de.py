"""What the service tells people (notifications), in German. Times are given with their offset-free local
wall time plus the date; the notification's data carries the offset-qualified instant."""

from __future__ import annotations

from datetime import datetime

from mobility.domain.gtfstime import BERLIN


def when(instant: datetime) -> str:
    local = instant.astimezone(BERLIN)
    return f"{local:%d.%m.%Y} um {local:%H:%M} Uhr ({local:%Z})"


def booking_private(stop: str, instant: datetime) -> tuple[str, str]:
    return "Mitfahrt bestätigt", f"Sie werden am {when(instant)} an der Haltestelle {stop} abgeholt."


def booking_fallback(stop: str, instant: datetime, gender_note: bool) -> tuple[str, str]:
    body = (f"Für Ihre Fahrt am {when(instant)} ab {stop} ist das Rufbus-Taxi fest eingeplant. "
            "Findet sich vorher eine private Mitfahrt, sagen wir Bescheid.")
    if gender_note:
        body += " Beim Taxi können wir keine Fahrerin zusichern."
    return "Fahrt garantiert", body


def moved_to_private(stop: str, instant: datetime) -> tuple[str, str]:
    return "Mitfahrt gefunden", f"Statt des Taxis nimmt Sie am {when(instant)} ab {stop} eine private Mitfahrt mit."


def requeued(stop: str, instant: datetime) -> tuple[str, str]:
    return ("Ihre Fahrt wurde umgeplant", f"Die Mitfahrt am {when(instant)} ab {stop} entfällt. "
            "Ihre Fahrt bleibt garantiert: Sie fahren mit einer anderen Mitfahrt oder dem Rufbus-Taxi.")


def taxi_instead(stop: str, instant: datetime) -> tuple[str, str]:
    return ("Taxi statt Mitfahrt", f"Ihre Fahrerin oder Ihr Fahrer hat abgesagt. Ein Taxi holt Sie am {when(instant)} "
            f"an der Haltestelle {stop} ab.")


def taxi_confirmed(stop: str, instant: datetime) -> tuple[str, str]:
    return "Taxi bestätigt", f"Das Taxi für Ihre Fahrt am {when(instant)} ab {stop} ist bestätigt."


def booking_cancelled(instant: datetime) -> tuple[str, str]:
    return "Fahrt storniert", f"Ihre Fahrt am {when(instant)} ist storniert."


def rider_booked(stop: str, instant: datetime, party: int) -> tuple[str, str]:
    return "Neue Mitfahrt", f"Am {when(instant)} steigen an der Haltestelle {stop} {party} Person(en) zu."


def ride_locked(stop: str, instant: datetime) -> tuple[str, str]:
    return "Ihre Mitfahrt steht", f"Ihre Mitfahrt am {when(instant)} ab {stop} ist fest. Bitte seien Sie pünktlich da."


def check_in_reminder(instant: datetime, riders: int) -> tuple[str, str]:
    return ("Bitte einchecken", f"Ihre Fahrt beginnt am {when(instant)}; {riders} Person(en) fahren mit. "
            "Bitte checken Sie in der App ein, sonst schicken wir ein Taxi.")
