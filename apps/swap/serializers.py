"""The face swap job object of API answers and webhooks."""
from rest_framework import serializers

from apps.jobs.serializers import JobOutputSerializer


class FaceSwapJobOutputSerializer(JobOutputSerializer):
    name = serializers.CharField()
    description = serializers.CharField()
    gquality = serializers.CharField()
    enhance = serializers.BooleanField()
    media_type = serializers.CharField()
    duration_seconds = serializers.FloatField(allow_null=True)
    multi = serializers.BooleanField()


class FaceSwapEnvelopeSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    faceswap = FaceSwapJobOutputSerializer()
