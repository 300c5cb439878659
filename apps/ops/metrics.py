"""Prometheus metrics. Request counts come from this process; job, queue and credit figures are
read from the database (and broker) at scrape time, so every web process reports the same truth
however many processes and workers there are."""
import time
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from apps.jobs.models import Job, JobStatus, WorkerPresence
from apps.jobs.queue import workers_live_count
from apps.ledger.models import LedgerEntry

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "isamurai_http_requests_total", "API requests answered by this process", ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "isamurai_http_request_seconds", "API request latency in this process", ["route"], registry=REGISTRY,
)

_DURATION_BUCKETS = (5, 15, 30, 60, 120, 300, 600, 1200, 3600, float("inf"))


class DatabaseCollector(Collector):
    def describe(self):
        return []  # nothing is read at registration (import time): the database may not exist yet

    def collect(self):
        jobs = GaugeMetricFamily("isamurai_jobs", "Jobs by kind and status", labels=["kind", "status"])
        for row in Job.objects.values("kind", "status").annotate(n=Count("id")):
            jobs.add_metric([row["kind"], row["status"]], row["n"])
        yield jobs

        queued = GaugeMetricFamily("isamurai_jobs_waiting", "Queued jobs not yet started")
        queued.add_metric([], Job.objects.filter(status=JobStatus.QUEUED).count())
        yield queued

        charged = GaugeMetricFamily("isamurai_credits_charged_total", "Credits charged, net of refunds")
        totals = LedgerEntry.objects.values("kind").annotate(total=Sum("delta"))
        by_kind = {row["kind"]: row["total"] or 0 for row in totals}
        charged.add_metric([], -(by_kind.get("charge", 0)) - by_kind.get("refund", 0))
        yield charged

        durations = HistogramMetricFamily("isamurai_job_duration_seconds", "Processing time of finished jobs",
                                          labels=["kind"])
        # One aggregate query: the database counts each bucket, no finished job is loaded.
        took = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
        bucket_counts = {
            f"le_{index}": Count("id", filter=Q(took__lte=timedelta(seconds=bound)))
            for index, bound in enumerate(_DURATION_BUCKETS) if bound != float("inf")
        }
        rows = (Job.objects.filter(status=JobStatus.DONE, started_at__isnull=False, finished_at__isnull=False)
                .annotate(took=took).values("kind").order_by("kind")
                .annotate(total=Count("id"), took_sum=Sum("took"), **bucket_counts))
        for row in rows:
            buckets = [("+Inf" if bound == float("inf") else str(bound),
                        row["total"] if bound == float("inf") else row[f"le_{index}"])
                       for index, bound in enumerate(_DURATION_BUCKETS)]
            took_sum = row["took_sum"]
            durations.add_metric([row["kind"]], buckets, sum_value=took_sum.total_seconds() if took_sum else 0.0)
        yield durations

        yield from _queue_by_priority()
        yield from _workers()
        yield from _broker_queue_lengths()


def _queue_by_priority():
    """Waiting jobs (all on the `gpu` queue) per plan priority, and how long the oldest has waited:
    the signals to add GPU hosts on."""
    depth = GaugeMetricFamily("isamurai_queue_depth", "Jobs waiting to start", labels=["queue", "priority"])
    oldest = GaugeMetricFamily("isamurai_queue_oldest_wait_seconds", "How long the oldest waiting job has waited",
                               labels=["queue", "priority"])
    now = timezone.now()
    rows = (Job.objects.filter(status=JobStatus.QUEUED).values("queue_priority")
            .annotate(n=Count("id"), since=Min("queued_at")).order_by("queue_priority"))
    for row in rows:
        labels = ["gpu", str(row["queue_priority"])]
        depth.add_metric(labels, row["n"])
        oldest.add_metric(labels, max(0.0, (now - row["since"]).total_seconds()) if row["since"] else 0.0)
    yield depth
    yield oldest


def _workers():
    """Live workers per queue and their GPUs' utilisation, from the presence rows the workers
    write every ISAMURAI_WORKER_BEAT_SECONDS (one query, not a broadcast to every worker)."""
    now = timezone.now()
    workers = GaugeMetricFamily("isamurai_workers", "Workers up, by queue they consume", labels=["queue"])
    for queue in ("gpu", "fast"):
        workers.add_metric([queue], workers_live_count(queue=queue, now=now))
    yield workers
    utilization = GaugeMetricFamily("isamurai_gpu_utilization", "GPU utilisation in percent, by worker and GPU",
                                    labels=["worker", "gpu"])
    live = WorkerPresence.objects.filter(seen_at__gte=now - timedelta(
        seconds=3 * settings.ISAMURAI_WORKER_BEAT_SECONDS))
    for name, gpus in live.values_list("name", "gpus"):
        for gpu in gpus or []:
            utilization.add_metric([name, str(gpu.get("index", 0))], float(gpu.get("utilization", 0.0)))
    yield utilization


def _broker_queue_lengths():
    lengths = GaugeMetricFamily("isamurai_broker_queue_length", "Messages waiting in a broker queue",
                                labels=["queue"])
    try:
        with current_app.connection_for_read() as conn:
            for queue in ("gpu", "fast"):
                _, count, _ = conn.default_channel.queue_declare(queue=queue, passive=True)
                lengths.add_metric([queue], count)
    except Exception:  # an unreachable broker shows up in /api/health/; metrics stay scrapeable
        pass
    yield lengths


REGISTRY.register(DatabaseCollector())


class RequestMetricsMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if request.path_info.startswith("/api/"):
            match = getattr(request, "resolver_match", None)
            route = match.route if match and match.route else "unmatched"
            HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
            HTTP_LATENCY.labels(route).observe(time.perf_counter() - started)
        return response
