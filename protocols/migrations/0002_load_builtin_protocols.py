"""Ship the built-in protocols as data. Later changes to their JSON become new versions via
`manage.py load_protocols` (idempotent), which the setup script runs on every start."""

from django.db import migrations


def load(apps, schema_editor):
    from protocols.builtin import builtin_definitions
    from protocols.engine import ProtocolDefinition

    Protocol = apps.get_model("protocols", "Protocol")
    ProtocolVersion = apps.get_model("protocols", "ProtocolVersion")
    for definition in builtin_definitions():
        parsed = ProtocolDefinition.parse(definition)
        protocol, _ = Protocol.objects.get_or_create(
            clinic=None, slug=parsed.slug, defaults={"name": parsed.name, "description": parsed.description}
        )
        if protocol.current_version_id is None:
            version = ProtocolVersion.objects.create(protocol=protocol, version=1, definition=definition)
            protocol.current_version = version
            protocol.save(update_fields=["current_version"])


class Migration(migrations.Migration):
    dependencies = [("protocols", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
