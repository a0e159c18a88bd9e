"""Receive an HL7 v2 ORU^R01 message: file each OBX through the lab service and answer an ACK.

A message is filed whole or not at all: any result that cannot be filed answers AE with an ERR
segment per problem and files nothing, so that the laboratory can correct and re-send it. An
accepted message's control id (per sending application and facility) makes re-delivery answer the
same ACK without filing anything again.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from patients.errors import InvalidInput
from patients.lab_codes import TESTS
from patients.models import Patient
from patients.services.labs import UnusualLabValue

from ..hl7.ack import Problem, build_ack
from ..hl7.parse import Header, MessageRejected, OruMessage, Result, decode, parse_number, parse_oru, parse_timestamp
from ..limits import MAX_IDENTIFIER
from ..models import AckCode, Hl7Message, LocalLabCode, Source
from .results import IdentifierConflict, external_result_file, external_result_withdraw

logger = logging.getLogger(__name__)

LOINC_SYSTEMS = ("LN", "LOINC", "HTTP://LOINC.ORG")
#: OBX-8 abnormal flags by which the laboratory confirms an extreme value (critical low/high, critically
#: abnormal): such a value is filed as sent even where a typed one would need confirming.
CONFIRMING_FLAGS = frozenset({"LL", "HH", "AA"})
FILED_STATUSES = frozenset({"F", "C", "A"})
WITHDRAWN_STATUSES = frozenset({"D", "W"})
#: Which OBX field an error of the lab service is about.
OBX_FIELD = {"test": 3, "identifier": 3, "value": 5, "unit": 6, "confirm_unusual": 8, "collected_at": 14}


class _Undo(Exception):
    """Roll the message back: some result could not be filed."""


@dataclass
class _Outcome:
    filed: int = 0
    corrected: int = 0
    withdrawn: int = 0
    repeated: int = 0
    not_final: int = 0
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        def plural(n: int) -> str:
            return f"{n} result{'s' if n != 1 else ''}"

        parts = [text for n, text in (
            (self.filed, f"{plural(self.filed)} filed"),
            (self.corrected, f"{plural(self.corrected)} corrected (the earlier one marked entered in error)"),
            (self.withdrawn, f"{plural(self.withdrawn)} withdrawn"),
            (self.repeated, f"{plural(self.repeated)} already filed"),
            (self.not_final, f"{plural(self.not_final)} not final (not filed)"),
        ) if n]
        return "; ".join(parts) or "no results in the message"


def _save(clinic, channel: str, header: Header | None, code: str, reason: str, raw: str, *,
          problems=(), filed: int = 0) -> Hl7Message:
    header = header or Header()
    return Hl7Message.objects.create(
        clinic=clinic, channel=channel, sender=header.sender if header.control_id else "",
        control_id=header.control_id, message_type=header.message_type[:40], version=header.version[:10],
        ack_code=code, reason=reason, results_filed=filed, ack=build_ack(header, code, reason, list(problems)),
        raw=raw,
    )


def hl7_message_receive(*, clinic, actor, raw: bytes | str, channel: str) -> Hl7Message:
    """File an ORU^R01 message's results for `clinic`; the stored message carries the ACK to answer."""
    # Kept as received, as far as a database text column can hold it (no NUL characters).
    text = (raw if isinstance(raw, str) else raw[:2_000_000].decode("latin-1")).replace("\x00", "\ufffd")
    header = None
    try:
        text = decode(raw)
        oru = parse_oru(text)
        header = oru.header
        done = Hl7Message.objects.filter(clinic=clinic, sender=header.sender, control_id=header.control_id,
                                         ack_code=AckCode.ACCEPTED).first()
        if done is not None:
            return done
        return _file_message(clinic, actor, oru, channel, text)
    except MessageRejected as exc:
        where = Problem("MSH", 1, {"101": 10, "200": 9, "203": 12}.get(exc.code, 0), exc.code, exc.reason)
        return _save(clinic, channel, exc.header, AckCode.REJECTED, exc.reason, text, problems=[where])
    except IntegrityError:
        # The same message delivered twice at once: the first one's ACK answers both.
        done = Hl7Message.objects.filter(clinic=clinic, sender=header.sender, control_id=header.control_id,
                                         ack_code=AckCode.ACCEPTED).first()
        if done is not None:
            return done
        logger.exception("HL7 message %s could not be filed", header.control_id if header else "?")
    except Exception:
        logger.exception("HL7 message %s could not be filed", header.control_id if header else "?")
    reason = "the message could not be processed (an internal error); send it again later"
    return _save(clinic, channel, header, AckCode.REJECTED, reason, text,
                 problems=[Problem("MSH", 1, 0, "207", reason)])


def _file_message(clinic, actor, oru: OruMessage, channel: str, text: str) -> Hl7Message:
    outcome = _Outcome()
    try:
        with transaction.atomic():
            _file_results(clinic, actor, oru, outcome)
            if outcome.problems:
                raise _Undo
            return _save(clinic, channel, oru.header, AckCode.ACCEPTED, outcome.summary(), text,
                         filed=outcome.filed + outcome.corrected)
    except _Undo:
        first = outcome.problems[0]
        more = len(outcome.problems) - 1
        reason = f"nothing filed: {first}" + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")
        return _save(clinic, channel, oru.header, AckCode.ERROR, reason, text, problems=outcome.problems)


