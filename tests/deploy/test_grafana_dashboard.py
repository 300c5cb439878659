"""The shipped Grafana dashboard queries only metrics that /metrics exports."""
import json
import re
import uuid
from pathlib import Path

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from apps.jobs.models import WorkerPresence
from apps.ledger.services import credits_charge
from apps.swap.models import FaceSwapJob

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "isamurai.json"


def _queried_metric_names() -> set[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert exprs, "the dashboard has no queries"
    return {name for expr in exprs for name in re.findall(r"\bisamurai_[a-z_]+", expr)}


@pytest.mark.django_db
def test_every_metric_the_dashboard_queries_is_exported(client, make_user, settings):
    settings.ISAMURAI_METRICS_TOKEN = "metrics-token-for-tests"
    user, _ = make_user(credits=20)
    FaceSwapJob.objects.create(user=user)
    credits_charge(user=user, amount=5, job_kind="faceswap", job_id=uuid.uuid4())
    client.get("/api/user-credits/")
    WorkerPresence.objects.create(name="gpu@a", queues="gpu", seen_at=timezone.now(),
                                  gpus=[{"index": 0, "utilization": 12.0, "memory_used_mb": 1.0}])
    exported = {
        sample.name
        for family in text_string_to_metric_families(_scrape(client))
        for sample in family.samples
    }
    exported |= {  # families with no sample yet still have a TYPE line
        line.split()[2] for line in _scrape(client).splitlines()
        if line.startswith("# TYPE ")
    }
    # A histogram with no observation yet has only its TYPE line: its series are still exported.
    exported |= {name + suffix for name in exported for suffix in ("_bucket", "_count", "_sum")}
    missing = _queried_metric_names() - exported
    assert not missing, f"the dashboard queries metrics /metrics does not export: {sorted(missing)}"
    for wanted in ("isamurai_jobs", "isamurai_queue_depth", "isamurai_queue_oldest_wait_seconds",
                   "isamurai_credits_charged_total", "isamurai_gpu_utilization", "isamurai_workers"):
        assert wanted in _queried_metric_names()


def _scrape(client) -> str:
    return client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-token-for-tests").content.decode()
