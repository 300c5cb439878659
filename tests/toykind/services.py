from apps.accounts.models import User
from apps.jobs.services import job_submit

from .models import ToyJob


def toy_job_create(*, user: User, word: str, webhook_url: str = "") -> ToyJob:
    """Saves the job, charges its price and queues it, through the engine (which lets ops check
    the webhook_url first, and dispatches it to a worker)."""
    return job_submit(job=ToyJob(user=user, word=word, webhook_url=webhook_url), start=True)
