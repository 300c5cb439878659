from rest_framework import serializers

from apps.jobs.serializers import JobOutputSerializer


class ToyJobOutputSerializer(JobOutputSerializer):
    word = serializers.CharField()


class ToyEnvelopeSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    toy = ToyJobOutputSerializer()
