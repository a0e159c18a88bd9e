import time_machine


@time_machine.travel("2026-01-07 10:00Z", tick=False)
def test_every_page_renders_for_a_clinician(cara_web, treated):
    for url in ["/", "/patients/", f"/patients/{treated['b12'].pk}/", f"/patients/{treated['iron'].pk}/",
                "/alerts/", "/overview/", "/help/", f"/patients/{treated['b12'].pk}/enroll/", "/patients/new/"]:
        response = cara_web.get(url)
        assert response.status_code == 200, (url, response.status_code)
