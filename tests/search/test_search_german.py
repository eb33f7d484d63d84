"""German analysis, each part on its own (kb.search.engine.german)."""

from __future__ import annotations

from collections import Counter

import pytest

from kb.search.engine import german, ranking


def terms(word: str) -> set[str]:
    return {t for t, _ in german.analyze_word(word)}


# ------------------------------------------------------------------ folding


@pytest.mark.parametrize(
    ("word", "folded"),
    [
        ("Straße", "strasse"),
        ("Bürgerbeteiligung", "buergerbeteiligung"),
        ("ÖPNV", "oepnv"),
        ("Mängelmelder", "maengelmelder"),
        ("Café", "cafe"),
        ("E-Akte", "e-akte"),
    ],
)
def test_fold(word, folded):
    assert german.fold(word) == folded


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Buergerbeteiligung", "Bürgerbeteiligung"),
        ("Strassenbeleuchtung", "Straßenbeleuchtung"),
        ("Gebaerdensprache", "Gebärdensprache"),
    ],
)
def test_umlaut_free_spelling_gives_same_terms(a, b):
    assert german.analyze_word(a) == german.analyze_word(b)


# ----------------------------------------------------------------- stemming


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Chatbots", "Chatbot"),
        ("Parkplätze", "Parkplatz"),
        ("Parkplaetze", "Parkplatz"),
        ("Bäume", "Baum"),
        ("Anwendungen", "Anwendung"),
        ("Straßen", "Strassen"),
        ("Kommunen", "Kommune"),
    ],
)
def test_stem_pairs_meet(a, b):
    assert german.stem(a) == german.stem(b)


def test_stems_are_ascii_terms():
    for w in ["Bürgerbeteiligung", "Straße", "Künstliche", "Öffentlicher"]:
        s = german.stem(w)
        assert s.isascii() and s.isalnum() and s == s.lower()


# ------------------------------------------------------------ decompounding


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("Radwegeplanung", {"rad", "weg", "planung", "radweg"}),  # Fugen-e
        ("Verkehrsfluss", {"verkehr", "fluss"}),  # Fugen-s
        ("Straßenbeleuchtung", {"strass", "beleucht"}),  # Fugen-n
        ("Bundesamt", {"bund", "amt"}),  # Fugen-es
        ("Hochwasserfrühwarnsystem", {"hochwass", "warn", "system", "warnsystem"}),
        ("Bürgerbeteiligung", {"burg", "beteil"}),
        ("Onlinezugangsgesetz", {"onlin", "zugang", "gesetz"}),
        ("Schulweg", {"schul", "weg"}),  # Schule minus e
        ("E-Akte", {"eakt", "akt"}),  # hyphenated compound
    ],
)
def test_decompounding_parts(word, parts):
    assert parts <= terms(word), terms(word)


@pytest.mark.parametrize(
    "word", ["Wirtschaft", "Magdeburg", "Freiburg", "Plattform", "Verwaltung", "Urlaub", "Sachsen"]
)
def test_no_junk_splits(word):
    assert german.split_compound(word) == []


def test_parts_are_weighted_lower_than_whole_word():
    weights = dict(german.analyze_word("Radwegeplanung"))
    assert weights[german.stem("Radwegeplanung")] == 1.0
    assert weights["rad"] == german.PART_WEIGHT < 1.0


def test_compound_query_matches_longer_compound():
    # "Radweg" (query) must find a document about "Radwegeplanung"
    assert german.stem("Radweg") in terms("Radwegeplanung")
    q = german.parse_query("Hochwasser Warnung")
    doc_terms = set(german.index_tokens("Hochwasserfrühwarnsystem"))
    for group in q.groups:
        assert any(set(a.terms) <= doc_terms for a in group.alternatives), group


def test_beteiligung_der_buerger_meets_buergerbeteiligung():
    doc = set(german.index_tokens("Bürgerbeteiligung"))
    q = german.parse_query("Beteiligung der Bürger")
    assert len(q.groups) == 2  # "der" is a stop word
    for group in q.groups:
        assert any(set(a.terms) <= doc for a in group.alternatives)


def test_decompounding_is_cached_and_fast():
    import time

    words = [f"Testwort{i}verwaltung" for i in range(200)]
    t = time.perf_counter()
    for w in words:
        german.analyze_word(w)
    cold = time.perf_counter() - t
    t = time.perf_counter()
    for w in words:
        german.analyze_word(w)
    warm = time.perf_counter() - t
    assert warm < cold
    assert cold / len(words) < 0.005  # < 5 ms per unseen word even on slow CI


# ---------------------------------------------------------------- synonyms


