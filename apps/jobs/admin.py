from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join

from apps.core.exceptions import ApplicationError

from .models import Job, JobSegment
from .selectors import queue_snapshot_get
from .serializers import job_output_media_url
from .services import job_cancel, job_take_down


class JobSegmentInline(admin.TabularInline):
    """The parts of a long video split over several workers (read only: the engine writes them)."""

    model = JobSegment
    extra = 0
    can_delete = False
    fields = ("index", "start_frame", "end_frame", "read_start", "read_end", "status", "worker", "attempts",
              "progress", "error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class JobAdminBase(admin.ModelAdmin):
    """The admin of every kind's jobs; each kind's app registers a subclass for its model."""

    inlines = (JobSegmentInline,)

    list_display = ("id", "kind", "user", "status", "progress_percentage", "credits_charged", "created_at",
                    "finished_at", "expired_at")
    list_filter = ("status", "kind", "content_flagged", ("expired_at", admin.EmptyFieldListFilter), "user")
    search_fields = ("id", "user__username")
    date_hierarchy = "created_at"
    actions = ["cancel_jobs", "take_down"]
    readonly_fields = ("input_links", "output_link")

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # jobs are created through the API, which validates and charges

    def get_readonly_fields(self, request, obj=None):
        own = [f.name for f in self.model._meta.fields]
        return [*self.readonly_fields, *own]

    @admin.display(description="inputs")
    def input_links(self, job: Job) -> str:
        return format_html_join(
            ", ", '{}: <code>{}</code>', ((role, path) for role, path in (job.inputs or {}).items())
        ) or "-"

    @admin.display(description="output")
    def output_link(self, job: Job) -> str:
        url = job_output_media_url(job)
        return format_html('<a href="{}">{}</a>', url, url) if url else "-"

    @admin.action(description="Cancel selected jobs (50% refund, like stop-job)")
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        cancelled = 0
        for job in queryset:
            try:
                _, refunded = job_cancel(user=job.user, job_id=job.id)
                cancelled += 1
            except ApplicationError as exc:
                self.message_user(request, f"{job.id}: {exc.message}", messages.WARNING)
        self.message_user(request, f"Cancelled {cancelled} job(s).", messages.SUCCESS)

    @admin.action(description="Take down: stop if running (50% refund) and delete inputs and output now")
    def take_down(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        files = 0
        for job in queryset:
            _, deleted = job_take_down(job_id=job.id)
            files += deleted
        self.message_user(request, f"Took down {queryset.count()} job(s); deleted {files} file(s).",
                          messages.SUCCESS)


@admin.register(Job)
class JobAdmin(JobAdminBase):
    """Every kind in one list, and the queue page (admin/jobs/job/queue/)."""

    def get_urls(self):
        queue = path("queue/", self.admin_site.admin_view(self.queue_view), name="jobs_job_queue")
        return [queue, *super().get_urls()]

    def queue_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        snapshot = queue_snapshot_get()
        return TemplateResponse(request, "admin/jobs/queue.html", {
            **self.admin_site.each_context(request), "title": "Queue", "waiting": snapshot.waiting,
            "gpu_workers": snapshot.gpu_workers, "eta_workers": max(1, snapshot.gpu_workers),
        })
