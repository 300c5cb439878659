from django.db import transaction

from apps.accounts.models import User
from apps.jobs.services import job_queue
from apps.ops.webhooks import webhook_url_validate

from .models import ToyJob
from .pricing import toy_price


def toy_job_create(*, user: User, word: str, webhook_url: str = "") -> ToyJob:
    """Saves the job and charges its price in one transaction (the engine queues and dispatches it)."""
    if webhook_url:
        webhook_url_validate(webhook_url)
    with transaction.atomic():
        job = ToyJob.objects.create(user=user, word=word, webhook_url=webhook_url)
        return job_queue(job=job, price=toy_price(job))
