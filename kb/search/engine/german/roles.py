"""Query words with a role: fillers ("Projekte", "Kommune") and stop-like words ("digital")."""

from __future__ import annotations

from kb.search.engine.german.normalise import _stem_folded, fold


def _stems(words: str) -> frozenset[str]:
    return frozenset(_stem_folded(fold(w)) for w in words.split())


# Query words that describe *what kind of thing* is searched rather than the
# subject ("Projekte in Sachsen", "Lösungen für Kommunen"): low query weight.
FILLER_STEMS = _stems(
    "projekt projekte loesung loesungen kommune kommunen kommunal kommunale stadt staedte gemeinde gemeinden "
    "landkreis landkreise kreis beispiel beispiele praxisbeispiel anwendungsfall anwendungsfaelle erfahrung "
    "erfahrungen umsetzung einsatz vorhaben initiative idee ideen ansatz suche angebot angebote verwaltung "
    "verwaltungen"
)
# Words so common in descriptions of digital municipal services that matching one of them says
# little ("digital", "Anfrage", "online", "Plattform"): they count in the score, but in a query of
# several words a document needs one of the *other* words to qualify as a strong hit.
STOPLIKE_STEMS = _stems(
    "digital digitale digitaler digitales digitalisiert digitalisierung anfrage anfragen online elektronisch "
    "elektronische smart intelligent intelligente modern moderne neu neue system systeme plattform "
    "plattformen service services app apps portal portale software tool tools verwaltung verwaltungen"
)
