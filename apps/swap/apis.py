from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.throttling import CHARGE
from apps.core.idempotency import idempotent
from apps.core.schema import raises, with_errors
from apps.core.uploads import base64_image_decode
from apps.jobs.apis import JobProgressApi
from apps.jobs.selectors import job_id_parse
from workers.choices import FACE_SELECTIONS
from workers.errors import ErrorCategory

from .models import FaceSwapJob
from .options import JobOptionsSerializer, MultiPreviewOptionsSerializer, PreviewOptionsSerializer
from .serializers import FaceSwapEnvelopeSerializer, FaceSwapJobOutputSerializer
from .services import (
    analysis_results_parse,
    faceswap_job_create,
    faceswap_job_process,
    frame_analyse,
    swap_preview_create,
)
from .sources import MAX_SOURCE_PHOTOS, labelled, source_input_from_fields

ANALYSIS_RESULTS_HELP = (
    "The persons from analyse-frame: [{person_id, thumbnail, source_image (base64) or source_id}]; "
    "a person without a source is left as is. Extension: source_images (a list of base64 photos) "
    "and/or source_ids (gallery ids) per person, up to 10, averaged into one identity.")


def _job_created(job: FaceSwapJob, *, code: int = status.HTTP_201_CREATED) -> Response:
    return Response({"success": True, "faceswap": FaceSwapJobOutputSerializer(job).data}, status=code)


class _JobOptionsSerializer(JobOptionsSerializer):
    name = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    target_media = serializers.FileField()
    webhook_url = serializers.URLField(required=False, allow_blank=True, default="", max_length=500)
    label = serializers.BooleanField(required=False, allow_null=True, default=None, help_text=(
        'Extension: a visible "AI-generated" mark in a corner; unset = the server\'s ISAMURAI_VISIBLE_LABEL.'))


class FaceSwapUploadInputSerializer(_JobOptionsSerializer):
    source_image = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=MAX_SOURCE_PHOTOS,
        help_text="The source face. Repeat the field (up to 10 photos of the same person) to swap in "
                  "their averaged identity (extension).")
    source_id = serializers.UUIDField(required=False)
    source_ids = serializers.ListField(
        child=serializers.UUIDField(), required=False, max_length=MAX_SOURCE_PHOTOS,
        help_text="Several gallery sources of the same person, averaged (extension).")

    def validate(self, attrs):
        if not attrs.get("source_image") and not attrs.get("source_id") and not attrs.get("source_ids"):
            raise serializers.ValidationError({"source_image": ["Send a source_image file (or a gallery source_id)."]})
        return attrs


class FullProcessSwapApi(APIView):
    throttle_scope = CHARGE  # counts against ISAMURAI_THROTTLE_CHARGE
    """Upload and start: 201 with the Queued job (charged)."""

    parser_classes = [MultiPartParser, FormParser]
    start = True

    @extend_schema(request=FaceSwapUploadInputSerializer, responses=with_errors({201: FaceSwapEnvelopeSerializer}))
    @idempotent
    @raises(ErrorCategory.UNAVAILABLE)  # a fast worker, a model or the GPU provider missing
    def post(self, request: Request) -> Response:
        data = FaceSwapUploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        uploads = labelled("source_image", values.get("source_image", []))
        source = source_input_from_fields(
            user=request.user, source_id=values.get("source_id"),
            photos=[(label, upload.read()) for label, upload in uploads],
            source_ids=values.get("source_ids", []), count_field="source_image")
        job = faceswap_job_create(user=request.user, source=source, target=values["target_media"],
                                  start=self.start, options=data.options(), name=values["name"],
                                  description=values["description"], webhook_url=values["webhook_url"],
                                  label=values["label"])
        return _job_created(job)


class FaceSwapDraftApi(FullProcessSwapApi):
    """Upload only: 201 with a Draft job, nothing charged; start it with process-swap/."""

    start = False


class ProcessSwapApi(APIView):
    throttle_scope = CHARGE  # counts against ISAMURAI_THROTTLE_CHARGE
    class InputSerializer(serializers.Serializer):
        instance = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=with_errors({200: FaceSwapEnvelopeSerializer}),
                   summary="Charge and queue a Draft face swap job")
    @idempotent
    @raises(ErrorCategory.UNAVAILABLE)  # the engine's start check: a model its options need, on a fast worker
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = faceswap_job_process(user=request.user, job_id=job_id_parse(raw=data.validated_data["instance"],
                                                                          field="instance"))
        return _job_created(job, code=status.HTTP_200_OK)


