"""Single values are spelled once (issue 19): no module of apps/, workers/ or the wiring compares a
value against a choice's value written as a string (``mode == "fps"``, ``policy in {"open",
"invite"}``): it compares the Enum member of workers/choices.py. And no price is read back with a
key built from strings (``PRICES[f"slowmo_{factor}x"]``): prices are ``Price`` data with the kind
or the option's value. Read from the source with ast."""
import ast
import inspect
from enum import Enum
from pathlib import Path

from workers import choices

REPO = Path(__file__).resolve().parents[2]
CHOICE_VALUES = {str(member.value) for _, enum in inspect.getmembers(choices, inspect.isclass)
                 if issubclass(enum, Enum) and enum.__module__ == choices.__name__ for member in enum}
# Words that are also a choice's value but mean something else where they are compared.
OTHER_MEANINGS = {
    ("workers/video/probe.py", "video"): "ffprobe's codec_type",
}


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [item.value for item in node.elts if isinstance(item, ast.Constant) and isinstance(item.value, str)]
    return []


def _sources() -> list[Path]:
    return [path for folder in ("apps", "workers", "isamurai_server") for path in sorted((REPO / folder).rglob("*.py"))
            if "migrations" not in path.parts and path != REPO / "workers" / "choices.py"]


def test_the_choice_values_are_known():
    assert {"fps", "all", "auto", "occlusion", "block", "invite", "restore"} <= CHOICE_VALUES


def test_no_module_compares_against_a_choice_value_written_out():
    offenders = []
    for path in _sources():
        where = str(path.relative_to(REPO))
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Compare):
                continue
            for operand in [node.left, *node.comparators]:
                for word in _strings(operand):
                    if word in CHOICE_VALUES and (where, word) not in OTHER_MEANINGS:
                        offenders.append(f"{where}:{node.lineno} compares with {word!r}: use its Enum member")
    assert not offenders, "\n".join(offenders)


def test_no_price_key_is_built_from_strings():
    offenders = [
        f"{path.relative_to(REPO)}:{node.lineno} reads a price with a built key"
        for path in _sources() for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Subscript) and isinstance(node.slice, (ast.JoinedStr, ast.BinOp))
        and "PRICE" in ast.unparse(node.value).upper()
    ]
    assert not offenders, "\n".join(offenders)