def test_synonym_file_has_enough_groups():
    lines = [
        line
        for line in (german.data_dir() / "synonyms.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert len(lines) >= 80


def test_parse_synonyms_format():
    syn = german.parse_synonyms(
        [
            "# comment",
            "KI, künstliche Intelligenz, AI   # trailing comment",
            "ÖPNV => Nahverkehr, öffentlicher Nahverkehr",
            "",
        ]
    )
    ki = syn.expansions[("ki",)]
    assert ("ai",) in ki and ("kunstlich", "intelligenz") in ki
    assert ("ki",) in syn.expansions[("kunstlich", "intelligenz")]  # multi-word key
    assert ("nahverkehr",) in syn.expansions[("opnv",)]
    assert ("opnv",) not in syn.expansions.get(("nahverkehr",), [])  # directional
    assert ("kunstlich", "intelligenz") in syn.phrases


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("KI", "Künstliche Intelligenz erkennt Namen"),
        ("künstliche Intelligenz", "Der KI-Assistent hilft"),
        ("ÖPNV", "Der Nahverkehr fährt auf Bestellung"),
        ("Bürgerbüro", "Wartezeiten im Bürgeramt"),
        ("Bürgeramt", "Das mobile Bürgerbüro"),
        ("Sehbehinderung", "Leitsystem für blinde Menschen"),
        ("blind", "Menschen mit Sehbehinderung"),
        ("OZG", "Umsetzung des Onlinezugangsgesetzes"),
        ("E-Akte", "Einführung der elektronischen Akte"),
        ("Open Data", "Offene Daten der Stadt"),
        ("Mängelmelder", "Der Schadensmelder der Stadt"),
        ("GIS", "Ein Geoinformationssystem für Friedhöfe"),
        ("Rad", "Verleih von Fahrrädern"),
    ],
)
def test_synonyms_expand_queries(query, text):
    doc = set(german.index_tokens(text))
    parsed = german.parse_query(query)
    assert len(parsed.groups) == 1
    alts = parsed.groups[0].alternatives
    hit = [a for a in alts if set(a.terms) <= doc]
    assert hit, (alts, doc)
    # expansions score below the typed word
    assert all(a.boost < 1.0 for a in hit if a.kind == "synonym")


# ---------------------------------------------------------- stop and filler


def test_place_query_keeps_place_and_lowers_filler():
    q = german.parse_query("Projekte in Sachsen")
    assert [g.text for g in q.groups] == ["Projekte", "Sachsen"]
    projekte, sachsen = q.groups
    assert projekte.filler and projekte.weight < sachsen.weight
    assert not sachsen.filler


def test_only_filler_words_count_normally():
    q = german.parse_query("Projekte")
    assert q.groups[0].weight == 1.0


# ---------------------------------------------------------------- spelling


def _vocab(*texts: str) -> Counter:
    c: Counter = Counter()
    for t in texts:
        c.update(set(german.index_tokens(t)))
    return c


def test_suggest_corrects_typo():
    vocab = _vocab(*(["Digitalisierung der Verwaltung"] * 12), "Bürgerbeteiligung online")
    assert german.suggest("Digitalisierng", vocab) == "Digitalisierung"
    assert german.suggest("digitalisierng verwaltung", vocab) == "digitalisierung verwaltung"


def test_suggest_none_for_known_and_unrelated_words():
    vocab = _vocab("Digitalisierung der Verwaltung", "Radwegeplanung")
    assert german.suggest("Digitalisierung", vocab) is None
    assert german.suggest("Radweg", vocab) is None  # unseen compound of known parts
    assert german.suggest("Xylophon", vocab) is None


def test_suggest_keeps_umlauts_and_case():
    vocab = _vocab("Gebärdensprache im Bürgeramt")
    assert german.suggest("Gebärdensprahce", vocab) == "Gebärdensprache"


def test_speller_distance_two_for_long_words():
    sp = german.Speller(_vocab("Hochwasserfrühwarnsystem"))
    c = sp.correct("Hochwaserfrühwarnsytem")  # two letters missing
    assert c is not None and c.term == german.stem("Hochwasserfrühwarnsystem") and c.distance == 2


# ------------------------------------------------------------- highlighting


def test_mark_escapes_html_and_marks_stem_and_part_matches():
    parsed = german.parse_query("Radweg")
    t, w = ranking.highlight_terms(parsed)
    html = ranking.mark("<b>Neue</b> Radwegeplanung & mehr Radwege", t, w)
    assert html == "&lt;b&gt;Neue&lt;/b&gt; <mark>Radwegeplanung</mark> &amp; mehr <mark>Radwege</mark>"


def test_snippet_is_short_and_centred_on_match():
    text = ("Einleitung ohne Treffer. " * 30) + "Hier steht der Chatbot im Text. " + ("Schluss. " * 30)
    t, w = ranking.highlight_terms(german.parse_query("Chatbot"))
    s = ranking.snippet(text, t, w, size=200)
    assert "<mark>Chatbot</mark>" in s
    assert s.startswith("…") and s.endswith("…")
    assert len(s) < 260
