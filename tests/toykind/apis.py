from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.throttling import CHARGE
from apps.core.idempotency import idempotent
from apps.core.schema import raises, with_errors
from workers.errors import ErrorCategory

from .serializers import ToyEnvelopeSerializer, ToyJobOutputSerializer
from .services import toy_job_create


class ToyCreateApi(APIView):
    throttle_scope = CHARGE

    class InputSerializer(serializers.Serializer):
        word = serializers.CharField(max_length=32)
        webhook_url = serializers.URLField(required=False, allow_blank=True, default="", max_length=500)

    @extend_schema(request=InputSerializer, responses=with_errors({201: ToyEnvelopeSerializer}),
                   summary="Paint a word (toy kind)")
    @idempotent
    @raises(ErrorCategory.UNAVAILABLE)  # the engine's start check: a model its options need, on a fast worker
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = toy_job_create(user=request.user, **data.validated_data)
        return Response({"success": True, "toy": ToyJobOutputSerializer(job).data}, status=status.HTTP_201_CREATED)
