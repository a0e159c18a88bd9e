"""Every kind of page works in a real browser under the Content Security Policy: the staff pages, the
sign-in pages, the Django admin and the API's Swagger UI report no CSP violation and run no inline script.
Screenshots go to test-artifacts/screenshots/."""

from tests.browser.support import PASSWORD, SCREENSHOTS


def visit(page, url: str, name: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"csp-{name}.png"), full_page=True)


def sign_in(page, url, username):
    page.goto(f"{url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def test_the_swagger_ui_renders_the_api_under_the_policy(page, live_server):
    visit(page, f"{live_server.url}/api/docs/", "api-docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() >= 30
    assert page.violations == []


def test_the_admin_works_under_the_policy(page, live_server, db):
    from clinics.models import User

    User.objects.create_superuser("root", "root@example.org", PASSWORD)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    visit(page, f"{live_server.url}/admin/patients/labresult/", "admin-lab-results")
    assert "Select lab result" in page.content() or "lab result" in page.content().lower()
    assert page.violations == []


def test_the_staff_pages_work_under_the_policy(page, live_server, nina, adam, patient):
    sign_in(page, live_server.url, "nina")
    for path, name in [("/", "today"), (f"/patients/{patient.pk}/", "patient"), ("/overview/", "overview"),
                       ("/account/", "account")]:
        visit(page, live_server.url + path, name)
    page.get_by_role("button", name="Set up an authenticator app").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".qr svg").count() == 1
    visit(page, live_server.url + "/account/", "account-qr")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server.url, "adam")
    visit(page, f"{live_server.url}/access-log/?mrn={patient.mrn}", "access-log")
    assert "nina" in page.content()
    assert page.violations == []
