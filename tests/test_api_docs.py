import re


def test_the_api_docs_load_no_asset_from_the_internet(client, db):
    html = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"(?:src|href)='([^']+)'", html)
    assert assets, "the page should reference its Swagger UI assets"
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))]


def test_the_openapi_document_names_the_public_endpoints(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ["/api/v1/protocols/", "/api/v1/patients/", "/api/v1/enrollments/",
                 "/api/v1/enrollments/{id}/schedule/", "/api/v1/enrollments/{id}/end-phase/",
                 "/api/v1/administrations/", "/api/v1/lab-results/", "/api/v1/alerts/"]:
        assert path in schema["paths"], path
