"""What every page of the console shares, the kinds' own pages included (each kind's app holds
its pages and lists them in its spec, apps.jobs.kinds.ConsolePage): a service error is shown on
the page (a form error or a message), never as an error page; a submitted job goes to its page."""
import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.core.errors import error_rule
from apps.jobs.models import Job, JobStatus
from workers.errors import UserFacingError

# Every failure a user is told about (the taxonomy of workers.errors): shown on the page, never
# as an error page. Anything else is a bug and gets Django's 500.
SERVICE_ERRORS = (UserFacingError,)
logger = logging.getLogger("apps.console")


def service_error_text(exc: UserFacingError) -> str:
    """The sentence the page shows; logged as loudly as the error table says (as the API does)."""
    logger.log(error_rule(exc).log_level, "console: %s (%s): %s %s", type(exc).__name__, exc.category,
               exc.user_message, exc.detail)
    return exc.user_message


def job_submitted(request: HttpRequest, job: Job) -> HttpResponse:
    """Where a page that created a job goes next: the job's page, with what was charged."""
    if job.status == JobStatus.DRAFT:
        messages.success(request, "Saved as a draft: nothing charged yet. Start it when you are ready.")
    else:
        messages.success(request, f"Job submitted: {job.credits_charged} credits charged.")
    return redirect("console:job", job_id=job.id)


def error_page(request: HttpRequest, exc: UserFacingError) -> HttpResponse:
    """A page for an error that leaves nothing else to show (no such job, not yours): its sentence,
    with the status the error table gives its category (404, 409, 503, ...)."""
    status = error_rule(exc).http_status
    return render(request, "console/error.html", {"message": service_error_text(exc), "status": status},
                  status=status)
