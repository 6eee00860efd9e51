"""The Airflow UI's default timezone: the platform's (``[core] default_timezone``, Asia/Shanghai), not the browser's.

Airflow 3's UI shows times in the browser's timezone unless the user picked one (kept in the
browser's localStorage under ``timezone``); it has no server setting for the default, so a bureau
PC or a server set to UTC shows UTC. This middleware adds one line to the UI's HTML pages that
stores the platform's timezone as that choice when the user has made none, so a user's own pick
still wins. Registered as an Airflow plugin through the ``airflow.plugins`` entry point
(pyproject.toml), so only the API server's app adds it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from airflow.plugins_manager import AirflowPlugin

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The UI's localStorage key for the user's timezone (airflow-core/src/airflow/ui, useTimezone).
STORAGE_KEY = "timezone"


def default_timezone_script(timezone: str) -> bytes:
    """A ``<script>`` that makes ``timezone`` the UI's choice unless the user has one (the UI stores it as JSON)."""
    key, value = json.dumps(STORAGE_KEY), json.dumps(json.dumps(timezone))
    return f"<script>if(localStorage.getItem({key})===null)localStorage.setItem({key},{value})</script>".encode()


def with_script(html: bytes, script: bytes) -> bytes:
    """``html`` with ``script`` first in its ``<head>`` (before the UI's own module script runs), else unchanged."""
    head = html.find(b"<head>")
    if head < 0:
        return html
    at = head + len(b"<head>")
    return html[:at] + script + html[at:]


class DefaultUiTimezone:
    """ASGI middleware: the platform's timezone as the default of every HTML page's UI."""

    def __init__(self, app: ASGIApp, timezone: str | None = None) -> None:
        from airflow.configuration import conf

        self.app = app
        zone = timezone or conf.get("core", "default_timezone", fallback="utc")
        # "system" names no zone the browser could use; UTC is the UI's fallback anyway
        self.script = default_timezone_script(zone) if zone.lower() not in ("system", "utc") else b""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything through; hold an uncompressed HTML response until its body is whole, add the script."""
        if scope["type"] != "http" or not self.script:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def send_with_script(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                named = {k.lower(): v for k, v in message.get("headers", [])}
                if named.get(b"content-type", b"").startswith(b"text/html") and b"content-encoding" not in named:
                    start = message
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                html = with_script(b"".join(body), self.script)
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                await send({**start, "headers": [*headers, (b"content-length", str(len(html)).encode())]})
                await send({"type": "http.response.body", "body": html})
                return
            await send(message)

        await self.app(scope, receive, send_with_script)


#: Where the API server serves the quality checks' Data Docs (quality/docs.py), under its own root
DATA_DOCS_PREFIX = "/govdata/quality"
NO_DOCS_YET = (
    "<!doctype html><html lang='zh'><meta charset='utf-8'><title>数据质量 Data Docs</title>"
    "<body><h1>数据质量 Data Docs</h1><p>No quality check has run yet: the DAG <code>check_quality</code> builds"
    " these pages after each catalog build.</p></body></html>"
)


def data_docs_app() -> Any:
    """A FastAPI app serving the Data Docs site of the quality checks (masked results only), or a note if none."""
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse
    from starlette.staticfiles import StaticFiles

    from govdata.quality.docs import site_dir
    from govdata.quality.gx_context import expectations_dir

    site = site_dir(expectations_dir())
    app = FastAPI(title="govdata quality Data Docs")

    @app.get("/", response_class=HTMLResponse)
    def index() -> Any:
        page = site / "index.html"
        return HTMLResponse(page.read_text(encoding="utf-8") if page.exists() else NO_DOCS_YET)

    app.mount("/", StaticFiles(directory=site, check_dir=False, html=True), name="data_docs")
    return app


class GovdataUiPlugin(AirflowPlugin):
    """The platform's additions to the Airflow UI: the default timezone, and the quality checks' Data Docs."""

    name = "govdata_ui"
    fastapi_root_middlewares = [{"middleware": DefaultUiTimezone, "name": "govdata: default UI timezone"}]
    fastapi_apps = [{"app": data_docs_app(), "url_prefix": DATA_DOCS_PREFIX, "name": "govdata: quality Data Docs"}]
    external_views = [
        {
            "name": "数据质量 Data Docs",
            "href": f"{DATA_DOCS_PREFIX}/",
            "destination": "nav",
            "category": "browse",
            "url_route": "quality-data-docs",
        }
    ]
