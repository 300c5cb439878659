"""The console's face swap form takes several photos of the source person (a multiple file
input) and the job keeps their averaged identity, at the price of one photo."""
import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from apps.ledger.selectors import credit_balance_get
from apps.swap.models import FaceSwapJob

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_the_form_offers_a_multiple_file_input(console_user):
    client = Client()
    client.force_login(console_user("carol"))
    page = client.get(reverse("console:faceswap-new")).content.decode()
    assert 'name="source_image"' in page and "multiple" in page.split('name="source_image"')[1].split(">")[0]


def test_several_photos_make_one_averaged_source(console_user, console_worker, testdata):
    user = console_user("dora", credits=10)
    client = Client()
    client.force_login(user)
    images = testdata / "images"
    handles = [open(images / name, "rb") for name in ("obama.jpg", "obama2.jpg", "obama3.jpg")]
    try:
        with open(images / "biden2.jpg", "rb") as target:
            response = client.post(reverse("console:faceswap-new"), {
                "source_image": handles, "target_media": target, "gquality": "480p",
                "face_selection": "reference"})
    finally:
        for handle in handles:
            handle.close()
    assert response.status_code == 302, response.content.decode()[:2000]
    job = FaceSwapJob.objects.get(user=user)
    source = job.analysis[0]["source"]
    assert source["photos"] == 3 and abs(np.linalg.norm(source["embedding"]) - 1) < 1e-5
    assert job.credits_charged == 2 and credit_balance_get(user=user) == 8
