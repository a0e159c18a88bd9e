from django.db import transaction

from .builtin import builtin_definitions
from .engine import ProtocolDefinition
from .models import Protocol, ProtocolVersion


@transaction.atomic
def protocol_save(*, definition: dict, clinic=None) -> tuple[ProtocolVersion, bool]:
    """Store a definition as the protocol's current version.

    The same definition again changes nothing; a changed one becomes a new version, and
    enrollments stay on the version they started with. Raises DefinitionError when invalid.
    """
    parsed = ProtocolDefinition.parse(definition)
    protocol, _ = Protocol.objects.select_for_update().get_or_create(
        clinic=clinic, slug=parsed.slug, defaults={"name": parsed.name, "description": parsed.description}
    )
    current = protocol.current_version
    if current is not None and current.definition == definition:
        return current, False
    version = ProtocolVersion.objects.create(
        protocol=protocol, version=(current.version + 1) if current else 1, definition=definition
    )
    protocol.current_version = version
    protocol.name = parsed.name
    protocol.description = parsed.description
    protocol.save(update_fields=["current_version", "name", "description"])
    return version, True


def builtin_protocols_load() -> list[tuple[ProtocolVersion, bool]]:
    """Load (or update) the shipped protocols; safe to run any number of times."""
    return [protocol_save(definition=definition) for definition in builtin_definitions()]
