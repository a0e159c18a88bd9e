"""Bounds on everything that comes in from another system (named constants, one place)."""

#: HL7 v2: the largest message accepted (bytes) and the most results (OBX) in one message.
HL7_MAX_MESSAGE_BYTES = 1_000_000
HL7_MAX_RESULTS = 200
HL7_MAX_SEGMENTS = 1_000

#: FHIR: the largest request body (bytes), the most entries in a Bundle and the deepest JSON nesting.
FHIR_MAX_BODY_BYTES = 10_000_000
FHIR_MAX_ENTRIES = 1_000
FHIR_MAX_DEPTH = 32
#: FHIR searchsets: entries per page unless `_count` asks for fewer (or more, up to the maximum).
FHIR_PAGE_SIZE = 50
FHIR_MAX_PAGE_SIZE = 200

#: CSV imports: the largest file (bytes), rows, columns and characters in one cell.
CSV_MAX_BYTES = 5_000_000
CSV_MAX_ROWS = 10_000
CSV_MAX_COLUMNS = 30
CSV_MAX_CELL = 500

#: The longest external identifier kept (FHIR identifier, HL7 order number and OBX keys, CSV accession).
MAX_IDENTIFIER = 255
