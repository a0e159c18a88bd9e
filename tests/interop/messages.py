"""Sentences for HL7 v2 tests: an ORU^R01 message as a laboratory would send it."""

from itertools import count

_ids = count(1)


def obx(code: str, value, unit: str, *, system: str = "LN", status: str = "F", flags: str = "", sub_id: str = "",
        when: str = "20260105090000+0000", set_id: int = 1, value_type: str = "NM") -> str:
    return (f"OBX|{set_id}|{value_type}|{code}^^{system}|{sub_id}|{value}|{unit}^^UCUM||{flags}|||{status}|||{when}")


def oru(mrn: str, *results: str, control_id: str | None = None, version: str = "2.5.1", order: str = "ACC1",
        sender: str = "LAB|CITYLAB") -> str:
    control_id = control_id or f"MSG{next(_ids):06d}"
    segments = [
        f"MSH|^~\\&|{sender}|SCHEDULER|RIVERSIDE|20260105100000+0000||ORU^R01^ORU_R01|{control_id}|P|{version}",
        f"PID|1||{mrn}^^^RIV^MR||Jones^Pat||19600517|F",
        f"OBR|1|PL-{order}|{order}|CBC^Full blood count^L|||20260105090000+0000",
        *results,
    ]
    return "\r".join(segments) + "\r"


def ack_fields(ack: str) -> dict:
    """MSA-1, MSA-2, MSA-3 and the ERR segments of an ACK."""
    segments = [s for s in ack.replace("\n", "\r").split("\r") if s]
    msa = next(s for s in segments if s.startswith("MSA|")).split("|")
    return {"code": msa[1], "control_id": msa[2], "text": msa[3] if len(msa) > 3 else "",
            "errors": [s for s in segments if s.startswith("ERR|")], "msh": segments[0]}
