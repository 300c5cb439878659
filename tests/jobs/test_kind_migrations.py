"""Moving the kinds' models from the jobs app to their own apps (jobs 0005, swap 0002,
slowmotion 0001) changes Django's state only: existing rows stay readable through the moved
models, the admin's content types follow, and the move can be undone."""
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.jobs.selectors import job_concrete_get
from apps.slowmotion.models import SlowMotionJob
from apps.swap.models import FaceSwapJob

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_THE_MOVE = [("jobs", "0004_option_choices"), ("swap", "0001_initial"), ("slowmotion", None)]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def _kind_content_types() -> list[tuple[str, str]]:
    return sorted(ContentType.objects.filter(model__in=["faceswapjob", "slowmotionjob"])
                  .values_list("app_label", "model"))


def test_moving_the_kinds_keeps_their_rows_and_content_types():
    ContentType.objects.get_for_model(FaceSwapJob), ContentType.objects.get_for_model(SlowMotionJob)
    executor = _migrate(BEFORE_THE_MOVE)
    assert _kind_content_types() == [("jobs", "faceswapjob"), ("jobs", "slowmotionjob")]
    moved_apps = {app for app, _ in BEFORE_THE_MOVE}
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in moved_apps]
    old = executor.loader.project_state([*others, *BEFORE_THE_MOVE[:2]]).apps
    user = old.get_model("accounts", "User").objects.create(username="before-the-move")
    swap_id = old.get_model("jobs", "FaceSwapJob").objects.create(
        user=user, kind="faceswap", gquality="480p", multi=True, name="old swap").pk
    slowmotion_id = old.get_model("jobs", "SlowMotionJob").objects.create(
        user=user, kind="slowmotion", slowdown_factor=4, mode="fps").pk

    _migrate(executor.loader.graph.leaf_nodes())

    assert _kind_content_types() == [("slowmotion", "slowmotionjob"), ("swap", "faceswapjob")]
    swap, slowmotion = job_concrete_get(job_id=swap_id), job_concrete_get(job_id=slowmotion_id)
    assert isinstance(swap, FaceSwapJob) and (swap.name, swap.gquality, swap.is_multi()) == ("old swap", "480p", True)
    assert isinstance(slowmotion, SlowMotionJob) and (slowmotion.slowdown_factor, slowmotion.mode) == (4, "fps")
    assert FaceSwapJob._meta.db_table == "jobs_faceswapjob" and SlowMotionJob._meta.db_table == "jobs_slowmotionjob"
