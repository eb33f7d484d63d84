"""Map tiles are off by default; an operator's tile server is allowed by the CSP and credited."""

from __future__ import annotations

from kb import create_app
from tests import dbprovision

TILES = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
CREDIT = "© OpenStreetMap-Mitwirkende <b>fett</b>"
CASE_WITH_MAP = "/cases/hamburg-masterportal-geoportal"


def _app_with_tiles(app):
    settings = dbprovision.settings(app.config["KB_DATA_DIR"], app.config["SQLALCHEMY_DATABASE_URI"])
    return create_app({**settings, "KB_MAP_TILE_URL": TILES, "KB_MAP_TILE_ATTRIBUTION": CREDIT})


def test_without_tile_server_no_other_host_is_allowed_or_named(client):
    response = client.get(CASE_WITH_MAP)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data:;" in policy
    assert 'data-tile-url=""' in response.text
    assert "tiles.example.org" not in response.text


def test_configured_tile_server_is_allowed_and_credited(app):
    tiled = _app_with_tiles(app)
    response = tiled.test_client().get(CASE_WITH_MAP)
    assert response.status_code == 200
    assert "https://*.tiles.example.org" in response.headers["Content-Security-Policy"]
    html = response.text
    assert 'data-tile-url="https://{s}.tiles.example.org/{z}/{x}/{y}.png"' in html
    # the credit is handed to the script as escaped text, never as markup
    assert 'data-tile-attribution="© OpenStreetMap-Mitwirkende &lt;b&gt;fett&lt;/b&gt;"' in html
    dbprovision.dispose(tiled)
