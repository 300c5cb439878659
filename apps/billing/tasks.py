from celery import shared_task

from .services import subscriptions_end_due


@shared_task(name="billing.subscriptions_end")
def subscriptions_end_task() -> int:
    """Cancelled subscriptions whose paid period is over: their users drop to the default plan."""
    return subscriptions_end_due()
