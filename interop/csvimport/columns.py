"""The documented columns of the two CSV imports (docs/csv-import.md lists them too)."""

from .reader import Column

PATIENT_COLUMNS = [
    Column("mrn", True, "the clinic's medical record number (unique in the clinic)"),
    Column("given_name", True, "given name"),
    Column("family_name", True, "family name"),
    Column("date_of_birth", True, "YYYY-MM-DD"),
    Column("sex", True, "female, male, other or unknown (or F, M, O, U)"),
    Column("phone", False, "as staff would type it; national numbers are read in the clinic's country"),
    Column("email", False, "email address"),
    Column("timezone", False, "IANA time zone, e.g. Europe/London (default: the clinic's)"),
    Column("preferred_dose_time", False, "HH:MM, the local time for oral doses (default 08:00)"),
    Column("reminders_opt_in", False, "yes or no (default yes)"),
    Column("pregnant", False, "yes or no (default no)"),
]

LAB_COLUMNS = [
    Column("mrn", True, "the patient's MRN in the clinic"),
    Column("test", True, "hb, ferritin, b12, ... or the LOINC code"),
    Column("value", True, "the number as reported"),
    Column("unit", True, "the unit as reported (g/dL, g/L, ug/L, ng/mL, pmol/L, ...)"),
    Column("collected_at", True, "YYYY-MM-DD HH:MM in the clinic's time zone, or ISO 8601 with an offset"),
    Column("accession", False, "the laboratory's id of the result: importing it again files nothing"),
    Column("confirm_unusual", False, "yes to file a value that needs confirming as it is (default no)"),
]
