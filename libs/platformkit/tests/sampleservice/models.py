from datetime import datetime

from sqlmodel import Field, SQLModel

from platformkit.db import UtcDateTime, service_registry, utcnow


class SampleModel(SQLModel, registry=service_registry()):
    pass


class Note(SampleModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    owner: str = Field(max_length=255, index=True)
    text: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
