"""Lab test codes, LOINC codes, units, conversions and plausibility (PROTOCOLS.md section 3).

Pure Python. A result may arrive in any listed unit (or under the LOINC code of that unit); it is
stored as received and in the canonical unit. Unknown codes or units are refused, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

#: Stored values have at most 10 digits before the point (the column): no result comes near it.
MAX_VALUE = Decimal("1e10")


class LabInputError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LabTest:
    code: str
    loinc: str
    name: str
    unit: str
    #: Other accepted units: unit -> (factor to the canonical unit, LOINC code for that unit).
    alternatives: dict[str, tuple[Decimal, str]]
    low: Decimal  # values <= low (or < low when low_inclusive) are refused as implausible
    high: Decimal
    low_inclusive: bool = False
    #: Possible but far more likely a unit mistake (PROTOCOLS.md section 3, "values that need
    #: confirming"): filed only when the person filing them confirms. In the canonical unit.
    confirm_below: Decimal | None = None
    confirm_above: Decimal | None = None


def _d(value: str) -> Decimal:
    return Decimal(value)


TESTS: dict[str, LabTest] = {
    t.code: t
    for t in [
        LabTest("hb", "718-7", "Haemoglobin", "g/L",
                {"g/dL": (_d("10"), "718-7"), "mmol/L": (_d("16.11"), "59260-0")}, _d("0"), _d("250"),
                confirm_below=_d("30")),
        LabTest("mcv", "787-2", "Mean cell volume", "fL", {}, _d("0"), _d("200")),
        LabTest("ferritin", "2276-4", "Ferritin", "ug/L", {"ng/mL": (_d("1"), "2276-4")}, _d("0"), _d("100000"), True,
                confirm_above=_d("5000")),
        LabTest("b12", "2132-9", "Vitamin B12", "ng/L",
                {"pg/mL": (_d("1"), "2132-9"), "pmol/L": (_d("1.3554"), "14685-2")}, _d("0"), _d("100000"), True,
                confirm_above=_d("5000")),
        LabTest("folate", "2284-8", "Folate", "ug/L",
                {"ng/mL": (_d("1"), "2284-8"), "nmol/L": (_d("0.4413"), "2284-8")}, _d("0"), _d("1000"), True),
        LabTest("crp", "1988-5", "C-reactive protein", "mg/L", {}, _d("0"), _d("1000"), True),
        LabTest("retic", "17849-1", "Reticulocytes", "%", {}, _d("0"), _d("100"), True),
        LabTest("retic-abs", "60474-4", "Reticulocytes (absolute)", "10*9/L", {}, _d("0"), _d("2000"), True),
        LabTest("tsat", "2502-3", "Transferrin saturation", "%", {}, _d("0"), _d("100"), True),
        LabTest("potassium", "2823-3", "Potassium", "mmol/L", {}, _d("0.5"), _d("15")),
        LabTest("mma", "13964-2", "Methylmalonic acid", "nmol/L", {}, _d("0"), _d("100000"), True),
        LabTest("homocysteine", "13965-9", "Homocysteine", "umol/L", {}, _d("0"), _d("1000"), True),
    ]
}

#: LOINC codes that name a test in one particular unit.
_LOINC: dict[str, tuple[str, str | None]] = {t.loinc: (t.code, None) for t in TESTS.values()}
_LOINC.update({"59260-0": ("hb", "mmol/L"), "14685-2": ("b12", "pmol/L")})

_UNIT_SPELLINGS = {"10^9/l": "10*9/L", "x10^9/l": "10*9/L", "x10*9/l": "10*9/L", "10e9/l": "10*9/L", "µg/l": "ug/L",
                   "mcg/l": "ug/L", "µmol/l": "umol/L", "mcmol/l": "umol/L", "fl": "fL"}


def _canonical_unit_spelling(unit: str) -> str:
    return _UNIT_SPELLINGS.get(unit.strip().lower(), unit.strip())


@dataclass(frozen=True)
class NormalizedResult:
    code: str
    loinc: str  # the LOINC code of the result as received
    value: Decimal
    unit: str
    normalized_value: Decimal
    normalized_unit: str


def normalize(test: str, value, unit: str) -> NormalizedResult:
    """Resolve a test (code or LOINC) and unit; convert; check plausibility."""
    test = (test or "").strip()
    if test in TESTS:
        code, loinc_unit = test, None
    elif test in _LOINC:
        code, loinc_unit = _LOINC[test]
    else:
        raise LabInputError("test", f"unknown test {test!r}; use one of {', '.join(TESTS)} or its LOINC code")
    try:
        amount = Decimal(str(value))
    except Exception:
        raise LabInputError("value", f"{value!r} is not a number") from None
    if not amount.is_finite():
        raise LabInputError("value", "the value must be a finite number")
    if amount.copy_abs() >= MAX_VALUE:
        raise LabInputError("value", f"is out of range: a result is below {MAX_VALUE:,.0f} in any unit")
    unit = _canonical_unit_spelling(unit or "")
    if code == "retic" and unit == "10*9/L":
        code = "retic-abs"  # the absolute count is its own test (LOINC 60474-4)
    lab = TESTS[code]
    if loinc_unit and unit != loinc_unit:
        raise LabInputError("unit", f"LOINC {test} is reported in {loinc_unit}, not {unit!r}")
    units = {u.lower(): u for u in [lab.unit, *lab.alternatives]}
    matched = units.get(unit.lower())
    if matched is None:
        raise LabInputError("unit", f"unknown unit {unit!r} for {code}; accepted: {', '.join(units.values())}")
    factor, loinc = (Decimal(1), lab.loinc) if matched == lab.unit else lab.alternatives[matched]
    normalized = (amount * factor).quantize(Decimal("0.001"))
    too_low = normalized < lab.low if lab.low_inclusive else normalized <= lab.low
    if too_low or normalized > lab.high:
        bound = f"{'at least' if lab.low_inclusive else 'above'} {lab.low} and at most {lab.high} {lab.unit}"
        raise LabInputError("value", f"{code} {amount} {matched} is not plausible: it must be {bound}")
    return NormalizedResult(code, loinc, amount, matched, normalized, lab.unit)


@dataclass(frozen=True)
class UnusualValue:
    """Why a plausible value needs confirming, and the unit that was probably meant."""

    message: str
    suggested_unit: str | None = None


def _plain(number: Decimal) -> str:
    return f"{number.normalize():f}"


def unusual_value(result: NormalizedResult) -> UnusualValue | None:
    """None when the value is ordinary; otherwise what to ask the person filing it."""
    lab = TESTS[result.code]
    shown = f"{lab.name} {_plain(result.value)} {result.unit}"
    if result.unit != lab.unit:
        shown += f" ({_plain(result.normalized_value)} {lab.unit})"
    if lab.confirm_below is not None and result.normalized_value < lab.confirm_below:
        limit = f"{_plain(lab.confirm_below)} {lab.unit}"
        if result.code == "hb" and result.unit == "g/L":
            meant = _plain(result.value * 10)
            return UnusualValue(f"{shown} is below {limit}: did you mean {_plain(result.value)} g/dL ({meant} g/L)?",
                                "g/dL")
        return UnusualValue(f"{shown} is below {limit}: check the value and its unit")
    if lab.confirm_above is not None and result.normalized_value > lab.confirm_above:
        limit = f"{lab.confirm_above:,f} {lab.unit}"
        if result.code == "b12":
            return UnusualValue(f"{shown} is above {limit}: did you mean pg/mL or pmol/L? Check the value and its "
                                "unit")
        return UnusualValue(f"{shown} is above {limit}: check the value and its unit (ug/L and ng/mL are the same)")
    return None
