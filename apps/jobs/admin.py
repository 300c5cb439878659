from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from apps.core.exceptions import ApplicationError

from .models import FaceSwapJob, Job, SlowMotionJob
from .serializers import job_output_media_url
from .services import job_cancel


class JobAdminBase(admin.ModelAdmin):
    list_display = ("id", "kind", "user", "status", "progress_percentage", "credits_charged", "created_at",
                    "finished_at")
    list_filter = ("status", "kind", "content_flagged", "user")
    search_fields = ("id", "user__username")
    date_hierarchy = "created_at"
    actions = ["cancel_jobs"]
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


@admin.register(Job)
class JobAdmin(JobAdminBase):
    """Every kind in one list."""


@admin.register(FaceSwapJob)
class FaceSwapJobAdmin(JobAdminBase):
    list_display = (*JobAdminBase.list_display, "multi", "gquality", "content_flagged")
    list_filter = ("status", "multi", "content_flagged", "user")


@admin.register(SlowMotionJob)
class SlowMotionJobAdmin(JobAdminBase):
    list_display = (*JobAdminBase.list_display, "slowdown_factor", "mode")
    list_filter = ("status", "mode", "user")
