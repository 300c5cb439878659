"""Moving the Idempotency-Key records from ops to core (ops 0003, core 0001) changes Django's
state only: a record written before the move is read through the moved model, and the move can
be undone."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_THE_MOVE = [("ops", "0002_idempotency_lease_fingerprint"), ("core", None)]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def test_moving_the_idempotency_records_keeps_their_rows():
    executor = _migrate(BEFORE_THE_MOVE)
    moved_apps = {app for app, _ in BEFORE_THE_MOVE}
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in moved_apps]
    old = executor.loader.project_state([*others, BEFORE_THE_MOVE[0]]).apps
    user = old.get_model("accounts", "User").objects.create(username="before-the-move")
    old.get_model("ops", "IdempotencyRecord").objects.create(user_id=user.pk, key="k-1", method="POST",
                                                            path="/api/faceswap/", state="done", status_code=201)

    _migrate(executor.loader.graph.leaf_nodes())

    record = IdempotencyRecord.objects.get(user_id=user.pk, key="k-1")
    assert (record.path, record.status_code) == ("/api/faceswap/", 201)
    assert IdempotencyRecord._meta.db_table == "ops_idempotencyrecord"
