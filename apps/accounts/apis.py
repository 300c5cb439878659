from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.schema import with_errors
from apps.ledger.selectors import credit_balance_get

from .selectors import plan_for_user_get


class PlanLimitsSerializer(serializers.Serializer):
    """The limits that apply to the caller (their plan, else the default plan): an extension."""

    plan_id = serializers.IntegerField(source="pk")
    plan_name = serializers.CharField(source="name")
    monthly_credits = serializers.IntegerField()
    max_video_seconds = serializers.IntegerField(allow_null=True)
    max_quality = serializers.CharField(allow_blank=True)
    max_image_pixels = serializers.IntegerField(allow_null=True)
    queue_priority = serializers.IntegerField()
    retention_hours = serializers.IntegerField(allow_null=True)
    visible_label_required = serializers.BooleanField()


class UserCreditsApi(APIView):
    class OutputSerializer(serializers.Serializer):
        user_id = serializers.IntegerField()
        user_credits = serializers.IntegerField()
        plan_id = serializers.IntegerField(allow_null=True)
        plan_name = serializers.CharField(allow_null=True)
        credits = serializers.IntegerField()
        plan = serializers.CharField(allow_null=True)
        plan_limits = PlanLimitsSerializer(allow_null=True, required=False)

    @extend_schema(responses=with_errors({200: OutputSerializer}), summary="Credit balance and plan")
    def get(self, request: Request) -> Response:
        user = request.user
        balance = credit_balance_get(user=user)
        plan = user.plan
        data = {
            "user_id": user.pk,
            "user_credits": balance,
            "plan_id": plan.pk if plan else None,
            "plan_name": plan.name if plan else None,
            "credits": balance,
            "plan": plan.name if plan else None,
            "plan_limits": plan_for_user_get(user=user),
        }
        return Response(self.OutputSerializer(data).data)
