""""Kommunen wie Ihre": population classes, scoring and the explained recommendations."""

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import Adoption, Municipality, UseCase
from kb.services.adoptions import declarations as adoptions
from kb.services.catalog import recommendations
from kb.services.catalog.recommendations import population_class
from kb.services.registry import organisations


@pytest.mark.parametrize(("population", "key"), [
    (0, "unter-5000"), (4_999, "unter-5000"), (5_000, "5000-20000"), (19_999, "5000-20000"),
    (20_000, "20000-50000"), (49_999, "20000-50000"), (50_000, "50000-100000"), (100_000, "100000-500000"),
    (499_999, "100000-500000"), (500_000, "ab-500000"), (3_600_000, "ab-500000"),
])
def test_population_classes_have_no_gaps(population, key):
    assert population_class(population).key == key


def test_unknown_population_has_no_class():
    assert population_class(None) is None


def _small_places(session):
    """Three small Gemeinden in one Kreis, one elsewhere in the Land, one in another Land."""
    def small(*conditions):
        return list(session.scalars(select(Municipality).where(
            Municipality.population.between(1000, 4000), *conditions).order_by(Municipality.ags).limit(3)))

    target, kreis_peer, _ = small(Municipality.kreis_key == "08425")  # Alb-Donau-Kreis
    land_peer = small(Municipality.land_code == "08", Municipality.kreis_key != "08425")[0]
    other_peer = small(Municipality.land_code == "09")[0]
    return target, kreis_peer, land_peer, other_peer


def _case(session, slug):
    return session.scalar(select(UseCase).where(UseCase.slug == slug))


def _adopt(session, place, slug, status="in_betrieb", verified=True):
    adoptions.declare(session, case=_case(session, slug), organisation=organisations.for_municipality(session, place),
                      status=status, note=None, actor=None, verified=verified)


def test_closer_and_stronger_use_ranks_higher_with_reasons(session):
    target, kreis_peer, land_peer, other_peer = _small_places(session)
    _adopt(session, other_peer, "ulm-verschwoerhaus")
    _adopt(session, land_peer, "schwerte-parkplatzsensoren-innenstadt")
    _adopt(session, kreis_peer, "dresden-open-data-portal")

    recs = {r.case.slug: r for r in recommendations.recommend(session, target, limit=20)}
    ranked = list(recs)
    mine = ["dresden-open-data-portal", "schwerte-parkplatzsensoren-innenstadt", "ulm-verschwoerhaus"]
    assert ranked[0] == mine[0] and sorted(mine, key=ranked.index) == mine
    assert recs[mine[0]].reason == "läuft in 1 weiteren Kommune unter 5.000 Einwohnern im Alb-Donau-Kreis"
    assert recs[mine[1]].reason == "läuft in 1 weiteren Kommune unter 5.000 Einwohnern in Baden-Württemberg"
    assert recs[mine[2]].reason == "läuft bundesweit in 1 weiteren Kommune unter 5.000 Einwohnern"
    assert recs[mine[0]].municipalities == [kreis_peer]


def test_interest_is_no_use_and_recommends_nothing(session):
    target, _kreis_peer, land_peer, _other = _small_places(session)
    second = session.scalars(select(Municipality).where(
        Municipality.land_code == "08", Municipality.kreis_key != "08425",
        Municipality.population.between(1000, 4000), Municipality.ags != land_peer.ags).limit(1)).one()
    _adopt(session, land_peer, "schwerte-parkplatzsensoren-innenstadt", status="interessiert", verified=False)
    _adopt(session, second, "dresden-open-data-portal", status="in_betrieb", verified=True)
    recs = {r.case.slug: r for r in recommendations.recommend(session, target, limit=50)}
    assert "dresden-open-data-portal" in recs
    assert land_peer not in [m for r in recs.values() for m in r.examples]  # only interested: not a user


