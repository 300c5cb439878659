"""The fair queue's order, positions and ETAs, its admin page and its metrics, on the real
database (no worker: the jobs stay Queued)."""
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from apps.accounts.models import Plan
from apps.jobs.models import Job, JobStatus, WorkerPresence
from apps.jobs.queue import QueueSnapshot
from apps.jobs.services import job_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def priorities(settings):
    """Plans "paid" (priority 10) and "free" (0, the default plan); 3 s per second of media before
    any job finished."""
    Plan.objects.create(name="paid", queue_priority=10)
    Plan.objects.create(name="free", queue_priority=0, is_default=True)
    settings.ISAMURAI_ETA_SECONDS_PER_MEDIA_SECOND = 3.0


def _queue(make_job, clip, user, **fields) -> Job:
    return job_queue(job=make_job(user, clip, **fields), price=1)


def test_start_order_is_priority_then_round_robin(priorities, make_user, make_job, clip):
    alice, _ = make_user("alice", credits=10, plan="free")
    bob, _ = make_user("bob", credits=10)  # no plan: the default plan's priority
    carol, _ = make_user("carol", credits=10, plan="paid")
    a = [_queue(make_job, clip, alice, duration_seconds=4) for _ in range(3)]
    b = _queue(make_job, clip, bob, duration_seconds=4)
    c = _queue(make_job, clip, carol, duration_seconds=4)
    snapshot = QueueSnapshot()
    assert [w.id for w in snapshot.waiting] == [c.id, a[0].id, b.id, a[1].id, a[2].id]
    assert [w.position for w in snapshot.waiting] == [1, 2, 3, 4, 5]
    assert [w.priority for w in snapshot.waiting] == [10, 0, 0, 0, 0]
    assert [w.round for w in snapshot.waiting] == [0, 0, 0, 1, 2]
    # No worker is up (scaled to zero): ETAs still come, from the default rate over one worker.
    assert snapshot.gpu_workers == 0
    assert [w.eta_seconds for w in snapshot.waiting] == [12, 24, 36, 48, 60]


def test_eta_learns_from_done_jobs_and_divides_by_live_workers(priorities, make_user, make_job, clip):
    user, _ = make_user(credits=50)
    now = timezone.now()
    for _ in range(3):  # faceswap at this quality took 5 s per second of media
        Job.objects.filter(pk=make_job(user, clip, duration_seconds=2).pk).update(
            status=JobStatus.DONE, work_seconds=2, work_quality="high", progress_percentage=100,
            started_at=now - timedelta(seconds=10), finished_at=now)
    other, _ = make_user(credits=10)
    third, _ = make_user(credits=10)
    first = _queue(make_job, clip, other, duration_seconds=6, gquality="high")
    second = _queue(make_job, clip, third, duration_seconds=6, gquality="high")
    assert QueueSnapshot().get(first.id).eta_seconds == 30 and QueueSnapshot().get(second.id).eta_seconds == 60
    for name in ("gpu-1", "gpu-2"):
        WorkerPresence.objects.create(name=name, queues="gpu", seen_at=now)
    WorkerPresence.objects.create(name="gone", queues="gpu", seen_at=now - timedelta(hours=1))
    snapshot = QueueSnapshot()
    assert snapshot.gpu_workers == 2
    assert snapshot.get(second.id).eta_seconds == 30 / 2 + 30


def test_admin_queue_page_lists_waiting_jobs_in_start_order(priorities, client, make_user, make_job, clip):
    free, _ = make_user("freddie", credits=10, plan="free")
    paid, _ = make_user("petra", credits=10, plan="paid")
    later = _queue(make_job, clip, free)
    first = _queue(make_job, clip, paid)
    staff = get_user_model().objects.create_superuser("root", "root@example.com", "pw-for-tests-only")
    client.force_login(staff)
    page = client.get("/admin/jobs/job/queue/")
    assert page.status_code == 200
    html = page.content.decode()
    rows = re.findall(r"<tr><td>(\d+)</td><td>(-?\d+)</td><td>\d+</td><td>(\w+)</td>\s*<td>(\w+)</td>", html)
    assert rows == [("1", "10", "petra", "faceswap"), ("2", "0", "freddie", "faceswap")]
    assert html.index(str(first.id)) < html.index(str(later.id))
    client.logout()
    assert client.get("/admin/jobs/job/queue/").status_code == 302  # to the sign-in


