"""Template helpers of the catalogue, registered for every page."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_currency, get_locale

from kb.models import UseCase, labels, size_classes
from kb.services.catalog import glance, regions
from kb.views.catalog.blueprint import bp
from kb.web import i18n
from kb.web.permissions import current_actor

#: example searches offered on the start page and on an empty result page: search words of the
#: (German) catalogue, not UI text; each must find at least two strong hits in the seeded
#: catalogue (tests/test_search_confidence_app.py)
SEARCH_EXAMPLES = ("Chatbot", "Mängelmelder", "Geodaten NRW", "Bürgerbeteiligung", "Open Data")


@bp.app_template_filter("land_slug")
def land_slug_filter(name: str) -> str:
    """``{{ land.name|land_slug }}`` for links to /laender/<slug>."""
    return regions.land_slug(name)


@bp.app_template_global("search_examples")
def search_examples() -> tuple[str, ...]:
    """``{% for example in search_examples() %}``: the example searches the UI offers."""
    return SEARCH_EXAMPLES


@bp.app_template_filter("size_class")
def size_class_filter(key: str) -> str:
    """``{{ 'unter-10000'|size_class }}`` → "Nutzer unter 10.000 Einwohnern"."""
    found = size_classes.BY_KEY.get(key)
    return str(found.users_label) if found else key


@bp.app_template_filter("population")
def population_filter(org) -> int | None:
    """Inhabitants of a registry organisation, None for anything else."""
    return size_classes.population_of(org)


@dataclass
class Peers:
    """Where a case runs (its users and the owner running it) grouped by size class, the viewer's
    own class first (``size_classes.running_places``: the same places the size facet counts)."""

    groups: list[tuple[size_classes.SizeClass | None, list[size_classes.RunningPlace]]]
    viewer_class: size_classes.SizeClass | None

    @property
    def same_size(self) -> int:
        """How many places of the viewer's size class it runs at."""
        return next((len(items) for klass, items in self.groups
                     if klass is not None and klass == self.viewer_class), 0)


@bp.app_template_global()
def peers_of(case: UseCase) -> Peers:
    """Where ``case`` runs by size class, the signed-in member's own class first."""
    viewer_class = size_classes.of_account(current_actor())
    return Peers(size_classes.group(size_classes.peer_places(case), first=viewer_class), viewer_class)


@bp.app_template_filter("euro")
def euro(value: int | None) -> str:
    """12000 → "12.000 €" (German) / "€12,000" (English): whole euros in the locale's pattern."""
    if value is None:
        return ""
    locale = get_locale()
    pattern = locale.currency_formats["standard"].pattern.split(";")[0].replace(".00", "") if locale else None
    return format_currency(value, "EUR", format=pattern, currency_digits=False)


@bp.app_template_filter("reuse_path")
def reuse_path_label(value) -> str:
    return i18n.label(labels.REUSE_PATH, value)


@bp.app_template_filter("operator_kind")
def operator_kind_label(value) -> str:
    return i18n.label(labels.OPERATOR_KIND, value)


@bp.app_template_filter("hosting")
def hosting_label(value) -> str:
    return i18n.label(labels.HOSTING, value)


@bp.app_template_global()
def glance_of(case: UseCase) -> glance.Glance:
    """The "Auf einen Blick" facts of a case (kb.services.catalog.glance)."""
    return glance.glance(case)


@bp.app_template_global()
def glance_facts() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in glance.FACTS]
