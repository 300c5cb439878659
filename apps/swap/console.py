"""The face swap kind's pages in the web console (listed in its spec, mounted by the console)."""
import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from apps.console.pages import SERVICE_ERRORS, job_submitted, service_error_text
from apps.jobs.kinds import DetailRow
from apps.restore.selectors import gallery_source_url_get, gallery_sources_list

from .forms import FaceSwapForm, MultiSwapForm
from .models import FaceSwapJob
from .services import analysis_results_parse, faceswap_job_create
from .sources import labelled, source_input_from_fields


@require_http_methods(["GET", "POST"])
@login_required
def faceswap_new(request: HttpRequest) -> HttpResponse:
    form = FaceSwapForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            source_id = uuid.UUID(values["source_id"]) if values["source_id"] else None
            uploads = [] if source_id else labelled("source_image", values["source_image"])
            source = source_input_from_fields(
                user=request.user, source_id=source_id,
                photos=[(label, upload.read()) for label, upload in uploads], count_field="source_image")
            job = faceswap_job_create(
                user=request.user, target=values["target_media"], options=form.options(), source=source,
                name=values["name"], description=values["description"], start="save_draft" not in request.POST,
            )
        except SERVICE_ERRORS as exc:
            form.add_error(None, service_error_text(exc))
        else:
            return job_submitted(request, job)
    return render(request, "console/faceswap_new.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def multiswap_new(request: HttpRequest) -> HttpResponse:
    form = MultiSwapForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            persons = analysis_results_parse(
                user=request.user, raw=form.analysis_results(data=request.POST, files=request.FILES))
            job = faceswap_job_create(
                user=request.user, target=values["target_media"], options=form.options(), persons=persons,
                name=values["name"], description=values["description"],
            )
        except SERVICE_ERRORS as exc:
            form.add_error(None, service_error_text(exc))
        else:
            return job_submitted(request, job)
    gallery = [{"id": str(s.id), "label": f"{s.created_at:%Y-%m-%d %H:%M} · {s.faces_detected} face(s)",
                "url": gallery_source_url_get(source=s)} for s in gallery_sources_list(user=request.user)]
    return render(request, "console/multiswap_new.html", {"form": form, "gallery": gallery})


def faceswap_detail_rows(job: FaceSwapJob) -> list[DetailRow]:
    """What the job page shows about a face swap, besides what every job shows."""
    rows = [DetailRow("Quality", job.gquality + (" · enhanced" if job.enhance else ""))]
    if job.media_type:
        seconds = f" · {job.duration_seconds:.1f} s" if job.duration_seconds else ""
        rows.append(DetailRow("Target", f"{job.media_type}{seconds}"))
    if job.multi:
        persons = [f"{p.get('person_id')}{'' if p.get('has_source') else ' (kept)'}" for p in job.analysis or []]
        rows.append(DetailRow("Persons", ", ".join(persons)))
    if job.description:
        rows.append(DetailRow("Description", job.description))
    return rows
