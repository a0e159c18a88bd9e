"""What the browser tests share: the browser's settings, screenshots, signing in, the clinic's clock."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
TABLET = {"width": 1180, "height": 820}  # a landscape tablet at the nurse station
PASSWORD = "correct horse battery staple"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, live_server, username: str, password: str = PASSWORD):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def now_local(clinic):
    from django.utils import timezone

    return timezone.now().astimezone(clinic.zone)


def assert_accessible(page, *, name: str = "") -> None:
    """axe-core (the engine browsers' accessibility tools use) finds no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page).response
    bad = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} - " + "; ".join(n["target"][0] if n.get("target") else "?"
                                                          for n in v["nodes"][:5])
        for v in bad)
    assert not bad, f"axe-core on {name or page.url}:\n{report}"
