"""Health and metrics: what a load balancer and Prometheus see."""
import uuid

import pytest
from django.core.cache import cache

from apps.ledger.services import credits_charge, credits_refund
from apps.swap.models import FaceSwapJob
from workers.model_zoo.manifest import ModelManifest

pytestmark = pytest.mark.django_db


HEALTH_TOKEN = "health-token-for-tests"
METRICS_TOKEN = "metrics-token-for-tests"


@pytest.fixture(autouse=True)
def operator_tokens(settings):
    settings.ISAMURAI_HEALTH_TOKEN = HEALTH_TOKEN
    settings.ISAMURAI_METRICS_TOKEN = METRICS_TOKEN
    cache.clear()  # the anonymous health status is cached


def test_health_ok_without_a_key(client):
    response = client.get("/api/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] is True and body["broker"] is True
    assert body["status"] in ("ok", "degraded")
    assert "models" not in body  # the detailed check (with the token) says which models are installed


def test_detailed_health_with_the_token_lists_every_model(client):
    response = client.get("/api/health/", {"workers": "0"}, HTTP_AUTHORIZATION=f"Bearer {HEALTH_TOKEN}")
    assert response.status_code == 200
    body = response.json()
    assert set(body["models"]) == set(ModelManifest.load().names)  # every model of the manifest
    assert {"det_10g", "w600k_r50", "inswapper_128", "gfpgan_1.4", "rife_4.9", "nsfw_vit",
            "xseg_1", "bisenet_resnet_34"} <= set(body["models"])


def test_health_is_503_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/api/health/", {"workers": "0"}, HTTP_AUTHORIZATION=f"Bearer {HEALTH_TOKEN}")
    assert response.status_code == 503
    assert response.json()["broker"] is False and response.json()["status"] == "unavailable"
    cache.clear()
    anonymous = client.get("/api/health/")
    assert anonymous.status_code == 503 and anonymous.json()["status"] == "unavailable"


def test_metrics_report_jobs_and_credits(client, make_user):
    user, _ = make_user(credits=50)
    FaceSwapJob.objects.create(user=user)
    job_id = uuid.uuid4()
    credits_charge(user=user, amount=10, job_kind="faceswap", job_id=job_id)
    credits_refund(user=user, amount=5, job_kind="faceswap", job_id=job_id)
    client.get("/api/user-credits/")  # one unauthenticated API request, counted
    text = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}").content.decode()
    assert 'isamurai_jobs{kind="faceswap",status="Draft"} 1.0' in text
    assert "isamurai_credits_charged_total 5.0" in text
    assert 'isamurai_http_requests_total{method="GET",route="api/user-credits/?$",status="401"}' in text
    assert "isamurai_broker_queue_length" in text
