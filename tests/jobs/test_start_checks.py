"""What the engine checks whenever a job starts, whichever door the start comes through (the API's
submit or process call, the console's start button): the owner's plan limits (403) and every
model the job's options declare (503 naming it), both before any charge (apps.jobs.services.
job_start_check). The models are asked of a real fast worker whose models folder holds none of
the optional weights."""
import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Plan
from apps.accounts.services import plan_save
from apps.core.exceptions import ApplicationError
from apps.jobs.kinds import all_kinds
from apps.jobs.models import JobStatus
from apps.jobs.services import job_start
from apps.ledger.selectors import credit_balance_get
from apps.slowmotion.models import SlowMotionJob
from tests.jobs.conftest import clip, make_job  # noqa: F401  (fixtures)
from tests.toykind.models import ToyJob
from tests.worker_process import WorkerPool, broker_purge
from workers.choices import EnhanceModel, Interpolator, SwapModel
from workers.errors import ErrorCategory
from workers.options import OptionsSchema, option_fields, options_parse, required_models
from workers.pipelines.options import faceswap_options_schema

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def bare_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A fast worker with no model installed: every optional model is "removed"."""
    with django_db_blocker.unblock():
        broker_purge()
    pool = WorkerPool({"ISAMURAI_MODELS_DIR": str(tmp_path_factory.mktemp("no_models"))})
    yield pool(concurrency=1)
    pool.stop_all()


def _schemas() -> list[type[OptionsSchema]]:
    """Every registered kind's options schema, the face swap's with every processor's fields."""
    found = {faceswap_options_schema()}
    found.update(spec.options for spec in all_kinds()
                 if isinstance(spec.options, type) and issubclass(spec.options, OptionsSchema))
    return sorted(found, key=lambda schema: schema.__name__)


def _values_needing_models() -> list[tuple[type[OptionsSchema], str, object, tuple[str, ...]]]:
    return [(schema, spec.name, value, models) for schema in _schemas()
            for spec in option_fields(schema, public_only=False)
            for value, models in spec.option.models.items() if models]


def test_the_option_values_that_need_models_are_found():
    found = {(name, value) for _, name, value, _ in _values_needing_models()}
    assert {("enhance_model", EnhanceModel.CODEFORMER), ("swap_model", SwapModel.GHOST_2_256),
            ("interpolator", Interpolator.RIFE)} <= found, found


def test_every_option_value_that_needs_a_model_is_503_naming_it_before_any_charge(
        bare_worker, make_user, monkeypatch):
    """Generic over every schema: a Draft whose options hold the value starts through the engine's
    real start (job_start), the fast worker lacks the model, so the answer is a 503 naming the
    model and its install command; the Draft stays a Draft and nothing is charged."""
    user, _ = make_user(credits=100)
    cases = _values_needing_models()
    assert cases
    answered: set[str] = set()
    for schema, name, value, models in cases:
        spec = next(spec for spec in option_fields(schema, public_only=False) if spec.name == name)
        chosen = {name: (value,) if spec.many else value}
        if spec.option.when:  # enhance_model's models count with enhance on
            chosen[spec.option.when] = True
        options = options_parse(schema, chosen)
        needed = required_models(options)
        # the value's models are checked, after the defaults' (the swapper) when they are missing too
        assert set(models) <= set(needed), (schema.__name__, name, value, needed)
        # The worker names the first missing model: with none installed, values whose lists start
        # alike get the same answer, so one round trip per first model (the embedded broker is slow)
        if needed[0] in answered:
            continue
        answered.add(needed[0])
        monkeypatch.setattr(ToyJob, "pipeline_options", lambda self, options=options: options)
        draft = ToyJob.objects.create(user=user, word="red")
        with pytest.raises(ApplicationError) as refused:
            job_start(user=user, job_id=draft.id)
        assert refused.value.category == ErrorCategory.UNAVAILABLE, (schema.__name__, name, value)
        assert needed[0] in refused.value.user_message, (schema.__name__, name, value, refused.value.user_message)
        assert f"download_models --only {needed[0]}" in refused.value.user_message
        draft.refresh_from_db()
        assert draft.status == JobStatus.DRAFT and draft.credits_charged == 0
        assert credit_balance_get(user=user) == 100
    assert len(answered) >= 2, answered  # the swap's swapper and slow motion's RIFE at least


def test_slow_motion_with_rife_and_no_rife_model_is_503_before_any_charge(bare_worker, make_user, settings):
    settings.ISAMURAI_INTERPOLATOR = "rife"
    user, key = make_user(credits=100)
    draft = SlowMotionJob.objects.create(user=user, inputs={"source": "uploads/none/source.mp4"}, slowdown_factor=2,
                                         quality="480p", mode="fps", duration_seconds=1.0)
    response = Client(HTTP_AUTHORIZATION=f"Api-Key {key}").post(
        "/api/faceswap/slowmotion/process/", {"project_id": str(draft.id)}, content_type="application/json")
    assert response.status_code == 503, response.json()
    assert "rife_4.9" in response.json()["error"] and "download_models --only rife_4.9" in response.json()["error"]
    draft.refresh_from_db()
    assert draft.status == JobStatus.DRAFT and credit_balance_get(user=user) == 100


def test_the_console_start_checks_the_plan_like_the_api(make_user, make_job, clip):  # noqa: F811
    """#21: a Draft saved under a plan that allowed it, started from the console after the plan
    changed, is refused with the plan's sentence (the engine's start check), nothing charged."""
    user, _ = make_user(credits=100)
    draft = make_job(user, clip, duration_seconds=2.0, gquality="480p")
    plan = plan_save(plan=Plan(name="Tiny clips", max_video_seconds=1))
    user.plan = plan
    user.save(update_fields=["plan"])
    client = Client()
    client.force_login(user)
    response = client.post(reverse("console:job-start", args=[draft.id]), follow=True)
    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert any("Tiny clips" in text and "seconds" in text for text in shown), shown
    draft.refresh_from_db()
    assert draft.status == JobStatus.DRAFT and credit_balance_get(user=user) == 100
