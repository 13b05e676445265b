"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live server.

Playwright cannot download its own browser here, so the launch points at /usr/bin/chromium
(scripts/ensure-chromium.sh installs it). ORM calls from these tests run beside Playwright's
event loop, which Django refuses unless DJANGO_ALLOW_ASYNC_UNSAFE is set.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_JS = Path(settings.BASE_DIR) / "static" / "axe-core-4.14.1" / "axe.min.js"


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(
        reason=f"Chromium not found at {CHROMIUM}; run scripts/ensure-chromium.sh"
    )
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def login_as(live_server, page, transactional_db):
    """Log `user` in by planting a session cookie (the login form has its own test)."""

    def _login(user):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": store.session_key,
                    "url": live_server.url,
                }
            ]
        )
        return page

    return _login


@pytest.fixture
def axe_check(page):
    """Run axe-core (vendored) on the current page; fail on serious or critical violations."""

    def _check(context: str = "") -> None:
        # Evaluated through the DevTools protocol: the app's Content Security Policy forbids
        # inline scripts, which is what add_script_tag(path=...) would inject.
        page.evaluate("source => { (0, eval)(source); }", AXE_JS.read_text())
        result = page.evaluate("async () => await axe.run(document)")
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        details = "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} -> "
            + ", ".join(n["target"][0] for n in v["nodes"][:3])
            for v in bad
        )
        assert not bad, f"accessibility violations {context}: {details}"

    return _check
