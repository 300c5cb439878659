"""The slow motion kind's page in the web console (listed in its spec, mounted by the console)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.console.pages import SERVICE_ERRORS, job_submitted, service_error_text
from apps.jobs.kinds import DetailRow

from .forms import SlowMotionForm
from .models import SlowMotionJob
from .services import slowmotion_project_create, slowmotion_project_process


@require_http_methods(["GET", "POST"])
@login_required
def slowmotion_new(request: HttpRequest) -> HttpResponse:
    form = SlowMotionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            project = slowmotion_project_create(user=request.user, source_video=values["source_video"],
                                                options=form.options())
        except SERVICE_ERRORS as exc:
            form.add_error(None, service_error_text(exc))
        else:
            try:
                project = slowmotion_project_process(user=request.user, project_id=project.id)
            except SERVICE_ERRORS as exc:
                messages.error(request, f"Uploaded, but not started: {service_error_text(exc)}")
                return redirect("console:job", job_id=project.id)
            return job_submitted(request, project)
    return render(request, "console/slowmotion_new.html", {"form": form})


def slowmotion_detail_rows(job: SlowMotionJob) -> list[DetailRow]:
    """What the job page shows about a slow motion project, besides what every job shows."""
    seconds = f" · {job.duration_seconds:.1f} s input" if job.duration_seconds else ""
    return [DetailRow("Slow motion", f"{job.slowdown_factor}× · {job.mode} · {job.quality}{seconds}")]