class PreviewSwapApi(APIView):
    throttle_scope = CHARGE  # counts against ISAMURAI_THROTTLE_CHARGE
    parser_classes = [JSONParser]

    class InputSerializer(PreviewOptionsSerializer):
        source_image_base64 = serializers.CharField(trim_whitespace=False, required=False)
        source_images = serializers.ListField(
            child=serializers.CharField(trim_whitespace=False), required=False, max_length=MAX_SOURCE_PHOTOS,
            help_text="Several base64 photos of the same person (up to 10), averaged into one identity "
                      "(extension; with or instead of source_image_base64).")
        source_id = serializers.UUIDField(required=False)
        source_ids = serializers.ListField(
            child=serializers.UUIDField(), required=False, max_length=MAX_SOURCE_PHOTOS,
            help_text="Several gallery sources of the same person, averaged (extension).")
        target_image_base64 = serializers.CharField(trim_whitespace=False)
        instance = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        label = serializers.BooleanField(required=False, allow_null=True, default=None)

        def validate(self, attrs):
            if not any(attrs.get(name) for name in ("source_image_base64", "source_images", "source_id",
                                                    "source_ids")):
                raise serializers.ValidationError(
                    {"source_image_base64": ["Send the source face as base64 (or a gallery source_id)."]})
            return attrs

    @extend_schema(request=InputSerializer, summary="One-frame preview", responses=with_errors({200: inline_serializer(
        "PreviewOutput", {"image_base64": serializers.CharField(), "preview_id": serializers.CharField()})}))
    @idempotent
    @raises(ErrorCategory.UNAVAILABLE)  # a fast worker, a model or the GPU provider missing
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        instance = job_id_parse(raw=values["instance"], field="instance") if values.get("instance") else None
        single = values.get("source_image_base64") if not values.get("source_id") else None
        photo = [("source_image_base64", base64_image_decode(single, field="source_image_base64"))] if single else []
        source = source_input_from_fields(
            user=request.user, source_id=values.get("source_id"), photos=photo,
            extra_photos=[(label, base64_image_decode(item, field=label))
                          for label, item in labelled("source_images", values.get("source_images", []))],
            source_ids=values.get("source_ids", []), count_field="source_images")
        preview, image_b64 = swap_preview_create(
            user=request.user, target_b64=values["target_image_base64"], source=source,
            options=data.options(), instance=instance, label=values["label"],
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
    @raises(ErrorCategory.UNAVAILABLE)  # a fast worker, a model or the GPU provider missing
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"analysis": frame_analyse(target_b64=data.validated_data["target_image_base64"])})


class MultiPreviewSwapApi(APIView):
    throttle_scope = CHARGE  # counts against ISAMURAI_THROTTLE_CHARGE
    parser_classes = [JSONParser]

    class InputSerializer(MultiPreviewOptionsSerializer):
        target_image_base64 = serializers.CharField(trim_whitespace=False)
        analysis_results = serializers.JSONField(help_text=ANALYSIS_RESULTS_HELP)
        label = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema(request=InputSerializer, summary="One-frame multi-person preview",
                   responses=with_errors({200: inline_serializer("MultiPreviewOutput", {
                       "preview_image": serializers.CharField(), "preview_id": serializers.CharField()})}))
    @idempotent
    @raises(ErrorCategory.UNAVAILABLE)  # a fast worker, a model or the GPU provider missing
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        persons = analysis_results_parse(user=request.user, raw=values["analysis_results"])
        preview, image_b64 = swap_preview_create(
            user=request.user, target_b64=values["target_image_base64"], persons=persons,
            options=data.options(multi=True), label=values["label"],
        )
        return Response({"preview_image": image_b64, "preview_id": str(preview.id)})


class MultipleFaceSwapApi(APIView):
    throttle_scope = CHARGE  # counts against ISAMURAI_THROTTLE_CHARGE
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(_JobOptionsSerializer):
        analysis_results = serializers.CharField(trim_whitespace=False,
                                                 help_text=f"A JSON string. {ANALYSIS_RESULTS_HELP}")

    @extend_schema(request=InputSerializer, responses=with_errors({201: FaceSwapEnvelopeSerializer}),
                   summary="Start a multi-person face swap job")
    @idempotent
    @raises(ErrorCategory.UNAVAILABLE)  # a fast worker, a model or the GPU provider missing
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        persons = analysis_results_parse(user=request.user, raw=values["analysis_results"])
        # each analysed person is mapped: a face selection means nothing to a multi swap
        job = faceswap_job_create(user=request.user, target=values["target_media"], persons=persons,
                                  options=data.options(face_selection=FACE_SELECTIONS.default),
                                  name=values["name"], description=values["description"],
                                  webhook_url=values["webhook_url"], label=values["label"])
        return _job_created(job)


@extend_schema_view(get=extend_schema(summary="Job progress (any kind)"))
class SwapProgressApi(JobProgressApi):
    """GET swap-progress/?id=<id>[&multi=True]; the id alone finds any of the caller's jobs (single,
    multi, slow motion): the official SDK polls here with whatever id it was given."""

    kind = None
