"""The web console: thin views over the same services as the JSON API.

Every page needs a signed-in user and shows only that user's objects (another user's id is a
404, as in the API). Service errors (e.g. "Insufficient credits: need N, have M") are shown as
form errors or messages; one that leaves nothing to show (no such job) is an error page with the
status of the error table (apps.console.pages.error_page). The kinds' own pages (new jobs,
restore, gallery) are in their apps, listed in their specs.
"""
import uuid

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.services import api_key_revoke
from apps.core.exceptions import NotFound
from apps.jobs.kinds import job_kind_get, job_kinds
from apps.jobs.selectors import job_concrete, job_get_for_user, jobs_list_for_user, queue_snapshot_get
from apps.jobs.services import job_cancel, job_start
from apps.ledger.selectors import credit_balance_get, ledger_entries_list
from apps.membership.selectors import email_verification_pending
from apps.membership.services import account_api_key_create
from apps.provenance.services import media_verify

from .console_forms import ApiKeyCreateForm, VerifyForm
from .pages import SERVICE_ERRORS, error_page, service_error_text
from .selectors import api_key_get_for_user, api_keys_list, console_jobs_list, job_start_price_get, job_state

NEW_KEY_SESSION = "console_new_api_key"
JOBS_PER_PAGE = 20
LEDGER_PER_PAGE = 15


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
    kinds = job_kinds()
    kind_filter = request.GET.get("kind", "")
    if kind_filter not in {spec.kind for spec in kinds}:
        kind_filter = ""
    jobs = console_jobs_list(user=request.user, kind=kind_filter or None)
    page = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    snapshot = queue_snapshot_get()
    return render(request, "console/jobs.html", {"page": page, "jobs": [job_state(job, snapshot) for job in page],
                                                 "kinds": kinds, "kind_filter": kind_filter})


@require_GET
@login_required
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    try:
        job = job_get_for_user(user=request.user, job_id=job_id)
    except SERVICE_ERRORS as exc:
        return error_page(request, exc)
    entries = ledger_entries_list(user=request.user).filter(job_id=job.id)
    return render(request, "console/job_detail.html", {
        "job": job, "state": job_state(job), "entries": entries, "start_price": job_start_price_get(job=job),
        "rows": job_kind_get(job.kind).details(job_concrete(job)),
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
        except (ValueError, *SERVICE_ERRORS):
            continue
    return JsonResponse({"jobs": states, "balance": credit_balance_get(user=request.user)})


@require_POST
@login_required
def job_cancel_view(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    try:
        job_get_for_user(user=request.user, job_id=job_id)
    except SERVICE_ERRORS as exc:
        return error_page(request, exc)
    try:
        job, refunded = job_cancel(user=request.user, job_id=job_id)
    except SERVICE_ERRORS as exc:
        messages.error(request, service_error_text(exc))
    else:
        messages.success(request, f"Job cancelled: {refunded} credits refunded "
                                  f"(50% of the {job.credits_charged} charged).")
    return _back(request, reverse("console:job", args=[job_id]))


@require_POST
@login_required
def job_start_view(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    try:
        job_get_for_user(user=request.user, job_id=job_id)
    except SERVICE_ERRORS as exc:
        return error_page(request, exc)
    try:
        job = job_start(user=request.user, job_id=job_id)
    except SERVICE_ERRORS as exc:
        messages.error(request, service_error_text(exc))
    else:
        messages.success(request, f"Job started: {job.credits_charged} credits charged.")
    return redirect("console:job", job_id=job_id)


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
            form.add_error(None, service_error_text(exc))
        else:
            result["name"] = form.cleaned_data["file"].name
            job_id = result["watermark"]["job_id"]
            # The mark may name a preview or a restore; only a job has a page.
            result["is_job"] = bool(job_id) and jobs_list_for_user(user=request.user).filter(id=job_id).exists()
            form = VerifyForm()
    return render(request, "console/verify.html", {"form": form, "result": result})


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
            messages.error(request, service_error_text(exc))
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
        return error_page(request, NotFound("No such API key: it isn't one of yours, or it was deleted."))
    api_key_revoke(api_key=api_key)
    messages.success(request, f"Key isk_{api_key.prefix}… revoked; requests with it now get 401.")
    return redirect(reverse("console:profile") + "#api-keys")
