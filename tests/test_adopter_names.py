"""Adopter names from real usedBy lists: an explicit Land is binding, typos of the type word and qualifiers
resolve with a warning, an Amt or a Verbands-/Samtgemeinde stays an organisation and shows in its Kreis."""

from sqlalchemy import select

from kb.extensions import db
from kb.models import OrganisationKind, UseCase
from kb.services.catalog import geo, regions
from tests.helpers import record, write_jsonl


def adopters_of(app, slug):
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        found = {a.organisation.name: a.organisation for a in case.adoptions}
        for org in found.values():
            _ = org.region, org.land, org.municipality, org.kreis
        db.session.expunge_all()
        return found


def test_real_world_adopter_names(app, runner, tmp_path, client):
    path = write_jsonl(tmp_path / "namen.jsonl", [record(
        "maengel-bb", municipality="12069020",  # Bad Belzig, Brandenburg
        adopters=[{"municipality": "Neustadt", "state": "Sachsen"}, "Gemeine Birkenwerder", "Bremen (MeinQuartier)",
                  "Amt Beetzsee", "Neustadt"])])
    result = runner.invoke(args=["import-cases", str(path)])
    assert result.exit_code == 0, result.output
    adopters = adopters_of(app, "maengel-bb")
    saxon = adopters["Neustadt"]
    assert (saxon.key, saxon.land_code) == (None, "14")  # kept as named, never Neustadt (Dosse) of the owner's Land
    assert "mehrdeutig (2 Treffer in Sachsen)" in result.output
    assert {name: org.key for name, org in adopters.items() if org.key} == {
        "Birkenwerder": "12065036", "Bremen": "04011000", "Neustadt (Dosse)": "12068324"}
    assert "„Gemeine Birkenwerder“ als „Gemeinde Birkenwerder“ gelesen" in result.output
    assert "„Bremen (MeinQuartier)“ als „Bremen“ gelesen" in result.output
    amt = adopters["Amt Beetzsee"]
    assert (amt.kind, amt.region_key, amt.land_code) == (OrganisationKind.VERBAND, "12069", "12")
    assert amt.coordinates is not None
    assert "Landkreis Potsdam-Mittelmark" in result.output

    page = client.get("/kreise/12069").get_data(as_text=True)
    assert "Amt Beetzsee" in page
    with app.app_context():
        profile = regions.kreis_profile(db.session, "12069")
        assert "Amt Beetzsee" in {p.name for p in geo.region_points(profile) if p.has_position}


def test_gemeindeverbaende_with_compound_names_are_organisations_in_their_kreis(app, runner, tmp_path, client):
    path = write_jsonl(tmp_path / "verbaende.jsonl", [
        record("verbaende-rp", municipality="07232018",  # Bitburg, Rheinland-Pfalz
               adopters=["Verbandsgemeinde Bitburger Land", "Amt Britz-Chorin-Oderberg", "Amt Peenetal/Loitz",
                         "Samtgemeinde Elbmarsch (Landkreis Harburg)", "Verbandsgemeinde Trier-Land",
                         {"municipality": "Verbandsgemeinde Südeifel", "state": "Rheinland-Pfalz"}]),
        record("verbaende-ni", municipality="03353007",  # Drage, Landkreis Harburg
               adopters=["Samtgemeinde Elbmarsch", "Amt Neuhaus"]),
    ])
    result = runner.invoke(args=["import-cases", str(path)])
    assert result.exit_code == 0, result.output
    adopters = adopters_of(app, "verbaende-rp")
    linked = {name: (org.kind, org.region_key, org.land_code) for name, org in adopters.items()}
    assert linked == {
        "Verbandsgemeinde Bitburger Land": (OrganisationKind.VERBAND, "07232", "07"),  # Eifelkreis Bitburg-Prüm
        "Amt Britz-Chorin-Oderberg": (OrganisationKind.VERBAND, "12060", "12"),  # Barnim
        "Amt Peenetal/Loitz": (OrganisationKind.VERBAND, "13075", "13"),  # Vorpommern-Greifswald
        "Samtgemeinde Elbmarsch": (OrganisationKind.VERBAND, "03353", "03"),  # the bracket only located it
        "Verbandsgemeinde Trier-Land": (OrganisationKind.VERBAND, None, None),  # never the kreisfreie Stadt Trier
        "Verbandsgemeinde Südeifel": (OrganisationKind.VERBAND, None, "07"),  # no member by that name: its Land
    }
    assert all(org.key is None for org in adopters.values())  # organisations, not registry entries
    assert "Landkreis Barnim (Brandenburg) zugeordnet" in result.output
    assert "„Verbandsgemeinde Südeifel (Landkreis …)“" in result.output  # how to give the Kreis

    later = adopters_of(app, "verbaende-ni")
    assert later["Samtgemeinde Elbmarsch"].id == adopters["Samtgemeinde Elbmarsch"].id  # one body, its Kreis kept
    assert later["Samtgemeinde Elbmarsch"].region_key == "03353"
    assert later["Amt Neuhaus"].key == "03355049"  # a Gemeinde despite the word "Amt"

    for kreis, name in (("12060", "Amt Britz-Chorin-Oderberg"), ("07232", "Verbandsgemeinde Bitburger Land"),
                        ("03353", "Samtgemeinde Elbmarsch")):
        assert name in client.get(f"/kreise/{kreis}").get_data(as_text=True)
        with app.app_context():
            profile = regions.kreis_profile(db.session, kreis)
            assert name in {p.name for p in geo.region_points(profile) if p.has_position}
    assert "Verbandsgemeinde Trier-Land" not in client.get("/kreise/07211").get_data(as_text=True)
