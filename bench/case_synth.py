"""Synthesise realistic German use cases as valid import records (docs/import-format.md).

Owners and adopters are real municipalities of the Destatis registry (by AGS, or by name with
their Land where that name is unique there), topics come from ``seed_data/topics.txt``, text is
recombined from the judged eval corpus and the seed cases plus long-tail vocabulary of the
decompounding lexicon, so every case differs and the vocabulary is as wide as real text.

    .venv/bin/python bench/case_synth.py --cases 50000 -o /tmp/cases.jsonl
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb.services.registry.names import NameResolutionError, NameResolver  # noqa: E402

EVAL = ROOT / "tests" / "search_eval"
REGISTRY = ROOT / "seed_data" / "registry" / "gemeinden_destatis_gv_20201231.csv"
STATUSES = ("planung", "pilot", "in_betrieb", "in_betrieb", "in_betrieb", "eingestellt")
ADOPTION_STATUSES = ("interessiert", "pilot", "in_betrieb", "in_betrieb", "eingestellt")
VERBS = ("verbessert", "unterstützt", "beschleunigt", "vereinfacht", "ermöglicht", "digitalisiert",
         "ersetzt", "bündelt", "entlastet", "verknüpft")
HEADINGS = ("Ausgangslage", "Lösung", "Umsetzung", "Ergebnisse", "Technik", "Datenschutz")
LICENCES = ("EUPL-1.2", "MIT", "Apache-2.0", "GPL-3.0-or-later", "proprietär")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 20]


def _short_name(official: str) -> str:
    return official.split(",")[0].strip()


class CaseSynth:
    """Deterministic generator of import records (same seed → same records)."""

    def __init__(self, seed: int = 42) -> None:
        self.rng = random.Random(seed)
        corpus = [json.loads(line) for line in (EVAL / "corpus.jsonl").open(encoding="utf-8")]
        seed_cases = [json.loads(line) for line in (ROOT / "seed_data" / "cases.jsonl").open(encoding="utf-8")
                      if line.strip()]
        self.titles = [c["title"] for c in corpus] + [c["title"].split(": ", 1)[-1] for c in seed_cases]
        self.summaries = [c["summary"] for c in corpus] + [c["summary"] for c in seed_cases]
        self.sentences = [s for c in corpus for s in _sentences(c["body"])]
        self.sentences += [s for c in seed_cases for s in _sentences(re.sub(r"[#*>\-]+", " ", c["description"]))
                           if len(s) < 400]
        self.tags = sorted({t for c in corpus for t in c["tags"]} | {t for c in seed_cases for t in c.get("tags", [])})
        self.topics = [
            line.split("|")[0].strip()
            for line in (ROOT / "seed_data" / "topics.txt").open(encoding="utf-8")
            if line.strip() and not line.startswith("#")
        ]
        self.towns = self._towns()
        lex = ROOT / "seed_data" / "search" / "lexicon_nouns.txt.gz"
        with gzip.open(lex, "rt", encoding="utf-8") as fh:
            words = [w for w in fh.read().split() if w.isalpha() and 6 <= len(w) <= 18]
        self.rng.shuffle(words)
        self.longtail = [w.capitalize() for w in words[:40_000]]

    @staticmethod
    def _towns() -> list[dict[str, str]]:
        """Registry Gemeinden with a flag whether their short name is unique within their Land."""
        with REGISTRY.open(encoding="utf-8") as fh:
            rows = [r for r in csv.DictReader(fh) if r["typ"] != "gemeindefreies Gebiet" and r["einwohner"]]
        resolver = NameResolver.from_csv_dir(REGISTRY.parent)

        def unique(name: str, land: str, ags: str) -> bool:
            try:
                return resolver.resolve(name, land).key == ags
            except NameResolutionError:
                return False

        return [
            {"ags": r["ags"], "name": _short_name(r["name"]), "land": r["bundesland"],
             "kreis": _short_name(r["kreis_name"]), "unique": unique(_short_name(r["name"]), r["bundesland"], r["ags"])}
            for r in rows
        ]

    def _place(self, town: dict[str, str]) -> tuple[str, str | None]:
        """A municipality reference as people write it: an AGS, or a name with its Land."""
        if town["unique"] and self.rng.random() < 0.5:
            return town["name"], town["land"]
        return town["ags"], None

    def _paragraph(self, town: dict[str, str]) -> str:
        r = self.rng
        parts = r.sample(self.sentences, r.randint(2, 4))
        parts += [f"Die {r.choice(self.longtail)} {r.choice(VERBS)} die {r.choice(self.longtail)} in {town['name']}."
                  for _ in range(r.randint(0, 2))]
        return " ".join(parts)

    def record(self, i: int) -> dict:
        """One valid import record."""
        r = self.rng
        town = r.choice(self.towns)
        title = r.choice(self.titles)
        if r.random() < 0.5:
            title = f"{title} in {town['name']}"
        title = title[:190]
        headings = r.sample(HEADINGS, r.randint(2, 4))
        description = "\n\n".join(f"## {h}\n\n{self._paragraph(town)}" for h in headings)
        if r.random() < 0.3:
            description += "\n\n- " + "\n- ".join(r.sample(self.tags, 3))
        owner, state = self._place(town)
        data: dict = {
            "slug": f"fall-{i:06d}-{re.sub(r'[^a-z0-9]+', '-', town['name'].lower()).strip('-') or 'ort'}",
            "title": title,
            "summary": r.choice(self.summaries)[:600],
            "description": description,
            "municipality": owner,
            "topics": r.sample(self.topics, r.randint(1, 3)),
            "status": r.choice(STATUSES),
            "tags": r.sample(self.tags, r.randint(1, 5)),
            "published": (datetime(2017, 1, 1, tzinfo=UTC) + timedelta(minutes=r.randint(0, 4_500_000))).isoformat(),
        }
        if state:
            data["state"] = state
        adopters = []
        for other in r.sample(self.towns, r.choice((0, 0, 1, 1, 2, 3, 5))):
            if other["ags"] == town["ags"]:
                continue
            name, other_state = self._place(other)
            entry = {"municipality": name, "status": r.choice(ADOPTION_STATUSES)}
            if other_state:
                entry["state"] = other_state
            adopters.append(entry if r.random() < 0.7 else name if other_state is None else entry)
        if adopters:
            data["adopters"] = adopters
        if r.random() < 0.6:
            data["lessons"] = self._paragraph(town)
        if r.random() < 0.4:
            data["reuse"] = self._paragraph(town)
        if r.random() < 0.5:
            data["license"] = r.choice(LICENCES)
        if r.random() < 0.5:
            data["started"] = f"{r.randint(2012, 2024)}-{r.randint(1, 12):02d}"
        if r.random() < 0.3:
            data["contact"] = {"name": "Digitalisierungsstelle", "email": f"digital{i}@example.org"}
        return data

    def records(self, n: int) -> Iterator[dict]:
        for i in range(1, n + 1):
            yield self.record(i)


def write_jsonl(path: Path, n: int, seed: int = 42) -> Path:
    synth = CaseSynth(seed)
    with path.open("w", encoding="utf-8") as fh:
        for rec in synth.records(n):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args()
    write_jsonl(args.output, args.cases, args.seed)
    print(f"{args.cases} Fälle nach {args.output} geschrieben", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
