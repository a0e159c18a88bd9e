"""The accessibility check itself: axe-core runs in the page and reports what a screen-reader user would meet."""

import pytest

from tests.browser.support import assert_accessible


def test_the_check_reports_a_serious_violation(page):
    page.set_content('<html lang="en"><title>t</title><main><button></button><img src="data:,"></main></html>')
    with pytest.raises(AssertionError, match="button-name .*critical"):
        assert_accessible(page, name="a page with an unnamed button")


def test_the_check_passes_a_plain_accessible_page(page):
    page.set_content('<html lang="en"><title>t</title><main><h1>Today</h1><button>Record</button></main></html>')
    assert_accessible(page, name="a plain page")
