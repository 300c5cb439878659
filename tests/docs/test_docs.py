"""The docs stay true to the code: every relative link of the README and docs/ leads to a file of
the repository (a clone has no ../shared), and every source path they name exists."""
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
SOURCE_PATH = re.compile(r"`((?:apps|workers|tests|isamurai_server|docs)/[\w./<>-]*)`")


def test_every_relative_link_of_the_docs_resolves_inside_the_repository():
    broken = []
    for doc in DOCS:
        for target in LINK.findall(doc.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            path = (doc.parent / target).resolve()
            if not path.exists() or not path.is_relative_to(REPO):
                broken.append(f"{doc.relative_to(REPO)} -> {target}")
    assert not broken, "\n".join(broken)


def test_every_source_path_the_docs_name_exists():
    missing = []
    for doc in DOCS:
        for named in SOURCE_PATH.findall(doc.read_text()):
            if "<" in named:  # a pattern such as apps/<app>/kind.py
                continue
            if not (REPO / named.rstrip("/")).exists():
                missing.append(f"{doc.relative_to(REPO)}: {named}")
    assert not missing, "\n".join(missing)
