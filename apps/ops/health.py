"""What /api/health/ checks: the database, the broker, the model files, and live workers."""
import logging
from dataclasses import dataclass, field

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from kombu import Connection

from workers.model_zoo.manifest import ModelManifest

logger = logging.getLogger(__name__)


@dataclass
class HealthReport:
    database: bool = False
    broker: bool = False
    workers: int = 0
    models: dict[str, bool] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        """Serving requires the database and the broker; missing models and idle workers degrade."""
        return self.database and self.broker

    def as_dict(self) -> dict:
        status = "ok" if self.healthy and self.workers and all(self.models.values()) else (
            "degraded" if self.healthy else "unavailable")
        return {"status": status, "database": self.database, "broker": self.broker, "workers": self.workers,
                "models": self.models}

    def summary(self) -> dict:
        """What anyone may see: the status and its parts, not which models are installed."""
        body = self.as_dict()
        del body["models"]
        return body


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception as exc:
        logger.warning("health: database check failed: %s", exc)
        return False


def _broker_ok() -> bool:
    try:
        with Connection(settings.CELERY_BROKER_URL,
                        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception as exc:
        logger.warning("health: broker check failed: %s", exc)
        return False


def _workers_answering(timeout: float) -> int:
    try:
        return len(current_app.control.ping(timeout=timeout) or [])
    except Exception as exc:
        logger.warning("health: worker ping failed: %s", exc)
        return 0


def health_check(*, ping_workers: bool = True) -> HealthReport:
    report = HealthReport(database=_database_ok(), broker=_broker_ok())
    manifest = ModelManifest.load()
    report.models = {entry.name: entry.path_in(settings.ISAMURAI_MODELS_DIR).is_file() for entry in manifest.entries}
    if report.broker and ping_workers:
        report.workers = _workers_answering(settings.ISAMURAI_HEALTH_PING_SECONDS)
    return report


_CACHE_KEY = "ops:health:summary"
_LOCK_KEY = "ops:health:refreshing"


def health_summary_cached() -> dict:
    """The anonymous answer: a full check (workers pinged) at most once per
    ISAMURAI_HEALTH_CACHE_SECONDS for every process sharing the cache. While one request
    refreshes it, the others answer without a ping rather than ping the workers too."""
    summary = cache.get(_CACHE_KEY)
    if summary is not None:
        return summary
    refreshing = cache.add(_LOCK_KEY, 1, timeout=max(5.0, settings.ISAMURAI_HEALTH_PING_SECONDS * 3))
    summary = health_check(ping_workers=refreshing).summary()
    if refreshing:
        cache.set(_CACHE_KEY, summary, timeout=settings.ISAMURAI_HEALTH_CACHE_SECONDS)
        cache.delete(_LOCK_KEY)
    return summary
