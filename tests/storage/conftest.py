"""The bucket of the storage tests: moto's S3 server on 127.0.0.1, one per test session."""
import boto3
import pytest
from moto.server import ThreadedMotoServer

BUCKET = "isamurai-test"
S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                 aws_secret_access_key="testing").create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def s3_worker_env(endpoint: str) -> dict[str, str]:
    """What a worker host needs to reach the bucket (and nothing else of the web host)."""
    return {"ISAMURAI_S3_BUCKET": BUCKET, "ISAMURAI_S3_ENDPOINT_URL": endpoint, "ISAMURAI_S3_REGION": "us-east-1",
            **S3_ENV}


@pytest.fixture
def s3_settings(settings, s3_endpoint, monkeypatch):
    for name, value in S3_ENV.items():
        monkeypatch.setenv(name, value)
    settings.ISAMURAI_S3_BUCKET = BUCKET
    settings.ISAMURAI_S3_ENDPOINT_URL = s3_endpoint
    settings.ISAMURAI_S3_REGION = "us-east-1"
    return settings
