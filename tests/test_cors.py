"""Other sites' scripts may call the API only from the origins an operator lists
(SWITCHBOARD_CORS_ORIGINS), with a Bearer token and never with our cookies."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app

from .conftest import make_settings

SHOP = "https://shop.example.com"


def preflight(client: TestClient, origin: str):
    return client.options("/v1/conversations", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    })


def test_a_listed_origin_may_call_the_api_with_a_token_and_others_may_not(data_dir, kb):
    settings = make_settings(data_dir, cors_origins=f"{SHOP}, https://help.example.com/")
    with TestClient(create_app(settings, kb)) as client:
        allowed = preflight(client, SHOP)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == SHOP
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in allowed.headers  # cookies never ride along

        made = client.post("/v1/conversations", headers={"Origin": "https://help.example.com"})
        assert made.status_code == 201
        assert made.headers["access-control-allow-origin"] == "https://help.example.com"

        refused = preflight(client, "https://evil.example.net")
        assert "access-control-allow-origin" not in refused.headers
        plain = client.post("/v1/conversations", headers={"Origin": "https://evil.example.net"})
        assert "access-control-allow-origin" not in plain.headers


def test_without_a_list_no_other_origin_is_allowed(settings, kb):
    with TestClient(create_app(settings, kb)) as client:
        assert "access-control-allow-origin" not in preflight(client, SHOP).headers


def test_a_malformed_origin_is_a_clear_error_at_start_up(data_dir):
    with pytest.raises(ValueError, match="not an origin like"):
        _ = make_settings(data_dir, cors_origins="shop.example.com/path").cors_origin_list


def test_a_listed_origin_may_use_every_method_the_api_has(data_dir, kb):
    settings = make_settings(data_dir, cors_origins=SHOP)
    with TestClient(create_app(settings, kb)) as client:
        used = {m for route in client.app.routes for m in getattr(route, "methods", set())} - {"HEAD", "OPTIONS"}
        for method in sorted(used):
            asked = client.options("/v1/admin/agents/1", headers={
                "Origin": SHOP, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "authorization",
            })
            assert asked.status_code == 200, method  # PATCH (an agent's role, a canned response) was refused
