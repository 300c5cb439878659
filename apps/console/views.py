"""The web console: thin views over the same services as the JSON API.

Every page needs a signed-in user and shows only that user's objects (another user's id is a
404, as in the API). Service errors (ApplicationError, e.g. "Insufficient credits: need N, have M")
are shown as form errors or messages, never as error pages.
"""
import base64
import logging
import uuid

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.services import api_key_revoke
from apps.core.errors import error_rule
from apps.core.exceptions import ApplicationError
from apps.jobs.models import Job, JobStatus
from apps.jobs.selectors import job_get_for_user, jobs_list_for_user, queue_snapshot_get
from apps.jobs.services import job_cancel, job_start
from apps.ledger.selectors import credit_balance_get, ledger_entries_list
from apps.membership.selectors import email_verification_pending
from apps.membership.services import account_api_key_create
from apps.provenance.services import media_verify
from apps.restore.selectors import gallery_source_url_get, restored_image_url_get
from apps.restore.services import gallery_source_delete, gallery_sources_create, restore_image_create
from apps.slowmotion.services import slowmotion_project_create, slowmotion_project_process
from apps.swap.services import (
    analysis_results_parse,
    faceswap_job_create,
)
from apps.swap.sources import labelled, source_input_from_fields
from workers.errors import UserFacingError

from .forms import (
    ApiKeyCreateForm,
    FaceSwapForm,
    GalleryUploadForm,
    MultiSwapForm,
    RestoreForm,
    SlowMotionForm,
    VerifyForm,
)
from .selectors import (
    api_key_get_for_user,
    api_keys_list,
    console_jobs_list,
    gallery_sources_list,
    job_start_price_get,
    job_state,
    restored_images_list,
)

# Every failure a user is told about (the taxonomy of workers.errors): shown on the page, never
# as an error page. Anything else is a bug and gets Django's 500.
SERVICE_ERRORS = (UserFacingError,)
logger = logging.getLogger(__name__)
NEW_KEY_SESSION = "console_new_api_key"
JOBS_PER_PAGE = 20
LEDGER_PER_PAGE = 15
BEFORE_PREVIEW_MAX_BYTES = 15 * 1024 * 1024


def _error_text(exc: UserFacingError) -> str:
    """The sentence the page shows; logged as loudly as the error table says (as the API does)."""
    logger.log(error_rule(exc).log_level, "console: %s (%s): %s %s", type(exc).__name__, exc.category,
               exc.user_message, exc.detail)
    return exc.user_message


def _own_job(request: HttpRequest, job_id: uuid.UUID) -> Job:
    try:
        return job_get_for_user(user=request.user, job_id=job_id)
    except ApplicationError:
        raise Http404("No such job.") from None


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


# --- jobs ----------------------------------------------------------------------------------------

@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    return redirect("console:jobs")


@require_GET
@login_required
def jobs_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(console_jobs_list(user=request.user), JOBS_PER_PAGE).get_page(request.GET.get("page"))
    snapshot = queue_snapshot_get()
    return render(request, "console/jobs.html", {"page": page, "jobs": [job_state(job, snapshot) for job in page]})


@require_GET
@login_required
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _own_job(request, job_id)
    entries = ledger_entries_list(user=request.user).filter(job_id=job.id)
    return render(request, "console/job_detail.html", {
        "job": job, "state": job_state(job), "entries": entries, "start_price": job_start_price_get(job=job),
    })


@require_GET
@login_required
def jobs_status(request: HttpRequest) -> JsonResponse:
    """The live progress of the listed jobs (?id=...&id=...): the pages' polling endpoint."""
    states = []
    snapshot = queue_snapshot_get()
    for raw in request.GET.getlist("id")[:100]:
        try:
            states.append(job_state(job_get_for_user(user=request.user, job_id=uuid.UUID(raw)), snapshot))
        except (ValueError, ApplicationError):
            continue
    return JsonResponse({"jobs": states, "balance": credit_balance_get(user=request.user)})


@require_POST
@login_required
def job_cancel_view(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    _own_job(request, job_id)
    try:
        job, refunded = job_cancel(user=request.user, job_id=job_id)
    except SERVICE_ERRORS as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"Job cancelled: {refunded} credits refunded "
                                  f"(50% of the {job.credits_charged} charged).")
    return _back(request, reverse("console:job", args=[job_id]))


@require_POST
@login_required
def job_start_view(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _own_job(request, job_id)
    try:
        job = job_start(user=request.user, job_id=job.id)
    except SERVICE_ERRORS as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"Job started: {job.credits_charged} credits charged.")
    return redirect("console:job", job_id=job_id)


# --- new jobs ------------------------------------------------------------------------------------

def _submitted(request: HttpRequest, job: Job) -> HttpResponse:
    if job.status == JobStatus.DRAFT:
        messages.success(request, "Saved as a draft: nothing charged yet. Start it when you are ready.")
    else:
        messages.success(request, f"Job submitted: {job.credits_charged} credits charged.")
    return redirect("console:job", job_id=job.id)


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
                user=request.user, target=values["target_media"], gquality=values["gquality"], source=source,
                name=values["name"], description=values["description"], enhance=values["enhance"],
                face_selection=values["face_selection"], start="save_draft" not in request.POST,
                quality_options=form.quality_options(),
            )
        except SERVICE_ERRORS as exc:
            form.add_error(None, _error_text(exc))
        else:
            return _submitted(request, job)
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
                user=request.user, target=values["target_media"], gquality=values["gquality"], persons=persons,
                name=values["name"], description=values["description"], enhance=values["enhance"],
                quality_options=form.quality_options(),
            )
        except SERVICE_ERRORS as exc:
            form.add_error(None, _error_text(exc))
        else:
            return _submitted(request, job)
    gallery = [{"id": str(s.id), "label": f"{s.created_at:%Y-%m-%d %H:%M} · {s.faces_detected} face(s)",
                "url": gallery_source_url_get(source=s)} for s in gallery_sources_list(user=request.user)]
    return render(request, "console/multiswap_new.html", {"form": form, "gallery": gallery})


