from django.db import transaction

from patients.errors import InvalidInput

from ..models import LAB_TEST_CHOICES, LocalLabCode

TESTS = {code for code, _ in LAB_TEST_CHOICES}


@transaction.atomic
def local_lab_code_save(*, actor, clinic, code: str, test: str, coding_system: str = "",
                        description: str = "") -> LocalLabCode:
    """Map a laboratory's own code (HL7 OBX-3) to a test, for this clinic; saving it again changes the test."""
    code, coding_system = (code or "").strip(), (coding_system or "").strip().upper()
    errors = {}
    if not code or len(code) > 64 or "|" in code or "^" in code:
        errors["code"] = "give the code as the laboratory sends it (1 to 64 characters, no | or ^)"
    if len(coding_system) > 20 or "|" in coding_system or "^" in coding_system:
        errors["coding_system"] = "at most 20 characters, no | or ^"
    if coding_system in ("LN", "LOINC"):
        errors["coding_system"] = "LOINC codes need no mapping"
    if test not in TESTS:
        errors["test"] = f"unknown test {test!r}"
    if errors:
        raise InvalidInput(errors)
    mapping, _ = LocalLabCode.objects.update_or_create(
        clinic=clinic, code=code, coding_system=coding_system,
        defaults={"test": test, "description": (description or "").strip()[:200]},
    )
    return mapping


@transaction.atomic
def local_lab_code_delete(*, actor, mapping: LocalLabCode) -> None:
    mapping.delete()
