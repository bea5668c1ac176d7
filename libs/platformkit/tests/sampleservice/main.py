from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import select

from platformkit.auth import PrincipalDep
from platformkit.config import ServiceSettings
from platformkit.deps import ReadSessionDep, SessionDep
from platformkit.idempotency import IdempotencyDep, KeyTaken
from platformkit.pagination import Page, PageDep, paginate
from platformkit.problems import ProblemError
from platformkit.service import ServiceSpec
from sampleservice.models import Note, SampleModel

router = APIRouter(prefix="/notes", tags=["notes"])


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, Field(min_length=1, max_length=500)]


class NotePublic(BaseModel):
    id: int
    text: str


@router.post("", status_code=201, response_model=NotePublic)
async def create_note(
    body: NoteCreate, principal: PrincipalDep, session: SessionDep, idempotency: IdempotencyDep
) -> Response | NotePublic:
    replay = await idempotency.claim()
    if replay is not None:
        return replay
    note = Note(owner=principal.sub, text=body.text)
    session.add(note)
    await session.flush()
    assert note.id is not None
    public = NotePublic(id=note.id, text=note.text)
    await idempotency.complete(201, public)
    await session.commit()
    return public


@router.post("/in-one-commit", status_code=201, response_model=NotePublic)
async def create_note_in_one_commit(
    body: NoteCreate, principal: PrincipalDep, session: SessionDep, read_session: ReadSessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """The same, with the key written in the note's transaction (Idempotency.claim_with_work)."""
    replay = await idempotency.claim_with_work(read_session)
    if replay is not None:
        return replay
    await read_session.commit()
    note = Note(owner=principal.sub, text=body.text)
    try:
        session.add(note)
        await session.flush()
        assert note.id is not None
        await idempotency.complete(201, NotePublic(id=note.id, text=note.text))
        await session.commit()
    except KeyTaken:
        return await idempotency.replay()
    return idempotency.stored_response()


@router.get("", response_model=Page[NotePublic])
async def list_notes(principal: PrincipalDep, session: ReadSessionDep, page: PageDep) -> Page[NotePublic]:
    rows, next_cursor = await paginate(
        session, select(Note).where(Note.owner == principal.sub), order_by=[Note.id], params=page
    )
    return Page(items=[NotePublic(id=n.id, text=n.text) for n in rows], next_cursor=next_cursor)


@router.get("/{note_id}", response_model=NotePublic)
async def get_note(note_id: int, principal: PrincipalDep, session: ReadSessionDep) -> NotePublic:
    note = await session.get(Note, note_id)
    # Another owner's note answers exactly like a missing one.
    if note is None or note.owner != principal.sub:
        raise ProblemError(404, "NOTE_NOT_FOUND", "No such note.")
    assert note.id is not None
    return NotePublic(id=note.id, text=note.text)


class SampleSettings(ServiceSettings):
    service_name: str = "sample"


service = ServiceSpec(
    name="sample",
    settings=SampleSettings,
    routers=[router],
    metadata=SampleModel.metadata,
    migrations="sampleservice.migrations",
    produces=False,
)
