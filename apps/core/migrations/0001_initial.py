# The Idempotency-Key records move from ops to core: Django's state only, the table stays
# ops_idempotencyrecord (its indexes and constraint keep their names).

import django.core.serializers.json
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("ops", "0002_idempotency_lease_fingerprint"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyRecord",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("key", models.CharField(max_length=255)),
                        ("method", models.CharField(max_length=8)),
                        ("path", models.CharField(max_length=255)),
                        ("state", models.CharField(choices=[("processing", "Processing"), ("done", "Done")],
                                                   default="processing", max_length=16)),
                        ("status_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("response_body", models.JSONField(
                            blank=True, encoder=django.core.serializers.json.DjangoJSONEncoder, null=True)),
                        ("request_fingerprint", models.JSONField(blank=True, default=dict)),
                        ("lease_expires_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                   to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "ops_idempotencyrecord",
                        "constraints": [models.UniqueConstraint(fields=("user", "key"),
                                                                name="one_record_per_idempotency_key")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
