"""The admin of this kind's jobs (registered with the kind, apps.jobs.kinds)."""
from apps.jobs.admin import JobAdminBase


class SlowMotionJobAdmin(JobAdminBase):
    list_display = (*JobAdminBase.list_display, "slowdown_factor", "mode")
    list_filter = ("status", "mode", "user")
