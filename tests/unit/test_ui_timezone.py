"""The UI's default timezone: the script the API server adds to the UI's HTML, and only there."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from govdata.ui_timezone import DefaultUiTimezone, default_timezone_script, with_script

INDEX = "<!doctype html><html><head><script type=module src=app.js></script></head><body></body></html>"


def _client(timezone: str) -> TestClient:
    app = Starlette(
        routes=[
            Route("/", lambda request: HTMLResponse(INDEX)),
            Route("/api", lambda request: JSONResponse({"html": "<head>"})),
        ]
    )
    return TestClient(DefaultUiTimezone(app, timezone=timezone))


def test_the_script_stores_the_zone_as_the_ui_does_only_when_the_user_chose_none():
    script = default_timezone_script("Asia/Shanghai").decode()
    assert script == (
        '<script>if(localStorage.getItem("timezone")===null)'
        'localStorage.setItem("timezone","\\"Asia/Shanghai\\"")</script>'
    )


def test_the_script_comes_first_in_the_head_so_it_runs_before_the_ui():
    html = with_script(INDEX.encode(), b"<script>x</script>").decode()
    assert html.index("<script>x</script>") == html.index("<head>") + len("<head>")
    assert with_script(b"<p>no head</p>", b"<script>x</script>") == b"<p>no head</p>"


def test_html_pages_get_the_script_with_a_correct_length_and_other_responses_stay_as_they_are():
    client = _client("Asia/Shanghai")
    page = client.get("/")
    assert "Asia/Shanghai" in page.text and page.text.endswith("</html>")
    assert int(page.headers["content-length"]) == len(page.content)
    assert client.get("/api").json() == {"html": "<head>"}


def test_utc_needs_no_script():
    assert _client("UTC").get("/").text == INDEX
