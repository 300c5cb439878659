"""Every option list has one definition (workers.choices): a bad value is a 400 that names the
field and the values it takes, charges nothing and stores nothing; no other module spells a list."""
import ast
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.jobs.models import Job
from apps.ledger.selectors import credit_balance_get
from apps.slowmotion.models import SlowMotionJob
from apps.swap.models import FaceSwapJob
from workers import choices
from workers.choices import FACE_SELECTIONS, QUALITIES, RESTORE_MODES, SLOWDOWN_FACTORS, SLOWMOTION_MODES, OptionChoices

REPO = Path(__file__).resolve().parents[2]
ALL_CHOICES = [value for value in vars(choices).values() if isinstance(value, OptionChoices)]


def _file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x00" * 64)


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "data", "field", "allowed"), [
    ("/api/full-process-swap/", {"gquality": "4k"}, "gquality", "480p, 720p or 1080p"),
    ("/api/full-process-swap/", {"gquality": "480p", "face_selection": "everyone"}, "face_selection",
     "reference or all"),
    ("/api/slowmotion/", {"slowdown_factor": "3", "quality": "480p", "mode": "fps"}, "slowdown_factor", "2, 4 or 8"),
    ("/api/slowmotion/", {"slowdown_factor": "2", "quality": "4k", "mode": "fps"}, "quality",
     "480p, 720p or 1080p"),
    ("/api/slowmotion/", {"slowdown_factor": "2", "quality": "480p", "mode": "reverse"}, "mode", "slowmo or fps"),
    ("/api/restore-image/", {"mode": "sharpen"}, "mode", "restore or face_enhance"),
])
def test_a_bad_option_is_400_naming_the_field_and_its_values(api_client, make_user, path, data, field, allowed):
    user, key = make_user(credits=100)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    files = {"source_image": _file("s.jpg"), "target_media": _file("t.mp4"), "source_video": _file("v.mp4"),
             "image": _file("i.jpg")}
    response = api_client.post(path, {**files, **data}, format="multipart")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["success"] is False
    assert f"{field}:" in body["error"] and allowed in body["error"], body["error"]
    assert allowed in " ".join(body["details"][field])
    assert credit_balance_get(user=user) == 100
    assert not Job.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_model_fields_forms_and_serializers_take_the_same_values(make_user):
    from apps.restore.forms import RestoreForm
    from apps.slowmotion.forms import SlowMotionForm
    from apps.swap.forms import FaceSwapForm

    user, _ = make_user(credits=0)

    assert [v for v, _ in FaceSwapJob._meta.get_field("gquality").choices] == list(QUALITIES.values)
    assert [v for v, _ in FaceSwapJob._meta.get_field("face_selection").choices] == list(FACE_SELECTIONS.values)
    assert [v for v, _ in SlowMotionJob._meta.get_field("slowdown_factor").choices] == list(SLOWDOWN_FACTORS.values)
    assert [v for v, _ in SlowMotionJob._meta.get_field("mode").choices] == list(SLOWMOTION_MODES.values)
    # the console's option fields are derived from the schemas per form (a processor registered
    # later shows up too), so they are read from a form, not from the class
    assert [v for v, _ in FaceSwapForm(user=user).fields["face_selection"].choices] == list(FACE_SELECTIONS.values)
    assert [v for v, _ in SlowMotionForm().fields["slowdown_factor"].choices] == list(SLOWDOWN_FACTORS.values)
    assert [v for v, _ in RestoreForm().fields["mode"].choices] == list(RESTORE_MODES.values)


def _literal_values(node: ast.AST) -> set:
    """The constants of a list/tuple/set literal, or the keys of a dict literal."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        elements = node.elts
    elif isinstance(node, ast.Dict):
        elements = [key for key in node.keys if key is not None]
    else:
        return set()
    values = set()
    for element in elements:
        if isinstance(element, ast.Tuple) and element.elts:  # (value, label) pairs
            element = element.elts[0]
        if isinstance(element, ast.Constant):
            values.add(element.value)
    return values


def test_no_module_spells_an_option_list_again():
    """A literal holding every value of a choice list anywhere in apps/, workers/ or the wiring
    is a second definition (migrations freeze history and are exempt)."""
    assert {option.field for option in ALL_CHOICES} >= {"quality", "face_selection", "slowdown_factor", "mode",
                                                        "interpolator"}
    offenders = []
    for folder in ("apps", "workers", "isamurai_server"):
        for path in sorted((REPO / folder).rglob("*.py")):
            if "migrations" in path.parts or path == REPO / "workers" / "choices.py":
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                found = _literal_values(node)
                for option in ALL_CHOICES:
                    if len(option.values) > 1 and set(option.values) <= found:
                        offenders.append(f"{path.relative_to(REPO)}:{node.lineno} spells {option.field}")
    assert not offenders, "\n".join(offenders)

