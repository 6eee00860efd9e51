"""The Airflow UI as staff see it: headless Chromium against the API server, on the session's metadata DB.

The browser runs in UTC, like this machine: the UI must still show Asia/Shanghai (the platform's
default, govdata/ui_timezone.py) and the crawl run's real start and duration. Screenshots and the
API server's log are kept in .local/ui/ for review.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from govdata.airflow_env import ADMIN_USER, admin_password
from govdata.commands.platform import MAIN_JOB_DAGS, api_server_ready, component_command
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

SCREENSHOTS = ROOT / ".local" / "ui"
BUREAU_TZ = ZoneInfo("Asia/Shanghai")
#: How long the UI may take to show a page or a table: generous, the API server has just started.
WAIT_MS = 30_000
#: The UI shows durations as HH:mm:ss.SSS under a minute, HH:mm:ss under a day, then D[d]HH:mm:ss.
DURATION = re.compile(r"^(?:(\d+)d)?(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?$")


def parse_duration(text: str) -> timedelta:
    """A duration as the UI prints it."""
    match = DURATION.match(text.strip())
    assert match, f"not a UI duration: {text!r}"
    days, hours, minutes, seconds, millis = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds, milliseconds=millis)


@pytest.fixture(scope="module")
def api_server_process(airflow_db):
    """`airflow api-server` as `govdata up` starts it, on the session's port; it boots while the crawl runs."""
    port = int(os.environ["AIRFLOW__API__PORT"])
    admin_password()  # the password file must exist before the simple auth manager reads it
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_path = SCREENSHOTS / "airflow-api-server.log"
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            component_command("api-server", port), env=os.environ.copy(),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    yield proc, f"http://localhost:{port}", log_path
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="module")
def ui_url(api_server_process, crawl_timed):
    """The API server's address, once it answers (after the crawl this test reads has run)."""
    proc, url, log_path = api_server_process
    ready = api_server_ready(url, timeout=120)
    tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
    assert ready and proc.poll() is None, f"the API server did not come up on {url}:\n{tail}"
    return url


@pytest.fixture(scope="module")
def page(ui_url):
    """A page in headless Debian Chromium whose clock is in UTC, logged in as the admin."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is missing: `make install` installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        context = browser.new_context(timezone_id="UTC", locale="en-US", viewport={"width": 1600, "height": 1000})
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        page.goto(ui_url)
        page.locator("input[name=username]").fill(ADMIN_USER)
        page.locator("input[name=password]").fill(admin_password())
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Dags").first.wait_for()
        yield page
        browser.close()


def test_the_dag_list_shows_the_main_job(page, ui_url):
    from playwright.sync_api import expect

    page.goto(f"{ui_url}/dags")
    for dag_id in MAIN_JOB_DAGS:
        expect(page.get_by_role("link", name=dag_id, exact=True)).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "dags.png"), full_page=True)


def _cell(row, headers: list[str], name: str) -> str:
    return row.get_by_role("cell").nth(headers.index(name)).inner_text().strip()


def test_the_runs_view_shows_the_real_start_and_duration_in_shanghai_time(page, ui_url, crawl_timed):
    from playwright.sync_api import expect

    run_id = crawl_timed.run.run_id
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "UTC"  # the browser's own zone
    page.goto(f"{ui_url}/dags/crawl_departments/runs")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=run_id, exact=True))
    expect(row).to_have_count(1)
    expect(page.get_by_role("columnheader").filter(has_text="Duration")).to_be_visible()
    headers = [h.strip() for h in page.get_by_role("columnheader").all_inner_texts()]
    cells = row.get_by_role("cell")
    expect(cells.nth(headers.index("Start Date"))).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"))
    expect(cells.nth(headers.index("Duration"))).to_have_text(DURATION)
    shown_start, shown_duration = _cell(row, headers, "Start Date"), _cell(row, headers, "Duration")
    page.screenshot(path=str(SCREENSHOTS / "crawl_departments-runs.png"), full_page=True)

    real = crawl_timed.ended - crawl_timed.started
    assert timedelta(0) < parse_duration(shown_duration) <= real + timedelta(seconds=1), (
        f"the UI shows {shown_duration} for a run of {real.total_seconds():.1f}s"
    )
    # the wall clock around the run, in the bureau's time: a UTC or logical-date start would miss it by hours
    start = datetime.strptime(shown_start, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BUREAU_TZ)
    assert crawl_timed.started.replace(microsecond=0) <= start <= crawl_timed.ended, (
        f"the UI shows the run starting at {shown_start}; it ran from {crawl_timed.started.astimezone(BUREAU_TZ)}"
        f" to {crawl_timed.ended.astimezone(BUREAU_TZ)} (Asia/Shanghai)"
    )
    expect(page.get_by_text("+08:00", exact=True)).to_be_visible()  # the navigation's timezone picker

    page.get_by_role("link", name=run_id, exact=True).click()
    expect(page.get_by_text("End Date", exact=True)).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "crawl_departments-run.png"), full_page=True)


def test_the_quality_data_docs_are_served_and_shown_in_the_ui(page, ui_url):
    from playwright.sync_api import expect

    from govdata.ui_timezone import DATA_DOCS_PREFIX

    response = page.request.get(f"{ui_url}{DATA_DOCS_PREFIX}/")
    assert response.ok and "text/html" in response.headers["content-type"], response.status
    assert "Data Docs" in response.text() or "Great Expectations" in response.text()
    page.goto(f"{ui_url}/plugin/quality-data-docs")
    frame = page.locator("iframe")
    expect(frame).to_have_count(1)
    assert DATA_DOCS_PREFIX in (frame.get_attribute("src") or "")
    page.screenshot(path=str(SCREENSHOTS / "quality-data-docs.png"), full_page=True)