@require_http_methods(["GET", "POST"])
@login_required
def slowmotion_new(request: HttpRequest) -> HttpResponse:
    form = SlowMotionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            project = slowmotion_project_create(
                user=request.user, source_video=values["source_video"], slowdown_factor=values["slowdown_factor"],
                quality=values["quality"], mode=values["mode"],
            )
        except SERVICE_ERRORS as exc:
            form.add_error(None, _error_text(exc))
        else:
            try:
                project = slowmotion_project_process(user=request.user, project_id=project.id)
            except SERVICE_ERRORS as exc:
                messages.error(request, f"Uploaded, but not started: {_error_text(exc)}")
                return redirect("console:job", job_id=project.id)
            return _submitted(request, project)
    return render(request, "console/slowmotion_new.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def restore(request: HttpRequest) -> HttpResponse:
    form = RestoreForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        image = form.cleaned_data["image"]
        before = None
        if image.size <= BEFORE_PREVIEW_MAX_BYTES:
            content_type = image.content_type if image.content_type in ("image/png", "image/jpeg") else "image/jpeg"
            before = f"data:{content_type};base64,{base64.b64encode(image.read()).decode()}"
            image.seek(0)
        try:
            record, _ = restore_image_create(user=request.user, image=image, mode=form.cleaned_data["mode"])
        except SERVICE_ERRORS as exc:
            form.add_error(None, _error_text(exc))
        else:
            result = {"record": record, "before": before, "after": restored_image_url_get(record=record)}
            form = RestoreForm()
    recent = restored_images_list(user=request.user)[:12]
    return render(request, "console/restore.html", {"form": form, "result": result, "recent": recent})


@require_http_methods(["GET", "POST"])
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Check a file for this server's C2PA manifest and watermark (free, like POST /api/verify/)."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = media_verify(user=request.user, upload=form.cleaned_data["file"])
        except SERVICE_ERRORS as exc:
            form.add_error(None, _error_text(exc))
        else:
            result["name"] = form.cleaned_data["file"].name
            job_id = result["watermark"]["job_id"]
            # The mark may name a preview or a restore; only a job has a page.
            result["is_job"] = bool(job_id) and jobs_list_for_user(user=request.user).filter(id=job_id).exists()
            form = VerifyForm()
    return render(request, "console/verify.html", {"form": form, "result": result})


@require_http_methods(["GET", "POST"])
@login_required
def gallery(request: HttpRequest) -> HttpResponse:
    form = GalleryUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            sources = gallery_sources_create(user=request.user, images=form.cleaned_data["images"])
        except SERVICE_ERRORS as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"Added {len(sources)} source(s) to your gallery.")
            return redirect("console:gallery")
    return render(request, "console/gallery.html", {"form": form, "sources": gallery_sources_list(user=request.user)})


@require_POST
@login_required
def gallery_delete(request: HttpRequest, source_id: uuid.UUID) -> HttpResponse:
    try:
        gallery_source_delete(user=request.user, source_id=source_id)
    except ApplicationError:
        raise Http404("No such gallery source.") from None
    messages.success(request, "Gallery source deleted.")
    return redirect("console:gallery")


# --- profile and API keys --------------------------------------------------------------------------

@require_GET
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    ledger = Paginator(ledger_entries_list(user=user), LEDGER_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "console/profile.html", {
        "plan": user.plan.name if user.plan_id else None,
        "balance": credit_balance_get(user=user),
        "ledger": ledger,
        "keys": api_keys_list(user=user),
        "new_key": request.session.pop(NEW_KEY_SESSION, None),
        "key_form": ApiKeyCreateForm(),
        "email_addresses": EmailAddress.objects.filter(user=user).order_by("-primary", "email"),
        "verification_pending": email_verification_pending(user=user),
        "two_factor_on": Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(),
    })


@require_POST
@login_required
def api_key_create_view(request: HttpRequest) -> HttpResponse:
    form = ApiKeyCreateForm(request.POST)
    if form.is_valid():
        try:
            _, full_key = account_api_key_create(user=request.user, name=form.cleaned_data["name"])
        except SERVICE_ERRORS as exc:
            messages.error(request, _error_text(exc))
            return redirect(reverse("console:profile") + "#api-keys")
        # Shown once, on the next page view (POST/redirect/GET), then gone from the session.
        request.session[NEW_KEY_SESSION] = full_key
    else:
        messages.error(request, " ".join(form.errors.get("name", ["Invalid key name."])))
    return redirect(reverse("console:profile") + "#api-keys")


@require_POST
@login_required
def api_key_revoke_view(request: HttpRequest, key_id: uuid.UUID) -> HttpResponse:
    api_key = api_key_get_for_user(user=request.user, key_id=key_id)
    if api_key is None:
        raise Http404("No such API key.")
    api_key_revoke(api_key=api_key)
    messages.success(request, f"Key isk_{api_key.prefix}… revoked; requests with it now get 401.")
    return redirect(reverse("console:profile") + "#api-keys")
