from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.throttling import CHARGE
from apps.core.exceptions import ApplicationError
from apps.core.idempotency import idempotent
from apps.core.options import OptionsSerializer
from apps.core.schema import raises, with_errors
from apps.jobs.selectors import job_id_parse
from workers.errors import ErrorCategory
from workers.pipelines.options import RestoreOptions

from .models import GallerySource
from .selectors import gallery_source_url_get, restored_image_url_get
from .services import gallery_source_delete, gallery_sources_create, restore_image_create


class RestoreImageApi(APIView):
    throttle_scope = CHARGE  # counts against ISAMURAI_THROTTLE_CHARGE
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(OptionsSerializer):
        options_schema = staticmethod(lambda: RestoreOptions)
        options_required = ("mode",)
        image = serializers.FileField()

    @extend_schema(request=InputSerializer, summary="Restore a photo or enhance its faces",
                   responses=with_errors({200: inline_serializer("RestoreOutput", {
                       "url": serializers.CharField(), "image_base64": serializers.CharField(),
                       "status": serializers.CharField()})}))
    @idempotent
    @raises(ErrorCategory.UNAVAILABLE)  # a fast worker, a model or the GPU provider missing
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record, image_b64 = restore_image_create(user=request.user, image=data.validated_data["image"],
                                                 options=data.options())
        return Response({"url": restored_image_url_get(record=record), "image_base64": image_b64,
                         "status": "success"})


class GallerySourceOutputSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = GallerySource
        fields = ["id", "url", "faces_detected", "created_at"]

    def get_url(self, source: GallerySource) -> str:
        return gallery_source_url_get(source=source)


class GalleryListSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    sources = GallerySourceOutputSerializer(many=True)


class GallerySourcesApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=with_errors({200: GalleryListSerializer}), summary="List your gallery sources")
    def get(self, request: Request) -> Response:
        sources = GallerySource.objects.filter(user=request.user)
        return Response({"success": True, "sources": GallerySourceOutputSerializer(sources, many=True).data})

    @extend_schema(request={"multipart/form-data": inline_serializer("GalleryUpload", {
        "images": serializers.ListField(child=serializers.FileField())})},
        responses=with_errors({201: GalleryListSerializer}), summary="Upload one or more source images")
    @raises(ErrorCategory.UNAVAILABLE)  # a fast worker, a model or the GPU provider missing
    def post(self, request: Request) -> Response:
        images = request.FILES.getlist("images")
        if not images:
            raise ApplicationError("Send one or more image files in the multipart field 'images'.",
                                   details={"images": ["This field is required."]})
        sources = gallery_sources_create(user=request.user, images=images)
        return Response({"success": True, "sources": GallerySourceOutputSerializer(sources, many=True).data},
                        status=status.HTTP_201_CREATED)


class GallerySourceDetailApi(APIView):
    @extend_schema(responses=with_errors({200: inline_serializer("Deleted", {"success": serializers.BooleanField()})}),
                   summary="Delete a gallery source")
    def delete(self, request: Request, source_id: str) -> Response:
        gallery_source_delete(user=request.user, source_id=job_id_parse(raw=source_id, field="source_id"))
        return Response({"success": True})
