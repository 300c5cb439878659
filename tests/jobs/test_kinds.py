"""The job-kind registry: each product app registers its kind once, and the engine, webhooks and
console reach a kind's model, pipeline, price, label and job object only through it."""
import dataclasses

import pytest

from apps.jobs.kinds import job_kind_for_name, job_kind_get, job_kind_register, job_kinds
from apps.jobs.models import Job
from apps.jobs.selectors import job_concrete, jobs_list_for_user
from apps.slowmotion.models import SlowMotionJob
from apps.swap.models import FaceSwapJob
from workers.pipelines.context import pipeline_load


def test_each_product_kind_is_registered_once_with_a_loadable_pipeline():
    specs = {spec.kind: spec for spec in job_kinds()}
    assert {"faceswap", "slowmotion"} <= set(specs)  # (and the toy kind of tests/toykind)
    assert specs["faceswap"].model is FaceSwapJob and specs["slowmotion"].model is SlowMotionJob
    for spec in specs.values():
        assert issubclass(spec.model, Job) and spec.model.KIND == spec.kind and spec.label
        assert callable(pipeline_load(spec.pipeline))
    assert job_kind_for_name("multiswap") is specs["faceswap"] and job_kind_for_name("restore") is None
    with pytest.raises(LookupError, match="no job kind 'restore'"):
        job_kind_get("restore")


def test_a_second_spec_for_a_registered_kind_is_refused():
    spec = job_kind_get(FaceSwapJob.KIND)
    assert job_kind_register(spec) is spec  # the same registration again is harmless
    with pytest.raises(ValueError, match="already registered"):
        job_kind_register(dataclasses.replace(spec, label="Another face swap"))


@pytest.mark.django_db
def test_the_engine_finds_each_rows_kind_price_label_and_payload(make_user):
    user, _ = make_user()
    image = FaceSwapJob.objects.create(user=user, media_type="image", multi=True, name="duo")
    video = SlowMotionJob.objects.create(user=user, slowdown_factor=4, duration_seconds=3.1)
    assert (image.kind, video.kind) == ("faceswap", "slowmotion")  # filled from KIND, never by hand

    rows = {row.id: row for row in jobs_list_for_user(user=user)}
    concrete_image, concrete_video = job_concrete(rows[image.id]), job_concrete(rows[video.id])
    assert isinstance(concrete_image, FaceSwapJob) and isinstance(concrete_video, SlowMotionJob)

    swap, slowmotion = job_kind_get(image.kind), job_kind_get(video.kind)
    assert swap.price(concrete_image) == swap.prices["image"].credits() == 2
    assert slowmotion.price(concrete_video) == 10  # ceil(3.1 s x 3 credits per second at 4x)
    assert swap.display(concrete_image) == ("multiswap", "Multi swap")
    assert slowmotion.display(concrete_video) == ("slowmotion", "Slow motion")
    payload = swap.webhook_payload(concrete_image, event="job.done")
    assert payload["event"] == "job.done" and payload["type"] == "faceswap"
    assert payload["faceswap"]["name"] == "duo" and payload["faceswap"]["multi"] is True
