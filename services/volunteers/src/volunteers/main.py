"""volunteers: verified organisations, opportunities and shifts, sign-ups with waitlists, help requests."""

from platformkit.personal_data import PersonalData
from platformkit.service import ServiceSpec
from volunteers.api.routes import (
    admin,
    commitments,
    help_requests,
    me,
    opportunities,
    organisations,
    public,
    shifts,
    signups,
)
from volunteers.config import VolunteersSettings
from volunteers.crud import personal_data
from volunteers.events import consumers
from volunteers.models import VolunteersModel
from volunteers.schedules import SCHEDULES
from volunteers.seed import seed_demo

service = ServiceSpec(
    name="volunteers",
    settings=VolunteersSettings,
    routers=[organisations.router, opportunities.router, shifts.router, signups.router, commitments.router, me.router,
             help_requests.router, admin.router, public.router],
    consumers=consumers,
    metadata=VolunteersModel.metadata,
    migrations="volunteers.migrations",
    schedules=SCHEDULES,
    seed_demo=seed_demo,
    personal_data=PersonalData(export=personal_data.export, erase=personal_data.erase, example=personal_data.example),
    # Staff act for a person (a help request entered for a senior without a smartphone) only from the
    # district's people desk; accounts also issues coordinators a token towards volunteers, which this
    # service does not take (nothing here checks their organisation).
    acting_scopes=frozenset({"people-desk"}),
    description=__doc__ or "",
)
