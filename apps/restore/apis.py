from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import ApplicationError
from apps.jobs.selectors import job_id_parse
from apps.ops.idempotency import idempotent

from .models import GallerySource
from .services import gallery_source_delete, gallery_sources_create, restore_image_create


class RestoreImageApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        image = serializers.FileField()
        mode = serializers.ChoiceField(choices=["restore", "face_enhance"], error_messages={
            "invalid_choice": "'{input}' is not a mode; use restore or face_enhance."})

    @idempotent
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record, image_b64 = restore_image_create(user=request.user, image=data.validated_data["image"],
                                                 mode=data.validated_data["mode"])
        return Response({"url": f"/api/media/{record.output_file}", "image_base64": image_b64, "status": "success"})


class GallerySourceOutputSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = GallerySource
        fields = ["id", "url", "faces_detected", "created_at"]

    def get_url(self, source: GallerySource) -> str:
        return f"/api/media/{source.file}"


class GallerySourcesApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    def get(self, request: Request) -> Response:
        sources = GallerySource.objects.filter(user=request.user)
        return Response({"success": True, "sources": GallerySourceOutputSerializer(sources, many=True).data})

    def post(self, request: Request) -> Response:
        images = request.FILES.getlist("images")
        if not images:
            raise ApplicationError("Send one or more image files in the multipart field 'images'.",
                                   details={"images": ["This field is required."]})
        sources = gallery_sources_create(user=request.user, images=images)
        return Response({"success": True, "sources": GallerySourceOutputSerializer(sources, many=True).data},
                        status=status.HTTP_201_CREATED)


class GallerySourceDetailApi(APIView):
    def delete(self, request: Request, source_id: str) -> Response:
        gallery_source_delete(user=request.user, source_id=job_id_parse(raw=source_id, field="source_id"))
        return Response({"success": True})
