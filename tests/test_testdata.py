"""The suite's real data lives in the project (tests/data), pinned by SHA256SUMS, and a missing or
altered file is reported (the `testdata` fixture then fails the test instead of skipping it)."""
import re
import shutil
from pathlib import Path

from tests.conftest import REPO_ROOT, TESTDATA_DIR, find_testdata_problems


def test_test_data_is_inside_the_project_and_whole():
    assert TESTDATA_DIR.is_relative_to(REPO_ROOT)
    assert find_testdata_problems(TESTDATA_DIR) == []
    listed = {line.split(maxsplit=1)[1].removeprefix("./")
              for line in (TESTDATA_DIR / "SHA256SUMS").read_text().splitlines()}
    present = {str(path.relative_to(TESTDATA_DIR)) for path in TESTDATA_DIR.rglob("*")
               if path.is_file() and path.name not in ("README.md", "SHA256SUMS")}
    assert listed == present
    readme = (TESTDATA_DIR / "README.md").read_text()
    for name in listed:  # every file has its source and licence written down
        assert Path(name).name in readme, name


def test_missing_or_altered_data_is_reported(tmp_path: Path):
    copy = tmp_path / "data"
    shutil.copytree(TESTDATA_DIR, copy)
    (copy / "images" / "obama.jpg").unlink()
    (copy / "videos" / "liveportrait_d18.mp4").write_bytes(b"not the clip")
    problems = find_testdata_problems(copy)
    assert len(problems) == 2
    assert any("obama.jpg is missing" in problem for problem in problems)
    assert any("liveportrait_d18.mp4 differs" in problem for problem in problems)
    assert find_testdata_problems(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere' / 'SHA256SUMS'} is missing"]


def test_no_test_skips_for_missing_data():
    """The data is part of the project: no test or fixture may turn its absence into a skip."""
    skip_call = re.compile(r"pytest\.(skip|importorskip)\(|mark\.skipif\(|except pytest\.skip")
    for path in (REPO_ROOT / "tests").rglob("*.py"):
        for line in path.read_text().splitlines():
            if skip_call.search(line) and re.search(r"testdata|test data|missing|not found", line, re.I):
                raise AssertionError(f"{path}: {line.strip()}")
