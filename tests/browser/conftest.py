"""The staff pages in a real browser: Debian's Chromium driven by Playwright, as a clinic uses them.

Every test here gets a page that may load nothing from outside the test server (any such request
fails the test) and raises no JavaScript error. `shot()` saves a screenshot to
test-artifacts/screenshots/; `assert_accessible()` runs axe-core in the page. Nothing may be refused by
the Content Security Policy either.
"""

import os
from urllib.parse import urlparse

import pytest

from tests.browser.support import ARGS, CHROMIUM, TABLET

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.slow)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason="Chromium is not installed at /usr/bin/chromium "
                                                        "(Debian: apt-get install chromium)"))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=TABLET, locale="en-GB")
    outside = []

    def guard(route):
        host = urlparse(route.request.url).hostname
        if host in ("localhost", "127.0.0.1"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.violations = []  # what the Content Security Policy refused (Chromium reports it on the console)
    page.on("console", lambda message: "Content Security Policy" in message.text and page.violations.append(
        message.text))
    yield page
    context.close()
    assert outside == [], f"the page tried to load from outside: {outside}"
    assert errors == [], f"JavaScript errors: {errors}"
    assert page.violations == [], f"refused by the Content Security Policy: {page.violations}"


@pytest.fixture(autouse=True)
def protocols(transactional_db):
    """A transactional test empties the tables the migrations filled: load the shipped protocols again."""
    from protocols.services import builtin_protocols_load

    builtin_protocols_load()


@pytest.fixture
def open_every_day(clinic):
    """So that today's date has an injection day, whatever day the tests run on."""
    clinic.open_days = clinic.injection_days = "mon,tue,wed,thu,fri,sat,sun"
    clinic.save()
    return clinic
