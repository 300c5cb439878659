"""The admin of this kind's jobs (registered with the kind, apps.jobs.kinds)."""
from apps.jobs.admin import JobAdminBase


class FaceSwapJobAdmin(JobAdminBase):
    list_display = (*JobAdminBase.list_display, "multi", "gquality", "content_flagged")
    list_filter = ("status", "multi", "content_flagged", "user")
