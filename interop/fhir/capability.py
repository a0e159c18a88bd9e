"""GET metadata: the CapabilityStatement of the facade (no authentication needed)."""

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from .common import BASE, EXT_AS_RECEIVED, EXT_CONFIRMED_UNUSUAL, EXT_STARTS_AFTER, validated

READ = [{"code": "read"}, {"code": "search-type"}]


def _resource(kind: str, interactions, params=(), documentation: str = "", operations=()) -> dict:
    resource = {"type": kind, "interaction": interactions,
                "searchParam": [{"name": n, "type": t, "documentation": d} for n, t, d in params]}
    if documentation:
        resource["documentation"] = documentation
    if operations:
        resource["operation"] = [{"name": n, "definition": d} for n, d in operations]
    return resource


def capability_statement(base_url: str) -> dict:
    patient_doc = (f"Patients of the caller's clinic. The MRN is an identifier whose system is "
                   f"{BASE}/clinic/{{clinic slug}}/mrn (shown on each Patient).")
    observation_doc = (
        "Lab results: LOINC code, valueQuantity in the canonical UCUM unit, the value as received in the "
        f"extension {EXT_AS_RECEIVED}. POST files a result through the same rules as typed results; an identifier "
        "makes re-sending idempotent; status corrected/amended replaces the result with the same identifier and "
        "entered-in-error withdraws it. An extreme value needing confirmation is confirmed by an interpretation "
        f"of LL, HH or AA, or the extension {EXT_CONFIRMED_UNUSUAL} = true.")
    return validated(CapabilityStatement, {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-01",
        "publisher": "Treatment-protocol scheduler",
        "kind": "instance",
        "implementation": {"description": "Treatment-protocol scheduler FHIR R4 facade", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "documentation": ("Authentication as the HTTP API: Authorization: Token <key>. Every resource is scoped "
                              "to the caller's clinic; another clinic's answers 404. Searchsets are paged with "
                              "_count and _offset."),
            "security": {"description": "Token authentication (Authorization: Token <key>) or a staff session."},
            "resource": [
                _resource("Patient", READ, [("identifier", "token", "SYSTEM|MRN or MRN"),
                                            ("_id", "token", "logical id")],
                          patient_doc, [("everything", "http://hl7.org/fhir/OperationDefinition/Patient-everything")]),
                _resource("Observation", [*READ, {"code": "create"}],
                          [("patient", "reference", "Patient id"), ("code", "token", "LOINC code (or http://loinc.org|code)")],
                          observation_doc),
                _resource("MedicationAdministration", READ, [("patient", "reference", "Patient id")],
                          "Recorded dose outcomes: given (completed), missed or declined (not-done with statusReason)."),
                _resource("CarePlan", READ, [("patient", "reference", "Patient id")],
                          "One per enrollment; activities reference a MedicationRequest per dose rule."),
                _resource("MedicationRequest", [{"code": "read"}], [],
                          f"One per dose rule, basedOn its CarePlan, with FHIR Timing. 'Starts after the end of' is "
                          f"the extension {EXT_STARTS_AFTER} (and priorPrescription where the earlier phase has doses)."),
                _resource("Flag", [{"code": "read"}], [], "Clinical alerts."),
            ],
            "interaction": [{"code": "batch"}, {"code": "transaction"}],
        }],
    })
