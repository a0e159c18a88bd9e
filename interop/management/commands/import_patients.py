from interop.models import ImportKind

from ._import import ImportCommand


class Command(ImportCommand):
    help = "Import patients from a CSV file (whole file or nothing); see docs/csv-import.md for the columns."
    kind = ImportKind.PATIENTS
