import uuid

from celery import shared_task
from django.conf import settings

from apps.core.idempotency import idempotency_records_prune

from .retention import retention_sweep
from .webhooks import WEBHOOK_DELIVER_TASK, webhook_attempt


@shared_task(name=WEBHOOK_DELIVER_TASK, bind=True, max_retries=None, ignore_result=True)
def webhook_deliver_task(self, delivery_id: str) -> None:
    if not webhook_attempt(delivery_id=uuid.UUID(delivery_id)):
        # Exponential backoff: base, 2x base, 4x base, ... until the attempts run out.
        countdown = settings.ISAMURAI_WEBHOOK_BACKOFF_SECONDS * 2 ** (self.request.retries)
        raise self.retry(countdown=countdown)


@shared_task(name="ops.prune", ignore_result=True)
def ops_prune_task() -> int:
    return idempotency_records_prune()


@shared_task(name="retention.sweep", ignore_result=True)
def retention_sweep_task() -> dict[str, int]:
    return retention_sweep()
