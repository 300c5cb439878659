from django.contrib import admin

from apps.jobs.admin import JobAdminBase

from .models import FaceSwapJob


@admin.register(FaceSwapJob)
class FaceSwapJobAdmin(JobAdminBase):
    list_display = (*JobAdminBase.list_display, "multi", "gquality", "content_flagged")
    list_filter = ("status", "multi", "content_flagged", "user")
