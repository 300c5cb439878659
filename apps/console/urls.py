from allauth.account.views import LoginView
from django.contrib.auth import views as auth_views
from django.urls import path

from apps.jobs.kinds import all_kinds

from . import views

app_name = "console"

# Every kind's own pages come from its spec (apps.jobs.kinds.ConsolePage), none is named here.
urlpatterns = [
    path("", views.index, name="index"),
    # allauth's sign-in (rate limits, lockout, two-factor); the admin's sign-in comes here too.
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("jobs/", views.jobs_list, name="jobs"),
    path("jobs/status/", views.jobs_status, name="jobs-status"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("jobs/<uuid:job_id>/cancel/", views.job_cancel_view, name="job-cancel"),
    path("jobs/<uuid:job_id>/start/", views.job_start_view, name="job-start"),
    path("verify/", views.verify, name="verify"),
    path("profile/", views.profile, name="profile"),
    path("profile/keys/", views.api_key_create_view, name="key-create"),
    path("profile/keys/<uuid:key_id>/revoke/", views.api_key_revoke_view, name="key-revoke"),
]
urlpatterns += [path(page.path, page.view, name=page.name) for spec in all_kinds() for page in spec.console]
