"""The open-data page, full downloads, the API documentation and publiccode.yml per case."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date

from flask import Response, abort, render_template, stream_with_context

from kb.extensions import db
from kb.services.cases.record import case_record
from kb.services.catalog import feeds as opendata
from kb.services.catalog import listing as catalog
from kb.services.community.addresses import public_record
from kb.services.interchange import exporting
from kb.services.interchange.publiccode import reader as publiccode
from kb.services.links import base_url, external_url
from kb.services.registry.gazetteer import ATTRIBUTION
from kb.views.opendata.blueprint import bp
from kb.web.http_headers import conditional
from kb.web.openapi import build_spec

JSONL_TYPE = "application/x-ndjson; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"
YAML_TYPE = "application/yaml; charset=utf-8"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@bp.get("/daten")
def index():
    """Explain and offer every way to get the catalogue as open data."""
    count, latest = opendata.catalogue_stamp(db.session)
    return render_template("opendata/index.html", count=count, latest=latest,
                           topics=opendata.topics(db.session), attribution=ATTRIBUTION)


def _attachment(body, content_type: str, filename: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/daten/praxisatlas-faelle.jsonl")
def download_jsonl():
    """All published cases as import records (JSON Lines, the format of ``import-cases``)."""
    def lines() -> Iterator[str]:
        for case in exporting.published_cases(db.session):
            yield json.dumps(public_record(case_record(case)), ensure_ascii=False) + "\n"

    return _attachment(stream_with_context(lines()), JSONL_TYPE, f"praxisatlas-faelle-{date.today()}.jsonl")


@bp.get("/daten/praxisatlas-faelle.csv")
def download_csv():
    """All published cases as one CSV table (UTF-8 with BOM, so spreadsheets read umlauts)."""
    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=exporting.CSV_COLUMNS)
        buffer.write("\ufeff")
        writer.writeheader()
        for case in exporting.published_cases(db.session):
            writer.writerow({**exporting.csv_row(case), "contact_email": ""})
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return _attachment(stream_with_context(rows()), CSV_TYPE, f"praxisatlas-faelle-{date.today()}.csv")


@bp.get("/daten/praxisatlas-software.publiccode.yml")
def download_publiccode():
    """Every software case as publiccode.yml documents in one YAML stream."""
    buffer = io.StringIO()
    publiccode.write_documents(exporting.published_cases(db.session), buffer, landing_url=_case_url)
    return _attachment(buffer.getvalue(), YAML_TYPE, "praxisatlas-software.publiccode.yml")


def _case_url(case) -> str:
    return external_url("catalog.case_detail", slug=case.slug)


@bp.get("/cases/<slug>/publiccode.yml")
def case_publiccode(slug: str):
    """One published software case as publiccode.yml (spec 0.4.0, adopters as usedBy)."""
    case = catalog.get_published(db.session, slug)
    if case is None or not case.repository:
        abort(404)
    body = publiccode.dump(publiccode.case_document(case, _case_url(case)))
    response = Response(body, content_type=YAML_TYPE)
    response.headers["Content-Disposition"] = f'inline; filename="{case.slug}.publiccode.yml"'
    return conditional(response, opendata.last_change(case))


@bp.get("/daten/api")
def api_docs():
    """Human-readable documentation of the API, rendered from its OpenAPI description."""
    spec = build_spec(db.session, base_url())
    operations = [_operation(spec, path, method, op)
                  for path, item in spec["paths"].items()
                  for method, op in item.items() if method in HTTP_METHODS]
    return render_template("opendata/api.html", spec=spec, operations=operations)


def _resolve(spec: dict, item: dict) -> dict:
    """Follow a local ``$ref`` ("#/components/…") once."""
    ref = item.get("$ref")
    if not ref:
        return item
    target = spec
    for part in ref.lstrip("#/").split("/"):
        target = target[part]
    return target


def _operation(spec: dict, path: str, method: str, op: dict) -> dict:
    return {
        **op,
        "path": path,
        "method": method.upper(),
        "anchor": op.get("operationId", f"{method}-{path}"),
        "params": [_resolve(spec, p) for p in op.get("parameters", [])],
        "resolved_responses": [(code, _resolve(spec, r)) for code, r in op.get("responses", {}).items()],
    }
