from django.contrib import admin

from apps.jobs.admin import JobAdminBase

from .models import SlowMotionJob


@admin.register(SlowMotionJob)
class SlowMotionJobAdmin(JobAdminBase):
    list_display = (*JobAdminBase.list_display, "slowdown_factor", "mode")
    list_filter = ("status", "mode", "user")
