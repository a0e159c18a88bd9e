"""Alerts raised by the rules are read through GET /api/v1/alerts/, scoped to the clinic."""

from datetime import date

from .helpers import lab


def test_a_raised_alert_is_listed_with_its_facts(cara, woman, as_cara):
    lab(cara, woman, "ferritin", 20, date(2026, 6, 1))
    body = as_cara.get(f"/api/v1/alerts/?patient={woman.pk}&status=open").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [(r["code"], r["severity"], r["status"]) for r in rows] == [("check-b12-age-60", "warning", "open")]
    assert rows[0]["facts"]["lab_results"][0]["test"] == "ferritin"


def test_another_clinic_sees_none_of_them(cara, woman, as_otto):
    lab(cara, woman, "ferritin", 20, date(2026, 6, 1))
    body = as_otto.get("/api/v1/alerts/").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert rows == []
