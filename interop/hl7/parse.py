"""ORU^R01 messages (HL7 v2.3 to 2.5.1) read with the `hl7` package into plain data.

Nothing here touches the database: a message either becomes an `OruMessage` or raises
`MessageRejected` saying why it cannot be read at all (answered with an AR acknowledgement).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import hl7

from ..limits import HL7_MAX_MESSAGE_BYTES, HL7_MAX_RESULTS, HL7_MAX_SEGMENTS

SUPPORTED_VERSIONS = ("2.3", "2.3.1", "2.4", "2.5", "2.5.1")


class MessageRejected(Exception):
    """A message that cannot be processed at all (HL7 table 0357 code and the reason)."""

    def __init__(self, reason: str, code: str = "207", header: Header | None = None):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.header = header


@dataclass(frozen=True)
class Header:
    sending_application: str = ""
    sending_facility: str = ""
    receiving_application: str = ""
    receiving_facility: str = ""
    message_type: str = ""
    control_id: str = ""
    processing_id: str = "P"
    version: str = "2.5.1"

    @property
    def sender(self) -> str:
        """MSH-3^MSH-4, as stored with the message (at most 200 characters)."""
        return f"{self.sending_application}^{self.sending_facility}"[:200]


@dataclass
class Result:
    """One OBX segment, with what the patient and order around it say."""

    position: int  # the OBX's place among the message's OBX segments (1-based), for ERR
    set_id: str
    mrn: str
    pid_position: int
    order_number: str
    value_type: str
    code: str
    code_system: str
    code_text: str
    alt_code: str
    alt_system: str
    sub_id: str
    value: str
    comparator: str
    unit: str
    abnormal_flags: tuple[str, ...]
    status: str
    observed_at: str  # OBX-14, else OBR-7 (HL7 date-time, as sent)


@dataclass
class OruMessage:
    header: Header
    results: list[Result] = field(default_factory=list)
    patients: list[tuple[int, str]] = field(default_factory=list)  # (PID position, MRN)


def decode(raw: bytes | str) -> str:
    if isinstance(raw, str):
        text = raw
    else:
        if len(raw) > HL7_MAX_MESSAGE_BYTES:
            raise MessageRejected(f"the message is over {HL7_MAX_MESSAGE_BYTES:,} bytes", "207")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")  # HL7's customary 8859/1
    if len(text) > HL7_MAX_MESSAGE_BYTES:
        raise MessageRejected(f"the message is over {HL7_MAX_MESSAGE_BYTES:,} bytes", "207")
    if "\x00" in text:
        raise MessageRejected("the message contains NUL characters: it is not HL7 text", "102")
    # Segments end with CR; accept LF and CRLF as files and HTTP clients often send them.
    text = text.strip("\x0b\x1c\r\n \t").replace("\r\n", "\r").replace("\n", "\r")
    return "\r".join(line for line in text.split("\r") if line.strip())


def _text(message, value) -> str:
    return message.unescape(str(value)).strip() if value not in (None, "") else ""


def _get(message, segment, index: int, rep: int = 1, comp: int = 1) -> str:
    """A component of a field of a parsed segment; '' when absent."""
    try:
        fld = segment[index]
    except IndexError:
        return ""
    if not isinstance(fld, hl7.Field) or not fld:
        return _text(message, fld) if comp == 1 and rep == 1 else ""
    try:
        repetition = fld[rep - 1]
    except IndexError:
        return ""
    if not isinstance(repetition, hl7.Repetition):
        return _text(message, repetition) if comp == 1 else ""
    try:
        component = repetition[comp - 1]
    except IndexError:
        return ""
    if isinstance(component, hl7.Component):
        component = component[0] if component else ""
    return _text(message, component)


def _repetitions(segment, index: int) -> int:
    try:
        fld = segment[index]
    except IndexError:
        return 0
    if isinstance(fld, hl7.Field) and fld and isinstance(fld[0], hl7.Repetition):
        return len(fld)
    return 1 if str(fld) else 0


def _header(message) -> Header:
    msh = message.segments("MSH")[0]

    def g(index, comp=1):
        return _get(message, msh, index, comp=comp)

    kind = "^".join(part for part in (g(9, 1), g(9, 2)) if part)
    return Header(g(3), g(4), g(5), g(6), kind, g(10)[:199], g(11) or "P", g(12) or "2.5.1")


def parse_oru(text: str) -> OruMessage:
    """An ORU^R01 message as plain data, or MessageRejected."""
    if not text.startswith("MSH") or len(text) < 8:
        raise MessageRejected("not an HL7 v2 message: it must begin with an MSH segment", "100")
    if text.count("\r") >= HL7_MAX_SEGMENTS:
        raise MessageRejected(f"the message has more than {HL7_MAX_SEGMENTS} segments", "207")
    try:
        message = hl7.parse(text)
        header = _header(message)
    except Exception as exc:  # the parser's errors are many and undocumented: all of them reject
        raise MessageRejected(f"the message cannot be parsed: {exc}", "102") from None
    if not header.control_id:
        raise MessageRejected("MSH-10 (message control id) is required", "101", header)
    if header.message_type != "ORU^R01":
        raise MessageRejected(f"unsupported message type {header.message_type or '(none)'}: only ORU^R01 is "
                              "accepted", "200", header)
    if header.version not in SUPPORTED_VERSIONS:
        raise MessageRejected(f"unsupported HL7 version {header.version}: {', '.join(SUPPORTED_VERSIONS)} are "
                              "accepted", "203", header)
    return _results(message, header)


def _mrn(message, pid) -> str:
    for rep in range(1, _repetitions(pid, 3) + 1):
        if _get(message, pid, 3, rep, 5).upper() == "MR":
            return _get(message, pid, 3, rep, 1)
    return _get(message, pid, 3) or _get(message, pid, 2)


def _results(message, header: Header) -> OruMessage:
    oru = OruMessage(header)
    mrn, pid_position, order, order_time, obx_position = "", 0, "", "", 0
    for segment in message:
        name = str(segment[0])
        if name == "PID":
            pid_position += 1
            mrn, order, order_time = _mrn(message, segment), "", ""
            oru.patients.append((pid_position, mrn))
        elif name == "ORC":
            order = _get(message, segment, 3) or _get(message, segment, 2) or order
        elif name == "OBR":
            order = _get(message, segment, 3) or _get(message, segment, 2) or order
            order_time = _get(message, segment, 7)
        elif name == "OBX":
            obx_position += 1
            if obx_position > HL7_MAX_RESULTS:
                raise MessageRejected(f"the message has more than {HL7_MAX_RESULTS} results (OBX)", "207", header)
            if not pid_position:
                raise MessageRejected("an OBX segment comes before any PID segment", "100", header)
            oru.results.append(_result(message, segment, obx_position, mrn, pid_position, order, order_time))
    if not oru.patients:
        raise MessageRejected("the message has no PID segment", "100", header)
    return oru


def _result(message, obx, position, mrn, pid_position, order, order_time) -> Result:
    def g(index, comp=1, rep=1):
        return _get(message, obx, index, rep, comp)

    value_type = g(2).upper()
    comparator, value = "", g(5)
    if value_type == "SN":  # structured numeric: comparator^number (e.g. <^5 or ^10.4)
        comparator, value = g(5, 1), g(5, 2)
    flags = tuple(g(8, rep=r).upper() for r in range(1, _repetitions(obx, 8) + 1) if g(8, rep=r))
    return Result(
        position=position, set_id=g(1), mrn=mrn, pid_position=pid_position, order_number=order,
        value_type=value_type, code=g(3, 1), code_text=g(3, 2), code_system=g(3, 3).upper(), alt_code=g(3, 4),
        alt_system=g(3, 6).upper(), sub_id=g(4), value=value, comparator=comparator,
        unit=g(6, 1) or g(6, 2), abnormal_flags=flags, status=(g(11) or "F").upper(),
        observed_at=g(14) or order_time,
    )


_TS = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,4}))?([+-]\d{4})?$")


def parse_timestamp(raw: str, zone: ZoneInfo) -> datetime:
    """An HL7 DTM/TS (YYYYMMDD[HHMM[SS[.S]]][+/-ZZZZ]) as an aware instant; without an offset it is
    the clinic's local time. ValueError when it is not one."""
    match = _TS.match((raw or "").strip().split("^")[0])
    if not match or match.group(3) is None:
        raise ValueError(f"{raw!r} is not an HL7 date-time (YYYYMMDDHHMM[SS][+ZZZZ])")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0").ljust(6, "0")[:6])
    naive = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro)
    if offset:
        sign = 1 if offset[0] == "+" else -1
        delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
        if delta >= timedelta(hours=24):
            raise ValueError(f"{raw!r} has an impossible offset")
        return naive.replace(tzinfo=timezone(sign * delta))
    return naive.replace(tzinfo=zone)


def parse_number(raw: str) -> Decimal:
    try:
        number = Decimal(raw.strip())
    except (InvalidOperation, AttributeError):
        raise ValueError(f"{raw!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{raw!r} is not a number")
    return number
