"""mobility: rides along the bus network in timetable slots (Mobilfalt-style), with the guaranteed fallback taxi."""

from mobility.api.routes import bookings, drivers, network, opendata
from mobility.background import schedules
from mobility.config import MobilitySettings
from mobility.crud import personal
from mobility.models import MobilityModel
from mobility.seed import seed_demo
from platformkit.personal_data import PersonalData
from platformkit.service import ServiceSpec

service = ServiceSpec(
    name="mobility",
    settings=MobilitySettings,
    routers=[network.router, drivers.router, bookings.router, opendata.router],
    metadata=MobilityModel.metadata,
    migrations="mobility.migrations",
    schedules=schedules,
    seed_demo=seed_demo,
    personal_data=PersonalData(export=personal.export, erase=personal.erase, example=personal.example),
    max_body_bytes=20 * 1024 * 1024,
    # Staff book as a caller with a token exchanged at accounts under one of these desks' authority.
    acting_scopes=frozenset({"mobility-desk", "people-desk"}),
    description=__doc__ or "",
)
