"""The billing API: the public list of plans and packages (an extension), and the Stripe webhook
endpoint, which verifies the signature, then handles each event once (in this web process, in the
event's own transaction). A 400 for anything unsigned; a 500 makes Stripe retry."""
import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from stripe import SignatureVerificationError

from apps.accounts.selectors import plans_public_list
from apps.core.errors import error_response
from apps.core.schema import with_errors
from workers.errors import ErrorCategory

from .selectors import packages_for_sale_list
from .services import stripe_event_process
from .stripe_api import stripe_enabled, stripe_event_verify


class PlansApi(APIView):
    """GET plans/ (free, no key needed): the plans and credit packages of the pricing page."""

    permission_classes = [AllowAny]

    class PlanSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        description = serializers.CharField(allow_blank=True)
        price_monthly = serializers.DecimalField(max_digits=10, decimal_places=2)
        currency = serializers.CharField()
        monthly_credits = serializers.IntegerField()
        max_video_seconds = serializers.IntegerField(allow_null=True)
        max_quality = serializers.CharField(allow_blank=True)
        max_image_pixels = serializers.IntegerField(allow_null=True)
        queue_priority = serializers.IntegerField()
        retention_hours = serializers.IntegerField(allow_null=True)
        visible_label_required = serializers.BooleanField()
        is_default = serializers.BooleanField()

    class PackageSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        credits = serializers.IntegerField()
        price = serializers.DecimalField(max_digits=10, decimal_places=2)
        currency = serializers.CharField()

    class OutputSerializer(serializers.Serializer):
        success = serializers.BooleanField()
        payments_enabled = serializers.BooleanField()
        plans = serializers.ListField(child=serializers.DictField())
        packages = serializers.ListField(child=serializers.DictField())

    @extend_schema(responses=with_errors({200: OutputSerializer}), summary="Plans and credit packages")
    def get(self, request: Request) -> Response:
        return Response({
            "success": True,
            "payments_enabled": stripe_enabled(),
            "plans": self.PlanSerializer(plans_public_list(), many=True).data,
            "packages": self.PackageSerializer(packages_for_sale_list(), many=True).data,
        })

logger = logging.getLogger(__name__)


@csrf_exempt  # Stripe signs the body instead; there is no session
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    if not stripe_enabled():
        return error_response("Payments are not enabled on this server.", category=ErrorCategory.NOT_FOUND)
    try:
        event = stripe_event_verify(payload=request.body, signature=request.headers.get("Stripe-Signature"))
    except SignatureVerificationError as exc:
        logger.warning("stripe webhook: refused an event: %s", exc)
        return error_response("The Stripe-Signature header does not match this endpoint's signing secret, "
                              "or its timestamp is too old.", category=ErrorCategory.BAD_INPUT)
    except ValueError:
        return error_response("The body is not a Stripe event (JSON).", category=ErrorCategory.BAD_INPUT)
    if not isinstance(event, dict) or "id" not in event or "data" not in event:
        return error_response("The body is not a Stripe event.", category=ErrorCategory.BAD_INPUT)
    handled = stripe_event_process(event=event)
    return JsonResponse({"received": True, "duplicate": not handled})