def test_metrics_export_queue_depth_oldest_wait_workers_and_gpus(priorities, client, make_user, make_job, clip,
                                                                 settings):
    settings.ISAMURAI_METRICS_TOKEN = "metrics-token-for-tests"
    free, _ = make_user(credits=10, plan="free")
    paid, _ = make_user(credits=10, plan="paid")
    _queue(make_job, clip, free)
    _queue(make_job, clip, free)
    _queue(make_job, clip, paid)
    Job.objects.filter(user=free).update(queued_at=timezone.now() - timedelta(seconds=120))
    now = timezone.now()
    WorkerPresence.objects.create(name="gpu@a", queues="gpu", seen_at=now,
                                  gpus=[{"index": 0, "utilization": 55.0, "memory_used_mb": 100.0}])
    WorkerPresence.objects.create(name="fast@b", queues="fast", seen_at=now)
    WorkerPresence.objects.create(name="gpu@gone", queues="gpu", seen_at=now - timedelta(hours=1),
                                  gpus=[{"index": 0, "utilization": 99.0, "memory_used_mb": 1.0}])
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(_scrape(client))
        for s in family.samples
    }
    assert samples[("isamurai_queue_depth", (("priority", "0"), ("queue", "gpu")))] == 2
    assert samples[("isamurai_queue_depth", (("priority", "10"), ("queue", "gpu")))] == 1
    assert samples[("isamurai_queue_oldest_wait_seconds", (("priority", "0"), ("queue", "gpu")))] >= 120
    assert samples[("isamurai_queue_oldest_wait_seconds", (("priority", "10"), ("queue", "gpu")))] < 60
    assert samples[("isamurai_workers", (("queue", "gpu"),))] == 1
    assert samples[("isamurai_workers", (("queue", "fast"),))] == 1
    assert samples[("isamurai_gpu_utilization", (("gpu", "0"), ("worker", "gpu@a")))] == 55.0
    assert not any(name == "isamurai_gpu_utilization" and dict(labels)["worker"] == "gpu@gone"
                   for name, labels in samples)


def test_submit_answer_carries_queue_position_and_eta(priorities, make_user, make_job, clip, testdata):
    other, _ = make_user(credits=10)
    ahead = _queue(make_job, clip, other, duration_seconds=3)
    user, key = make_user(credits=100, plan="free")
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    with open(testdata / "videos" / "liveportrait_d0.mp4", "rb") as video:
        project = client.post("/api/slowmotion/", {"source_video": video, "slowdown_factor": "2",
                                                   "quality": "480p", "mode": "fps"}).json()["slowmotion"]
    assert project["status"] == "Draft" and project["queue_position"] is None and project["eta_seconds"] is None
    answer = client.post("/api/faceswap/slowmotion/process/", {"project_id": project["id"]},
                         content_type="application/json").json()["slowmotion"]
    assert answer["status"] == "Queued" and answer["queue_position"] == 2
    job = Job.objects.get(pk=project["id"])
    assert job.work_seconds and job.work_quality == "480p"
    assert answer["eta_seconds"] == QueueSnapshot().get(job.id).eta_seconds > QueueSnapshot().get(ahead.id).eta_seconds


def test_users_without_a_plan_get_the_default_plans_priority(priorities, make_user, make_job, clip):
    Plan.objects.filter(name="free").update(is_default=False)
    Plan.objects.create(name="standard", queue_priority=5, is_default=True)
    planless, _ = make_user(credits=10)
    planless.plan = None  # e.g. made before plans existed
    planless.save(update_fields=["plan"])
    assert _queue(make_job, clip, planless).queue_priority == 5
    Plan.objects.filter(name="standard").update(is_default=False)
    assert _queue(make_job, clip, planless).queue_priority == 0  # no default plan at all


def _scrape(client) -> str:
    return client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-token-for-tests").content.decode()
