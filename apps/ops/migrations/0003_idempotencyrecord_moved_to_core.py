# The Idempotency-Key records now belong to core (core 0001): Django's state only, the table
# and its rows stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("ops", "0002_idempotency_lease_fingerprint"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyRecord")],
            database_operations=[],
        ),
    ]
