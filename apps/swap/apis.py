from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.schema import with_errors
from apps.jobs.models import FaceSwapJob
from apps.jobs.selectors import job_id_parse
from apps.jobs.serializers import FaceSwapEnvelopeSerializer, FaceSwapJobOutputSerializer
from apps.ops.idempotency import idempotent
from workers.choices import FACE_SELECTIONS, QUALITIES

from .services import (
    analysis_results_parse,
    faceswap_job_create,
    faceswap_job_process,
    frame_analyse,
    swap_preview_create,
)


def _job_created(job: FaceSwapJob, *, code: int = status.HTTP_201_CREATED) -> Response:
    return Response({"success": True, "faceswap": FaceSwapJobOutputSerializer(job).data}, status=code)


class _JobOptionsSerializer(serializers.Serializer):
    gquality = serializers.ChoiceField(choices=QUALITIES.pairs(), error_messages={
        "invalid_choice": QUALITIES.invalid_message()})
    name = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    enhance = serializers.BooleanField(required=False, default=False)
    face_selection = serializers.ChoiceField(
        choices=FACE_SELECTIONS.pairs(), required=False, default=FACE_SELECTIONS.default,
        error_messages={"invalid_choice": FACE_SELECTIONS.invalid_message()})
    target_media = serializers.FileField()
    webhook_url = serializers.URLField(required=False, allow_blank=True, default="", max_length=500)
    label = serializers.BooleanField(required=False, allow_null=True, default=None, help_text=(
        'Extension: a visible "AI-generated" mark in a corner; unset = the server\'s ISAMURAI_VISIBLE_LABEL.'))


class FaceSwapUploadInputSerializer(_JobOptionsSerializer):
    source_image = serializers.FileField(required=False)
    source_id = serializers.UUIDField(required=False)

    def validate(self, attrs):
        if not attrs.get("source_image") and not attrs.get("source_id"):
            raise serializers.ValidationError({"source_image": ["Send a source_image file (or a gallery source_id)."]})
        return attrs


class FullProcessSwapApi(APIView):
    """Upload and start: 201 with the Queued job (charged)."""

    parser_classes = [MultiPartParser, FormParser]
    start = True

    @extend_schema(request=FaceSwapUploadInputSerializer, responses=with_errors({201: FaceSwapEnvelopeSerializer}))
    @idempotent
    def post(self, request: Request) -> Response:
        data = FaceSwapUploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        job = faceswap_job_create(
            user=request.user, source=values.pop("source_image", None), source_id=values.pop("source_id", None),
            target=values.pop("target_media"), start=self.start, **values,
        )
        return _job_created(job)


class FaceSwapDraftApi(FullProcessSwapApi):
    """Upload only: 201 with a Draft job, nothing charged; start it with process-swap/."""

    start = False


class ProcessSwapApi(APIView):
    class InputSerializer(serializers.Serializer):
        instance = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=with_errors({200: FaceSwapEnvelopeSerializer}),
                   summary="Charge and queue a Draft face swap job")
    @idempotent
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = faceswap_job_process(user=request.user, job_id=job_id_parse(raw=data.validated_data["instance"],
                                                                          field="instance"))
        return _job_created(job, code=status.HTTP_200_OK)


class PreviewSwapApi(APIView):
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        source_image_base64 = serializers.CharField(trim_whitespace=False, required=False)
        source_id = serializers.UUIDField(required=False)
        target_image_base64 = serializers.CharField(trim_whitespace=False)
        instance = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        enhance = serializers.BooleanField(required=False, default=False)
        face_selection = serializers.ChoiceField(
            choices=FACE_SELECTIONS.pairs(), required=False, default=FACE_SELECTIONS.default,
            error_messages={"invalid_choice": FACE_SELECTIONS.invalid_message()})
        label = serializers.BooleanField(required=False, allow_null=True, default=None)

        def validate(self, attrs):
            if not attrs.get("source_image_base64") and not attrs.get("source_id"):
                raise serializers.ValidationError(
                    {"source_image_base64": ["Send the source face as base64 (or a gallery source_id)."]})
            return attrs

    @extend_schema(request=InputSerializer, summary="One-frame preview", responses=with_errors({200: inline_serializer(
        "PreviewOutput", {"image_base64": serializers.CharField(), "preview_id": serializers.CharField()})}))
    @idempotent
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        instance = job_id_parse(raw=values["instance"], field="instance") if values.get("instance") else None
        preview, image_b64 = swap_preview_create(
            user=request.user, target_b64=values["target_image_base64"],
            source_b64=values.get("source_image_base64"), source_id=values.get("source_id"),
            enhance=values["enhance"], face_selection=values["face_selection"], instance=instance,
            label=values["label"],
        )
        return Response({"image_base64": image_b64, "preview_id": str(preview.id)})


class AnalyseFrameApi(APIView):
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        target_image_base64 = serializers.CharField(trim_whitespace=False)

    @extend_schema(request=InputSerializer, summary="Detect the persons of a frame (free)",
                   responses=with_errors({200: inline_serializer("AnalyseFrameOutput", {
                       "analysis": inline_serializer("AnalysedPerson", {
                           "person_id": serializers.CharField(), "thumbnail": serializers.CharField(),
                           "bbox": serializers.ListField(child=serializers.IntegerField())}, many=True)})}))
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"analysis": frame_analyse(target_b64=data.validated_data["target_image_base64"])})


class MultiPreviewSwapApi(APIView):
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        target_image_base64 = serializers.CharField(trim_whitespace=False)
        analysis_results = serializers.JSONField()
        enhance = serializers.BooleanField(required=False, default=False)
        label = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema(request=InputSerializer, summary="One-frame multi-person preview",
                   responses=with_errors({200: inline_serializer("MultiPreviewOutput", {
                       "preview_image": serializers.CharField(), "preview_id": serializers.CharField()})}))
    @idempotent
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        persons = analysis_results_parse(user=request.user, raw=values["analysis_results"])
        preview, image_b64 = swap_preview_create(
            user=request.user, target_b64=values["target_image_base64"], persons=persons, enhance=values["enhance"],
            label=values["label"],
        )
        return Response({"preview_image": image_b64, "preview_id": str(preview.id)})


class MultipleFaceSwapApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(_JobOptionsSerializer):
        analysis_results = serializers.CharField(trim_whitespace=False)

    @extend_schema(request=InputSerializer, responses=with_errors({201: FaceSwapEnvelopeSerializer}),
                   summary="Start a multi-person face swap job")
    @idempotent
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        persons = analysis_results_parse(user=request.user, raw=values.pop("analysis_results"))
        values.pop("face_selection")
        job = faceswap_job_create(user=request.user, target=values.pop("target_media"), persons=persons, **values)
        return _job_created(job)
