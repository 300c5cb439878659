from allauth.account.decorators import secure_admin_login
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.billing.apis import PlansApi, stripe_webhook
from apps.core.routing import api_route
from apps.core.views import api_not_found
from apps.jobs.kinds import all_kinds
from apps.ops.apis import HealthApi, ModelsApi, WebhookSecretApi, metrics_view

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the pages' CSP allows no inline
    # script. Its template has one inline <style>, allowed on this page only (styles run no code).
    path("docs/", csp_update({"style-src": ["'self'", "'unsafe-inline'"]})(
        SpectacularSwaggerSplitView.as_view(url_name="schema")), name="docs"),
    api_route("health/", HealthApi.as_view(), name="health"),
    api_route("webhook-secret/", WebhookSecretApi.as_view(), name="webhook-secret"),
    api_route("models/", ModelsApi.as_view(), name="models"),
    api_route("billing/stripe-webhook/", stripe_webhook, name="stripe-webhook"),
    api_route("plans/", PlansApi.as_view(), name="plans"),
    path("", include("apps.accounts.urls")),
    path("", include("apps.jobs.urls")),
    # Each job kind's routes, from its registration (apps.jobs.kinds): none is named here.
    *(path("", include(spec.urls)) for spec in all_kinds() if spec.urls),
    path("", include("apps.provenance.urls")),
    # Anything else under /api/ is a JSON 404, whatever DEBUG says.
    re_path(r"^(?P<unknown_path>.*)$", api_not_found),
]

# The admin signs in through allauth's sign-in (the console's): one place for rate limits,
# lockout and two-factor, instead of Django's unthrottled admin form.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path(settings.ISAMURAI_ADMIN_PATH, admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("account/", include("apps.membership.urls")),
    path("api/", include(api_patterns)),
    path("metrics", metrics_view, name="metrics"),
    path("", include("apps.billing.urls")),
    path("", include("apps.console.urls")),
]

handler400 = "apps.core.views.handler400"
handler403 = "apps.core.views.handler403"
handler404 = "apps.core.views.handler404"
handler500 = "apps.core.views.handler500"
