from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.throttling import CHARGE
from apps.core.idempotency import idempotent
from apps.core.options import OptionsSerializer
from apps.core.schema import raises, with_errors
from apps.jobs.apis import JobProgressByPathApi
from apps.jobs.selectors import job_id_parse
from workers.errors import ErrorCategory
from workers.pipelines.options import SlowMotionOptions

from .models import SlowMotionJob
from .serializers import SlowMotionEnvelopeSerializer, SlowMotionJobOutputSerializer
from .services import slowmotion_project_create, slowmotion_project_process


def _project(job: SlowMotionJob, *, code: int) -> Response:
    return Response({"success": True, "slowmotion": SlowMotionJobOutputSerializer(job).data}, status=code)


class SlowMotionCreateApi(APIView):
    throttle_scope = CHARGE  # counts against ISAMURAI_THROTTLE_CHARGE
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(OptionsSerializer):
        options_schema = staticmethod(lambda: SlowMotionOptions)
        options_required = ("slowdown_factor", "quality", "mode")
        source_video = serializers.FileField()
        webhook_url = serializers.URLField(required=False, allow_blank=True, default="", max_length=500)

    @extend_schema(request=InputSerializer, responses=with_errors({201: SlowMotionEnvelopeSerializer}),
                   summary="Upload a slow motion project (Draft, free)")
    @idempotent
    @raises(ErrorCategory.UNAVAILABLE)  # a fast worker, a model or the GPU provider missing
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        job = slowmotion_project_create(user=request.user, source_video=values["source_video"],
                                        options=data.options(), webhook_url=values["webhook_url"])
        return _project(job, code=status.HTTP_201_CREATED)


class SlowMotionProcessApi(APIView):
    throttle_scope = CHARGE  # counts against ISAMURAI_THROTTLE_CHARGE
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    class InputSerializer(serializers.Serializer):
        project_id = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=with_errors({200: SlowMotionEnvelopeSerializer}),
                   summary="Charge and queue a slow motion project")
    @idempotent
    @raises(ErrorCategory.UNAVAILABLE)  # the engine's start check: a model its options need, on a fast worker
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project_id = job_id_parse(raw=data.validated_data["project_id"], field="project_id")
        return _project(slowmotion_project_process(user=request.user, project_id=project_id),
                        code=status.HTTP_200_OK)


@extend_schema_view(get=extend_schema(summary="Slow motion progress"))
class SlowMotionProgressApi(JobProgressByPathApi):
    kind = SlowMotionJob.KIND
