"""The official municipality registry (Destatis GV-ISys) and other organisations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.models.base import Base, UTCDateTime, enum_column, utcnow
from kb.models.enums import OrganisationKind


class Land(Base):
    """A Bundesland."""

    __tablename__ = "land"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)

    kreise: Mapped[list[Kreis]] = relationship(back_populates="land", order_by="Kreis.name")

    def __repr__(self) -> str:
        return f"<Land {self.code} {self.name}>"


class Kreis(Base):
    """A Landkreis, Kreis, Regionalverband or kreisfreie Stadt (5-digit key)."""

    __tablename__ = "kreis"

    key: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    display_name: Mapped[str] = mapped_column(String(140), index=True)
    typ: Mapped[str] = mapped_column(String(40))
    land_code: Mapped[str] = mapped_column(ForeignKey("land.code"), index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    area_km2: Mapped[float | None] = mapped_column(Float)
    municipality_count: Mapped[int | None] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)

    land: Mapped[Land] = relationship(back_populates="kreise")

    def __repr__(self) -> str:
        return f"<Kreis {self.key} {self.name}>"


class Municipality(Base):
    """A Gemeinde of the registry, keyed by its 8-digit AGS."""

    __tablename__ = "municipality"

    ags: Mapped[str] = mapped_column(String(8), primary_key=True)
    ars: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    display_name: Mapped[str] = mapped_column(String(120), index=True)
    typ: Mapped[str] = mapped_column(String(60))
    gemeindefrei: Mapped[bool] = mapped_column(Boolean, default=False)
    land_code: Mapped[str] = mapped_column(ForeignKey("land.code"), index=True)
    kreis_key: Mapped[str | None] = mapped_column(ForeignKey("kreis.key"), index=True)
    area_km2: Mapped[float | None] = mapped_column(Float)
    population: Mapped[int | None] = mapped_column(Integer, index=True)
    postcode: Mapped[str | None] = mapped_column(String(5))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    urbanisation: Mapped[str | None] = mapped_column(String(60))

    land: Mapped[Land] = relationship()
    kreis: Mapped[Kreis | None] = relationship()

    def __repr__(self) -> str:
        return f"<Municipality {self.ags} {self.name}>"


class Organisation(Base):
    """An owner or adopter: a registry entity (Gemeinde, Kreis, Land) or a named body outside it.

    ``lookup_key`` makes every organisation unique: ``ags:14713000``, ``kreis:14729``,
    ``land:14`` or ``name:civitas connect ev`` (normalised name).
    """

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint(
            "(kind != 'gemeinde' OR municipality_ags IS NOT NULL)"
            " AND (kind != 'kreis' OR kreis_key IS NOT NULL)",
            name="registry_link",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lookup_key: Mapped[str] = mapped_column(String(220), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, "organisation_kind"))
    name: Mapped[str] = mapped_column(String(200))
    uri: Mapped[str | None] = mapped_column(String(500))
    municipality_ags: Mapped[str | None] = mapped_column(ForeignKey("municipality.ags"), unique=True)
    kreis_key: Mapped[str | None] = mapped_column(ForeignKey("kreis.key"), unique=True)
    land_code: Mapped[str | None] = mapped_column(ForeignKey("land.code"), index=True)
    #: the Kreis a named body lies in (an Amt, a Verbands- or Samtgemeinde): maps and Kreis pages show it
    region_key: Mapped[str | None] = mapped_column(ForeignKey("kreis.key"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    municipality: Mapped[Municipality | None] = relationship()
    kreis: Mapped[Kreis | None] = relationship(foreign_keys=[kreis_key])
    region: Mapped[Kreis | None] = relationship(foreign_keys=[region_key])
    land: Mapped[Land | None] = relationship()

    @property
    def key(self) -> str | None:
        """Return the registry key (AGS or Kreis key), or None outside the registry."""
        return self.municipality_ags or self.kreis_key

    @property
    def in_registry(self) -> bool:
        return self.key is not None

    @property
    def coordinates(self) -> tuple[float, float] | None:
        place = self.municipality or self.kreis or self.region
        if place is not None and place.lat is not None and place.lon is not None:
            return (place.lat, place.lon)
        return None

    def __repr__(self) -> str:
        return f"<Organisation {self.lookup_key}>"
