from interop.models import ImportKind

from ._import import ImportCommand


class Command(ImportCommand):
    help = "Import lab results from a CSV file (whole file or nothing); see docs/csv-import.md for the columns."
    kind = ImportKind.LABS