def test_more_similar_adopters_rank_higher(session):
    target, kreis_peer, land_peer, _other = _small_places(session)
    _adopt(session, kreis_peer, "schwerte-parkplatzsensoren-innenstadt")
    _adopt(session, land_peer, "schwerte-parkplatzsensoren-innenstadt")
    _adopt(session, kreis_peer, "dresden-open-data-portal")
    recs = recommendations.recommend(session, target)
    assert [r.case.slug for r in recs[:2]] == ["schwerte-parkplatzsensoren-innenstadt", "dresden-open-data-portal"]
    assert recs[0].reasons == ["läuft in 1 weiteren Kommune unter 5.000 Einwohnern im Alb-Donau-Kreis",
                               "läuft in 1 weiteren Kommune unter 5.000 Einwohnern in Baden-Württemberg"]


def test_cases_already_used_are_not_recommended(session):
    target, kreis_peer, _land, _other = _small_places(session)
    _adopt(session, kreis_peer, "dresden-open-data-portal")
    _adopt(session, target, "dresden-open-data-portal", status="interessiert")
    assert "dresden-open-data-portal" not in [r.case.slug for r in recommendations.recommend(session, target)]


def test_leipzig_gets_plausible_explained_recommendations(session):
    """Leipzig (>500.000, Sachsen): Dresden's open data portal, none of what Leipzig runs or adopts."""
    leipzig = session.get(Municipality, "14713000")
    recs = recommendations.recommend(session, leipzig, limit=10)
    slugs = {r.case.slug for r in recs}
    assert "dresden-open-data-portal" in slugs
    known = {c.slug for c in session.scalars(select(UseCase).join(UseCase.owner).where(
        UseCase.owner.has(municipality_ags="14713000")))}
    adopted = {c.slug for c in session.scalars(select(UseCase).where(UseCase.adoptions.any(
        Adoption.organisation.has(municipality_ags="14713000"))))}
    assert adopted  # the seed names Leipzig as a user (DIPAS, Gieß den Kiez, …): none comes back
    assert not slugs & (known | adopted)
    dresden = next(r for r in recs if r.case.slug == "dresden-open-data-portal")
    # the owner is named on its own, never counted among the "weiteren Kommunen"
    assert dresden.reasons == ["betrieben von Dresden, einer Kommune mit 500.000 und mehr Einwohnern"]
    assert dresden.municipalities == [] and [m.ags for m in dresden.examples] == ["14612000"]
    assert all("500.000" in r.reason for r in recs)
    assert [r.score for r in recs] == sorted((r.score for r in recs), reverse=True)


def test_municipality_page_shows_recommendations_with_reason(client):
    html = client.get("/municipalities/14713000").get_data(as_text=True)
    assert "Kommunen wie Leipzig nutzen" in html
    assert "betrieben von Dresden, einer Kommune mit 500.000 und mehr Einwohnern" in html


def test_member_sees_recommendations_on_the_start_page(client, make_user, login):
    _id, email, password = make_user("contributor", municipality="14713000")
    login(email, password)
    html = client.get("/").get_data(as_text=True)
    assert "Kommunen wie Ihre nutzen" in html
    assert "betrieben von Dresden, einer Kommune mit 500.000 und mehr Einwohnern" in html


def test_anonymous_start_page_has_no_personal_recommendations(client):
    assert "Kommunen wie Ihre" not in client.get("/").get_data(as_text=True)


def test_api_population_class_matches(session):
    ulm = db.session.get(Municipality, "08421000")
    assert population_class(ulm.population).key == "100000-500000"


def test_api_lists_recommendations_with_reasons(client):
    body = client.get("/api/v1/municipalities/14713000").get_json()
    recs = {r["slug"]: r for r in body["recommendations"]}
    assert recs["dresden-open-data-portal"]["used_by"] == ["14612000"]
    assert recs["dresden-open-data-portal"]["reason"] == (
        "betrieben von Dresden, einer Kommune mit 500.000 und mehr Einwohnern")
    assert "recommendations" not in client.get("/api/v1/municipalities/12063").get_json()
