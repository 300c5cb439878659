"""The restore kind's pages in the web console: restore a photo, and the gallery of reusable
sources (listed in its spec, mounted by the console)."""
import base64
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.console.pages import SERVICE_ERRORS, error_page, service_error_text

from .forms import GalleryUploadForm, RestoreForm
from .selectors import gallery_sources_list, restored_image_url_get, restored_images_list
from .services import gallery_source_delete, gallery_sources_create, restore_image_create

BEFORE_PREVIEW_MAX_BYTES = 15 * 1024 * 1024


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
            record, _ = restore_image_create(user=request.user, image=image, options=form.options())
        except SERVICE_ERRORS as exc:
            form.add_error(None, service_error_text(exc))
        else:
            result = {"record": record, "before": before, "after": restored_image_url_get(record=record)}
            form = RestoreForm()
    recent = restored_images_list(user=request.user)[:12]
    return render(request, "console/restore.html", {"form": form, "result": result, "recent": recent})


@require_http_methods(["GET", "POST"])
@login_required
def gallery(request: HttpRequest) -> HttpResponse:
    form = GalleryUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            sources = gallery_sources_create(user=request.user, images=form.cleaned_data["images"])
        except SERVICE_ERRORS as exc:
            form.add_error(None, service_error_text(exc))
        else:
            messages.success(request, f"Added {len(sources)} source(s) to your gallery.")
            return redirect("console:gallery")
    return render(request, "console/gallery.html", {"form": form, "sources": gallery_sources_list(user=request.user)})


@require_POST
@login_required
def gallery_delete(request: HttpRequest, source_id: uuid.UUID) -> HttpResponse:
    try:
        gallery_source_delete(user=request.user, source_id=source_id)
    except SERVICE_ERRORS as exc:
        return error_page(request, exc)
    messages.success(request, "Gallery source deleted.")
    return redirect("console:gallery")