def _file_results(clinic, actor, oru: OruMessage, outcome: _Outcome) -> None:
    mrns = {mrn for _, mrn in oru.patients if mrn}
    patients = {p.mrn: p for p in Patient.objects.filter(clinic=clinic, mrn__in=mrns).select_related("clinic")}
    for position, mrn in oru.patients:
        if not mrn:
            outcome.problems.append(Problem("PID", position, 3, "101", "PID-3 (the patient's MRN) is empty"))
        elif mrn not in patients:
            outcome.problems.append(Problem("PID", position, 3, "204", f"no patient with MRN {mrn} in {clinic.name}"))
    local_codes = _LocalCodes(clinic)
    for result in oru.results:
        patient = patients.get(result.mrn)
        if patient is None:
            continue
        try:
            with transaction.atomic():
                _file_result(actor, patient, oru.header, result, local_codes, outcome)
        except InvalidInput as exc:
            outcome.problems.extend(_problems(result, exc))


def _problems(result: Result, exc: InvalidInput) -> list[Problem]:
    if isinstance(exc, UnusualLabValue):
        reason = (f"{exc.message} (the laboratory confirms a value like this by flagging it LL, HH or AA in "
                  "OBX-8)")
        return [Problem("OBX", result.position, 5, "207", reason)]
    if isinstance(exc, IdentifierConflict) and exc.filed is not None:
        filed = exc.filed
        reason = (f"this order's {TESTS[filed.code].name} was already filed as {filed.value.normalize():f} "
                  f"{filed.unit}; send a correction (OBX-11 = C) to replace it")
        return [Problem("OBX", result.position, 11, "205", reason)]
    code = "207"
    return [Problem("OBX", result.position, OBX_FIELD.get(name, 0), "103" if name in ("test", "unit") else code,
                    f"OBX-{OBX_FIELD[name]} {message}" if name in OBX_FIELD else message)
            for name, message in exc.errors.items() if name != "suggested_unit"]


class _LocalCodes:
    """The clinic's local lab codes, read once a message needs them (most messages use LOINC only)."""

    def __init__(self, clinic):
        self.clinic = clinic
        self._codes: list[LocalLabCode] | None = None

    def matching(self, code: str, system: str) -> list[LocalLabCode]:
        if self._codes is None:
            self._codes = list(LocalLabCode.objects.filter(clinic=self.clinic))
        return [m for m in self._codes if m.code == code and m.coding_system in (system, "")]


def _test_for(result: Result, local_codes: _LocalCodes) -> str:
    if result.code_system in LOINC_SYSTEMS:
        return result.code
    if result.alt_system in LOINC_SYSTEMS and result.alt_code:
        return result.alt_code
    matches = local_codes.matching(result.code, result.code_system)
    if matches:
        return sorted(matches, key=lambda m: m.coding_system == "")[0].test
    details = ", ".join(part for part in (result.code_text, result.code_system and f"system {result.code_system}")
                        if part)
    shown = f"{result.code} ({details})" if details else result.code
    raise InvalidInput({"test": f"code {shown} is neither a known LOINC code nor one of the clinic's local lab "
                                "codes (add it under Lab code mappings)"})


def _key(header: Header, result: Result) -> str:
    order = result.order_number or f"{result.mrn}@{result.observed_at}"
    key = f"{header.sender}|{order}|{result.code}^{result.code_system}|{result.sub_id}"
    if len(key) > MAX_IDENTIFIER:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _file_result(actor, patient: Patient, header: Header, result: Result, local_codes, outcome: _Outcome) -> None:
    key = _key(header, result)
    if result.status in WITHDRAWN_STATUSES:
        withdrawn = external_result_withdraw(actor=actor, patient=patient, source=Source.HL7, key=key,
                                             reason=f"withdrawn by the laboratory (message {header.control_id})")
        outcome.withdrawn += withdrawn is not None
        return
    if result.status not in FILED_STATUSES:
        outcome.not_final += 1
        return
    test = _test_for(result, local_codes)
    if result.comparator and result.comparator not in ("=",):
        raise InvalidInput({"value": f"{result.comparator}{result.value} is a limit, not a value; it cannot be "
                                     "filed as a number"})
    try:
        value = parse_number(result.value)
    except ValueError as exc:
        raise InvalidInput({"value": str(exc)}) from None
    if not result.unit:
        raise InvalidInput({"unit": "is empty: a result needs its unit"})
    if not result.observed_at:
        raise InvalidInput({"collected_at": "is empty (and OBR-7 too): a result needs its collection time"})
    try:
        collected_at = parse_timestamp(result.observed_at, patient.clinic.zone)
    except ValueError as exc:
        raise InvalidInput({"collected_at": str(exc)}) from None
    filed = external_result_file(
        actor=actor, patient=patient, source=Source.HL7, key=key, test=test, value=value, unit=result.unit,
        collected_at=collected_at, confirm_unusual=bool(CONFIRMING_FLAGS & set(result.abnormal_flags)),
        correction=result.status in ("C", "A"),
    )
    if not filed.created:
        outcome.repeated += 1
    elif filed.replaced is not None:
        outcome.corrected += 1
    else:
        outcome.filed += 1
