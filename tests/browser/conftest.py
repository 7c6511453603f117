"""Browser fixtures: the app served for real on 127.0.0.1, driven by Debian's Chromium.

The whole folder is skipped, with the reason, where /usr/bin/chromium does not exist.
Playwright never downloads a browser here: it launches /usr/bin/chromium with a fresh
profile for every test.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright
from werkzeug.serving import make_server

from ngowg_directory.extensions import db

from ..conftest import Mailbox, build_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent.parent
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
DOCS_IMG = PROJECT_ROOT / "docs" / "img"
VIEWPORT = {"width": 1280, "height": 800}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Debian's Chromium, report every browser test as skipped, with the reason."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not found (apt-get install chromium)")
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(skip)


# --- the live server ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_database_url(tmp_path_factory: pytest.TempPathFactory, schema_template: str | None) -> str:
    """One migrated database shared by the server and the tests that create its users."""
    if schema_template is None:
        return os.environ["TEST_DATABASE_URL"]
    path = tmp_path_factory.mktemp("live") / "live.db"
    shutil.copyfile(schema_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def database_url(live_database_url: str) -> str:
    """The `app` fixture (and so `make_user`) works on the database the server serves.

    On PostgreSQL the `app` fixture empties the tables before each test, as elsewhere; on
    SQLite the file is shared by the session, and every user has a unique address."""
    return live_database_url


@pytest.fixture(scope="session")
def live_app(
    tmp_path_factory: pytest.TempPathFactory,
    live_database_url: str,
    smtp_server: tuple[Mailbox, int],
) -> Iterator[Flask]:
    _box, smtp_port = smtp_server
    application = build_app(
        tmp_path_factory.mktemp("live-instance"),
        live_database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_port,
        # Every browser signs in from 127.0.0.1, like the other tests' clients: a limit of
        # its own keeps these tests apart from the sign-in attempts counted elsewhere.
        RATELIMIT_LOGIN="1000 per minute",
    )
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The app on a real threaded HTTP server on 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


# --- the browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


class Browser:
    """Opens pages in fresh Chromium profiles and keeps what went wrong in them."""

    def __init__(self, playwright: Playwright, tmp_path: Path, base_url: str, test: str) -> None:
        self._playwright = playwright
        self._tmp_path = tmp_path
        self._contexts: list[BrowserContext] = []
        self.base_url = base_url
        self.test = test
        self.problems: list[str] = []
        self._shots = 0

    def new_page(self, **options: Any) -> Page:
        """A page in a new browser with its own empty profile; `options` as for a context."""
        profile = self._tmp_path / f"chromium-profile-{len(self._contexts)}"
        profile.mkdir()
        settings: dict[str, Any] = {"viewport": VIEWPORT, "locale": "en-GB", **options}
        context = self._playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            base_url=self.base_url,
            **settings,
        )
        self._contexts.append(context)
        page = context.pages[0] if context.pages else context.new_page()
        # "Failed to load resource" is also logged for a page that answers 404 on purpose;
        # failed sub-resources are caught by the response and requestfailed hooks below.
        page.on(
            "console",
            lambda msg: (
                self.problems.append(f"console {msg.type}: {msg.text}")
                if msg.type == "error" and not msg.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on(
            "requestfailed",
            lambda request: self.problems.append(f"request failed: {request.url}"),
        )
        page.on(
            "response",
            lambda response: (
                self.problems.append(f"{response.status} for {response.url}")
                if response.status >= 400 and response.request.resource_type != "document"
                else None
            ),
        )
        return page

    def shot(self, page: Page, step: str) -> Path:
        """Save a full-page screenshot of this step to test-artifacts/browser/."""
        self._shots += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.test}-{self._shots:02d}-{step}.png"
        page.screenshot(path=path, full_page=True)
        return path

    def artifact(self, name: str) -> Path:
        """A path in test-artifacts/browser/ for another kind of artefact (a PDF, a log)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        return ARTIFACTS / f"{self.test}-{name}"

    def close(self) -> None:
        for context in self._contexts:
            context.close()


@pytest.fixture
def browser(
    playwright: Playwright, live_server: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Browser]:
    """Fresh browsers for one test; fails the test if a page logged errors or missed files."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")
    driver = Browser(playwright, tmp_path, live_server, name)
    try:
        yield driver
    finally:
        driver.close()
    assert driver.problems == [], f"the browser reported problems: {driver.problems}"


def update_screenshots() -> bool:
    """True when UPDATE_SCREENSHOTS=1: write the README's screenshots to docs/img/."""
    return os.environ.get("UPDATE_SCREENSHOTS") == "1"


def save_doc_screenshot(page: Page, name: str) -> Path | None:
    """The viewport (1280x800) as docs/img/NAME.png, only when UPDATE_SCREENSHOTS=1."""
    if not update_screenshots():
        return None
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    path = DOCS_IMG / f"{name}.png"
    page.screenshot(path=path, full_page=False)
    return path
