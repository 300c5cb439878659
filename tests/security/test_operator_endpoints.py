"""Issue #20, item 7: /api/health/ costs an anonymous caller nothing (a cached status, no worker
ping per request; details need a token) and /metrics is for the operator's scraper only, read
with aggregate queries whatever the number of finished jobs."""
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.jobs.models import JobStatus
from apps.swap.models import FaceSwapJob

pytestmark = pytest.mark.django_db

HEALTH_TOKEN = "h-" + "x" * 30
METRICS_TOKEN = "m-" + "y" * 30


@pytest.fixture(autouse=True)
def tokens(settings):
    settings.ISAMURAI_HEALTH_TOKEN = HEALTH_TOKEN
    settings.ISAMURAI_METRICS_TOKEN = METRICS_TOKEN
    settings.ISAMURAI_METRICS_ALLOW = []
    settings.ISAMURAI_HEALTH_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def test_anonymous_health_is_answered_from_the_cache(client, settings):
    first = client.get("/api/health/")
    assert first.status_code == 200 and first.json()["broker"] is True
    # Were each anonymous request checked, this one would see the broker down (nothing on port 1).
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    for _ in range(5):
        again = client.get("/api/health/", {"workers": "1"})
        assert again.status_code == 200 and again.json() == first.json()
    fresh = client.get("/api/health/", HTTP_AUTHORIZATION=f"Bearer {HEALTH_TOKEN}")
    assert fresh.status_code == 503 and fresh.json()["broker"] is False  # the token gets a real check


def test_anonymous_health_hides_the_details(client):
    body = client.get("/api/health/").json()
    assert set(body) == {"status", "database", "broker", "workers"}
    detailed = client.get("/api/health/", {"workers": "0"}, HTTP_AUTHORIZATION=f"Bearer {HEALTH_TOKEN}").json()
    assert "models" in detailed


@pytest.mark.parametrize("header", ["Bearer wrong", "Bearer", f"Bearer {METRICS_TOKEN}", f"bearer {HEALTH_TOKEN}x"])
def test_detailed_health_needs_the_right_token(client, header):
    response = client.get("/api/health/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "ISAMURAI_HEALTH_TOKEN" in response.json()["error"] and "models" not in response.json()


@pytest.mark.parametrize("header", [f"Basic {HEALTH_TOKEN}", "Api-Key isk_whatever", f"Token {HEALTH_TOKEN}"])
def test_other_authorization_schemes_get_the_cached_status(client, header):
    response = client.get("/api/health/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 200 and set(response.json()) == {"status", "database", "broker", "workers"}


def test_no_health_token_configured_means_no_detailed_check(client, settings):
    settings.ISAMURAI_HEALTH_TOKEN = ""
    assert client.get("/api/health/", HTTP_AUTHORIZATION="Bearer ").status_code == 401
    assert client.get("/api/health/").status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Bearer {HEALTH_TOKEN}", f"Token {METRICS_TOKEN}"])
def test_metrics_refuse_without_the_token(client, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert "isamurai_" not in response.content.decode()


def test_metrics_with_the_token(client):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")
    assert response.status_code == 200 and "isamurai_jobs_waiting" in response.content.decode()


def test_metrics_nobody_when_neither_token_nor_allow_list(client, settings):
    settings.ISAMURAI_METRICS_TOKEN = ""
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 403 and "ISAMURAI_METRICS_ALLOW" in response.json()["error"]


@pytest.mark.parametrize("allow,address,allowed", [
    (["10.0.0.0/8"], "10.1.2.3", True),
    (["10.0.0.0/8"], "192.168.1.1", False),
    (["2001:db8::/32", "127.0.0.1"], "2001:db8::5", True),
    (["2001:db8::/32"], "::ffff:10.1.2.3", False),
    (["192.0.2.7"], "192.0.2.7", True),
])
def test_metrics_address_allow_list(client, settings, allow, address, allowed):
    settings.ISAMURAI_METRICS_TOKEN = ""
    settings.ISAMURAI_METRICS_ALLOW = allow
    response = client.get("/metrics", REMOTE_ADDR=address)
    assert (response.status_code == 200) is allowed


def _finished_jobs(make_user, count: int, seconds: float) -> None:
    user, _ = make_user()
    now = timezone.now()
    for _ in range(count):
        FaceSwapJob.objects.create(user=user, status=JobStatus.DONE, progress_percentage=100,
                                   started_at=now - timedelta(seconds=seconds), finished_at=now)


def test_metrics_histogram_is_aggregated_by_the_database(client, make_user):
    _finished_jobs(make_user, 3, 10)
    _finished_jobs(make_user, 2, 100)

    def scrape() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as queries:
            text = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}").content.decode()
        return text, len(queries)

    text, queries = scrape()
    assert 'isamurai_job_duration_seconds_bucket{kind="faceswap",le="5"} 0.0' in text
    assert 'isamurai_job_duration_seconds_bucket{kind="faceswap",le="15"} 3.0' in text
    assert 'isamurai_job_duration_seconds_bucket{kind="faceswap",le="120"} 5.0' in text
    assert 'isamurai_job_duration_seconds_bucket{kind="faceswap",le="+Inf"} 5.0' in text
    assert 'isamurai_job_duration_seconds_count{kind="faceswap"} 5.0' in text
    assert 'isamurai_job_duration_seconds_sum{kind="faceswap"} 230.0' in text
    _finished_jobs(make_user, 40, 30)
    text, more_queries = scrape()
    assert 'isamurai_job_duration_seconds_count{kind="faceswap"} 45.0' in text
    assert more_queries == queries  # the same queries for 45 jobs as for 5: no job is loaded
