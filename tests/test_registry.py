"""The Destatis registry is loaded completely and linked Kreis → Land."""

from sqlalchemy import func, select

from kb.models import Kreis, Land, Municipality


def test_registry_is_complete(session):
    assert session.scalar(select(func.count()).select_from(Municipality)) == 11_004
    assert session.scalar(select(func.count()).select_from(Kreis)) == 401
    assert session.scalar(select(func.count()).select_from(Land)) == 16


def test_leipzig_city_and_landkreis_are_distinct(session):
    city = session.get(Municipality, "14713000")
    assert city.name == "Leipzig, Stadt"
    assert city.display_name == "Leipzig"
    assert city.land.name == "Sachsen"
    assert city.kreis.key == "14713"
    assert city.population > 500_000
    assert 51.0 < city.lat < 51.6 and 12.0 < city.lon < 12.7
    landkreis = session.get(Kreis, "14729")
    assert landkreis.typ == "Landkreis"
    assert landkreis.display_name == "Landkreis Leipzig"


def test_kreis_has_a_position_inside_its_land(session):
    havelland = session.get(Kreis, "12063")
    assert havelland.land.name == "Brandenburg"
    assert 52.3 < havelland.lat < 52.9 and 12.2 < havelland.lon < 13.2


def test_init_db_is_idempotent(runner, session):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "bereits geladen" in result.output
    assert session.scalar(select(func.count()).select_from(Municipality)) == 11_004
