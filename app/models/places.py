"""Municipalities and the units (workplaces) that belong to them."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

MUNICIPALITIES = ("Juva", "Rantasalmi", "Sulkava")


class Municipality(db.Model):
    """A municipality that owns the company (kunta)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    units: Mapped[list["Unit"]] = relationship(
        back_populates="municipality", order_by="Unit.name"
    )

    def __repr__(self) -> str:
        return f"<Municipality {self.name}>"


class Unit(db.Model):
    """A workplace such as a central kitchen or a cleaning team (yksikkö)."""

    __table_args__ = (sa.UniqueConstraint("municipality_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    municipality: Mapped[Municipality] = relationship(back_populates="units", lazy="joined")

    def __repr__(self) -> str:
        return f"<Unit {self.name}>"
