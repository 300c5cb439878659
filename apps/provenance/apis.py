from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.throttling import CHARGE
from apps.core.schema import raises, with_errors
from workers.errors import ErrorCategory

from .services import media_verify

VerifyOutputSerializer = inline_serializer("VerifyOutput", {
    "success": serializers.BooleanField(),
    "c2pa": inline_serializer("VerifyC2pa", {
        "present": serializers.BooleanField(), "valid": serializers.BooleanField(),
        "claim_generator": serializers.CharField(allow_null=True),
        "digital_source_type": serializers.CharField(allow_null=True)}),
    "watermark": inline_serializer("VerifyWatermark", {
        "found": serializers.BooleanField(), "ours": serializers.BooleanField(),
        "job_id": serializers.UUIDField(allow_null=True, help_text="Only for your own jobs.")}),
})


class VerifyApi(APIView):
    """Extension: does an image or video carry this server's C2PA manifest and watermark? Free."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = CHARGE  # free, but it uploads and decodes: counts against ISAMURAI_THROTTLE_CHARGE

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()

    @extend_schema(request=InputSerializer, summary="Check a file's C2PA manifest and watermark (free)",
                   # 415: a body that isn't multipart (or multipart without a readable part).
                   responses=with_errors({200: VerifyOutputSerializer}))
    @raises(ErrorCategory.UNAVAILABLE)  # a fast worker, a model or the GPU provider missing
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"success": True, **media_verify(user=request.user, upload=data.validated_data["file"])})
