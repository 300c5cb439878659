import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import error_response, error_status
from apps.core.schema import with_errors
from workers.errors import ErrorCategory

from .health import health_check, health_summary_cached
from .licences import models_listing
from .metrics import REGISTRY
from .webhooks import SIGNATURE_HEADER, webhook_secret_get_or_create

HEALTH_BODY = inline_serializer("Health", {
    "status": serializers.ChoiceField(choices=["ok", "degraded", "unavailable"]),
    "database": serializers.BooleanField(), "broker": serializers.BooleanField(),
    "workers": serializers.IntegerField(),
    "models": serializers.DictField(child=serializers.BooleanField(), required=False,
                                    help_text="Only in the detailed check (with the health token).")})


def bearer_token_matches(request: HttpRequest, token: str) -> bool:
    """Whether the request carries `Authorization: Bearer <token>` (never when no token is set)."""
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


class HealthApi(APIView):
    """200 when the database and broker answer (status ok, or degraded when models or workers are
    missing); 503 when either is down. No key needed, for load balancers and probes: they get a
    status at most ISAMURAI_HEALTH_CACHE_SECONDS old. `Authorization: Bearer <ISAMURAI_HEALTH_TOKEN>`
    gets a fresh check with the models (`?workers=0` skips the worker ping)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(auth=[], summary="Health of the database, broker, models and workers",
                   responses={200: HEALTH_BODY, error_status(ErrorCategory.UNAVAILABLE): HEALTH_BODY})
    def get(self, request: Request) -> Response:
        scheme = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")[0].lower()
        if scheme != "bearer":  # probes, and clients that send their API key everywhere
            summary = health_summary_cached()
            unavailable = summary["status"] == "unavailable"
            return Response(summary, status=error_status(ErrorCategory.UNAVAILABLE) if unavailable else 200)
        if not bearer_token_matches(request, settings.ISAMURAI_HEALTH_TOKEN):
            return error_response("The detailed health check needs 'Authorization: Bearer <token>' with the "
                                  "server's ISAMURAI_HEALTH_TOKEN; without the header you get the cached status.",
                                  category=ErrorCategory.UNAUTHENTICATED)
        report = health_check(ping_workers=request.query_params.get("workers", "1") != "0")
        return Response(report.as_dict(), status=200 if report.healthy else error_status(ErrorCategory.UNAVAILABLE))


def _metrics_client_allowed(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(entry, strict=False) for entry in settings.ISAMURAI_METRICS_ALLOW)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus' scrape: with `Authorization: Bearer <ISAMURAI_METRICS_TOKEN>`, or from an address
    of ISAMURAI_METRICS_ALLOW."""
    if not (bearer_token_matches(request, settings.ISAMURAI_METRICS_TOKEN) or _metrics_client_allowed(request)):
        response = error_response("Metrics need 'Authorization: Bearer <token>' with the server's "
                                  "ISAMURAI_METRICS_TOKEN, or a client address in ISAMURAI_METRICS_ALLOW.",
                                  category=ErrorCategory.UNAUTHENTICATED if settings.ISAMURAI_METRICS_TOKEN
                                  else ErrorCategory.FORBIDDEN)
        if settings.ISAMURAI_METRICS_TOKEN:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)


class WebhookSecretApi(APIView):
    """The caller's webhook signing secret (an extension; created on first request)."""

    @extend_schema(summary="Your webhook signing secret", responses=with_errors({200: inline_serializer(
        "WebhookSecret", {"webhook_secret": serializers.CharField(), "signature_header": serializers.CharField(),
                          "scheme": serializers.CharField()})}))
    def get(self, request: Request) -> Response:
        return Response({"webhook_secret": webhook_secret_get_or_create(user=request.user),
                         "signature_header": SIGNATURE_HEADER,
                         "scheme": "t=<unix seconds>,v1=hex(HMAC-SHA256(secret, '<t>.<raw body>'))"})


class InstalledModelSerializer(serializers.Serializer):
    name = serializers.CharField(source="entry.name")
    file = serializers.CharField(source="entry.file")
    description = serializers.CharField(source="entry.description")
    license = serializers.CharField(source="entry.license")
    commercial_use = serializers.BooleanField(source="entry.commercial_use",
                                              help_text="Whether the weights' licence allows commercial use.")
    used_by = serializers.ListField(source="entry.used_by", child=serializers.CharField())
    installed = serializers.BooleanField(help_text="Whether its weight file is in the server's models folder.")
    usable = serializers.BooleanField(help_text="Installed, and allowed in this server's mode (commercial mode "
                                                "runs only models whose licence allows commercial use).")


class ModelsApi(APIView):
    """Extension, free: every model of the manifest with its licence, whether commercial use is
    allowed, whether it is installed and whether this server can use it (installed and allowed)."""

    @extend_schema(summary="Models, their licences and whether this server can use them",
                   responses=with_errors({200: inline_serializer(
                       "InstalledModels", {"success": serializers.BooleanField(),
                                           "commercial": serializers.BooleanField(),
                                           "models": InstalledModelSerializer(many=True)})}))
    def get(self, request: Request) -> Response:
        return Response({"success": True, "commercial": settings.ISAMURAI_COMMERCIAL,
                         "models": InstalledModelSerializer(models_listing(), many=True).data})
