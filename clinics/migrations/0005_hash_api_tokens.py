"""API tokens were stored in plain text (rest_framework.authtoken). Each becomes a hashed token that keeps
working, with the usual expiry from now; the plain-text table is emptied."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

PLAIN_TABLE = "authtoken_token"


def hash_plain_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    connection = schema_editor.connection
    if PLAIN_TABLE not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    expiry = timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {PLAIN_TABLE}")  # noqa: S608  (a constant table name)
        rows = cursor.fetchall()
        for key, user_id in rows:
            AuthToken.objects.create(digest=hash_token(key), token_key=key[:CONSTANTS.TOKEN_KEY_LENGTH],
                                     user_id=user_id, expiry=expiry)
        cursor.execute(f"DELETE FROM {PLAIN_TABLE}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0004_clinic_require_admin_two_factor"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(hash_plain_tokens, migrations.RunPython.noop)]
