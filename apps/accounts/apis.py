from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.schema import with_errors
from apps.ledger.selectors import credit_balance_get


class UserCreditsApi(APIView):
    class OutputSerializer(serializers.Serializer):
        user_id = serializers.IntegerField()
        user_credits = serializers.IntegerField()
        plan_id = serializers.IntegerField(allow_null=True)
        plan_name = serializers.CharField(allow_null=True)
        credits = serializers.IntegerField()
        plan = serializers.CharField(allow_null=True)

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
        }
        return Response(self.OutputSerializer(data).data)
