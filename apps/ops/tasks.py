import uuid

from celery import shared_task
from django.conf import settings

from apps.core.idempotency import idempotency_records_prune

from .retention import retention_sweep
from .webhooks import WEBHOOK_DELIVER_TASK, webhook_attempt


# Each attempt has its own wall-clock deadline (webhook_post); the time limits are the backstop
# (prefork pools), on the `webhooks` queue, so no receiver can hold the `fast` queue's workers.
@shared_task(name=WEBHOOK_DELIVER_TASK, bind=True, max_retries=None, ignore_result=True,
             soft_time_limit=settings.ISAMURAI_WEBHOOK_TIMEOUT_SECONDS + 15,
             time_limit=settings.ISAMURAI_WEBHOOK_TIMEOUT_SECONDS + 30)
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
