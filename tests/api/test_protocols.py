import copy

import pytest
import time_machine

from protocols.builtin import builtin_definition
from protocols.engine import DefinitionError
from protocols.models import Protocol
from protocols.services import builtin_protocols_load, protocol_save
from tests.factories import PatientFactory
from tests.helpers import enroll

BUILTIN = {"b12-im-standard", "b12-im-neuro", "iron-oral-daily", "iron-oral-alternate-day", "b12-then-iron",
           "b12-and-iron-concurrent", "folate-oral"}


def test_the_seven_builtin_protocols_are_listed_with_their_phases(as_nina):
    body = as_nina.get("/api/v1/protocols/").json()
    assert {p["slug"] for p in body} == BUILTIN
    standard = next(p for p in body if p["slug"] == "b12-im-standard")
    assert [ph["slug"] for ph in standard["phases"]] == ["loading", "maintenance"]
    assert standard["version"] == 1 and standard["name"] and standard["description"]


def test_loading_the_builtins_again_changes_nothing(db):
    assert not any(created for _, created in builtin_protocols_load())
    assert Protocol.objects.filter(clinic__isnull=True).count() == 7


@time_machine.travel("2026-01-05 12:00Z", tick=False)
def test_a_changed_protocol_is_a_new_version_and_enrollments_keep_theirs(as_cara, patient):
    first = enroll(as_cara, patient, "b12-im-standard", "2026-01-05")
    definition = copy.deepcopy(builtin_definition("b12-im-standard"))
    definition["phases"][1]["dose"]["timing"]["every"]["value"] = 2
    version, created = protocol_save(definition=definition)
    assert created and version.version == 2
    other = PatientFactory(clinic=patient.clinic, mrn="R0002")  # one patient is not on two B12 plans at once
    second = enroll(as_cara, other, "b12-im-standard", "2026-01-05")
    assert (first["protocol_version"], second["protocol_version"]) == (1, 2)
    assert as_cara.get(f"/api/v1/enrollments/{first['id']}/").json()["protocol_version"] == 1


def test_an_invalid_definition_is_refused(db):
    definition = copy.deepcopy(builtin_definition("b12-then-iron"))
    definition["phases"][2]["start"]["target"] = "nowhere"
    with pytest.raises(DefinitionError, match="nowhere"):
        protocol_save(definition=definition)


@time_machine.travel("2026-01-05 12:00Z", tick=False)
def test_folic_acid_without_b12_is_refused_unless_a_clinician_overrides(as_cara, as_nina, patient):
    body = {"patient": patient.id, "protocol": "folate-oral", "start_date": "2026-01-05"}
    refused = as_cara.post("/api/v1/enrollments/", body, format="json")
    assert refused.status_code == 400
    assert "folate-without-b12" in refused.json()["protocol"]
    accepted = as_cara.post("/api/v1/enrollments/", {**body, "override_reason": "B12 normal at GP last week"},
                            format="json")
    assert accepted.status_code == 201
    alerts = as_cara.get("/api/v1/alerts/", {"patient": patient.id}).json()["results"]
    assert [a["code"] for a in alerts] == ["folate-without-b12"]


@time_machine.travel("2026-01-05 12:00Z", tick=False)
def test_folic_acid_is_accepted_with_a_b12_result_in_range(as_cara, patient):
    as_cara.post("/api/v1/lab-results/", {"patient": patient.id, "test": "b12", "value": 420, "unit": "ng/L",
                                          "collected_at": "2026-01-02T09:00:00Z"}, format="json")
    enroll(as_cara, patient, "folate-oral", "2026-01-05")
