"""A web process is light (issue 19): importing the URLconf and every app's models, reading every
option schema (with the processors' declarations) and building the OpenAPI document, in a fresh
interpreter, loads neither ONNX Runtime nor OpenCV (nor the onnx package, nor numpy): those
belong to the workers, which the web process reaches through the fast queue by task name."""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("onnxruntime", "cv2", "onnx", "numpy")

WEB_PROCESS = """
import json, sys
import django
django.setup()
from django.apps import apps
from django.urls import get_resolver

models = [model for config in apps.get_app_configs() for model in config.get_models()]
resolver = get_resolver()
resolver.url_patterns  # imports the URLconf and every view module it names
from drf_spectacular.generators import SchemaGenerator
from workers.pipelines.options import faceswap_options_schema
from workers.options import option_fields
fields = option_fields(faceswap_options_schema())  # every processor's declaration
SchemaGenerator().get_schema(request=None, public=True)  # every serializer, with its option fields
print(json.dumps({"models": len(models), "options": [f.name for f in fields],
                  "loaded": sorted({name.split(".")[0] for name in sys.modules})}))
"""


def test_urls_models_options_and_openapi_load_no_onnxruntime_no_opencv_no_numpy():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "isamurai_server.settings", "PYTHONPATH": str(REPO)}
    env.pop("ISAMURAI_PROCESSOR_MODULES", None)
    done = subprocess.run([sys.executable, "-c", WEB_PROCESS], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["models"] > 5 and "enhance" in report["options"] and "pixel_boost" in report["options"]
    assert not [name for name in HEAVY if name in report["loaded"]], report["loaded"]


UPLOAD_CHECKS = """
import json, sys
from pathlib import Path
import django
django.setup()
from apps.accounts.limits import image_pixels_get
from apps.core.uploads import base64_image_decode, media_file_check
image = Path(sys.argv[1])
checked = media_file_check(image, field="target_media")  # what every image upload goes through
pixels = image_pixels_get(image)
base64_image_decode(__import__("base64").b64encode(image.read_bytes()).decode(), field="target_image_base64")
print(json.dumps({"media_type": str(checked.media_type), "pixels": pixels,
                  "loaded": sorted({name.split(".")[0] for name in sys.modules})}))
"""


def test_an_image_upload_is_checked_without_opencv_or_numpy(testdata):
    """The web side of an image upload reads its header, size and pixel count only: the bitmap is
    decoded by the fast worker that needs it (whose refusal names the field), so the first upload
    doesn't load OpenCV and numpy into the web process."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "isamurai_server.settings", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", UPLOAD_CHECKS, str(testdata / "images" / "obama.jpg")], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["media_type"] == "image" and report["pixels"] > 0
    assert not [name for name in HEAVY if name in report["loaded"]], report["loaded"]
