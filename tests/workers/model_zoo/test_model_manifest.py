import re

import pytest

from workers.model_zoo.manifest import DEFAULT_MANIFEST_PATH, ManifestError, ModelManifest

REQUIRED_MODELS = {"det_10g", "w600k_r50", "inswapper_128", "gfpgan_1.4", "rife_4.9", "xseg_1", "bisenet_resnet_34"}


def test_real_manifest_is_complete():
    manifest = ModelManifest.load(DEFAULT_MANIFEST_PATH)
    assert REQUIRED_MODELS <= set(manifest.names)
    for entry in manifest.entries:
        assert entry.file.endswith(".onnx"), entry.name
        assert entry.urls and all(url.startswith("https://") for url in entry.urls), entry.name
        assert entry.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", entry.sha256), entry.name
        # size: null where no byte count is published (FaceFusion's exports publish none)
        assert entry.size is None or entry.size > 1_000_000, entry.name
        assert entry.license and entry.used_by, entry.name
    assert len({e.file for e in manifest.entries}) == len(manifest.entries)


def test_manifest_rejects_bad_entries():
    base = {"name": "a", "file": "a.onnx", "urls": ["https://x/a.onnx"], "sha256": "00",
            "size": 1, "license": "x", "used_by": []}
    with pytest.raises(ManifestError, match="64 hex"):
        ModelManifest.from_dict({"models": [base]})
    with pytest.raises(ManifestError, match="duplicate"):
        ModelManifest.from_dict({"models": [{**base, "sha256": None}] * 2})
    with pytest.raises(ManifestError, match="bare file name"):
        ModelManifest.from_dict({"models": [{**base, "sha256": None, "file": "../a.onnx"}]})
