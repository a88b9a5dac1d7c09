"""The API's documentation pages work offline: their scripts come from this server, not a CDN."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .browser import TIMEOUT_MS, browser, new_context  # noqa: F401  (fixtures)


@pytest.mark.parametrize(("page", "script"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")])
def test_the_docs_pages_load_their_scripts_from_this_server(http, page, script):
    html = http.get(page)
    assert html.status_code == 200
    assert f'src="/static-docs/{script}"' in html.text
    assert "cdn." not in html.text and "https://" not in html.text.split("<body>", 1)[-1]
    asset = http.get(f"/static-docs/{script}")
    assert asset.status_code == 200 and "javascript" in asset.headers["content-type"]


@pytest.mark.slow
def test_swagger_ui_shows_the_api_with_no_network_but_this_server(new_context, base_url):
    context = new_context()
    elsewhere: list[str] = []

    def only_here(route):
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_here)
    page = context.new_page()
    page.goto(f"{base_url}/docs")
    expect(page.locator(".opblock-summary-path", has_text="/v1/conversations").first).to_be_visible(timeout=TIMEOUT_MS)
    assert elsewhere == []
