from apps.jobs.admin import JobAdminBase


class ToyJobAdmin(JobAdminBase):
    list_display = (*JobAdminBase.list_display, "word")
