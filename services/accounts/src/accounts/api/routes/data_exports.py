"""A person's data download from every service (DSGVO Art. 15/20) as a job: `POST /me/exports` asks
for it (202 with its address), `GET /me/exports/{id}` tells how far it is, `GET /me/exports/{id}/download`
gives the file once ready. Another person's job is 404. accounts' own part alone: `GET /me/export`."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from accounts.api.deps import CurrentPerson
from accounts.crud import exports
from accounts.models import DataExport
from accounts.schemas import DataExportPublic
from platformkit.deps import SessionDep
from platformkit.problems import ProblemError

router = APIRouter(prefix="/me/exports", tags=["me"])


def _public(job: DataExport) -> DataExportPublic:
    view = DataExportPublic.model_validate(job)
    if job.status == exports.READY:
        view.download = f"/me/exports/{job.id}/download"
    return view


async def _own(session: SessionDep, job_id: uuid.UUID, person: CurrentPerson) -> DataExport:
    job = await exports.get_own(session=session, job_id=job_id, person_id=person.id)
    if job is None:
        raise ProblemError(404, "EXPORT_NOT_FOUND", "No such data download.")
    return job


@router.post("", status_code=202, response_model=DataExportPublic)
async def request_export(person: CurrentPerson, session: SessionDep, response: Response) -> DataExportPublic:
    """Gather everything the platform holds about you; asking again while one is gathered gives that one."""
    job = await exports.request(session=session, person_id=person.id)
    await session.commit()
    response.headers["Location"] = f"/me/exports/{job.id}"
    return _public(job)


@router.get("/{job_id}", response_model=DataExportPublic)
async def read_export(job_id: uuid.UUID, person: CurrentPerson, session: SessionDep) -> DataExportPublic:
    return _public(await _own(session, job_id, person))


@router.get("/{job_id}/download")
async def download_export(job_id: uuid.UUID, person: CurrentPerson, session: SessionDep) -> Response:
    job = await _own(session, job_id, person)
    if job.status != exports.READY or job.content is None:
        raise ProblemError(409, "EXPORT_NOT_READY", "The data download is still being gathered.")
    return Response(
        job.content,
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="dorfmarktplatz-daten.json"',
            "Cache-Control": "no-store",
        },
    )
