"""Texture through the warps (issue 22, item 7): what the align and paste-back warps and the
blend cost fine texture, for each interpolation choice, against today's choices in the same run.

    python -m bench.bench_texture [--photos obama.jpg biden.jpg newton.png] [--output PATH]

The identity round trip: a swap whose model returns its input crop exactly (what the pipeline's
round-trip stand-in ``tests/standin_models.build_round_trip_inswapper`` does), so a swap is
align -> pixel-shuffle -> (model) -> un-shuffle -> paste back, and what the result loses against
the input is the pipeline's own cost. The bench runs the workers' own aligner
(``workers.faces.align.FaceAligner``) and paster (``workers.faces.paste.FacePaster``) with each
choice; it checks once that it reproduces the full pipeline (``swap_image`` with the ONNX
round-trip stand-in) pixel for pixel with the shipped choices.

Material: real photos (``obama.jpg``, ``biden.jpg``; ``newton.png``, a public-domain painting),
each rescaled so its face box's longer side is 128 / 256 / 384 / 512 px, the keypoints and box
found there by the REAL SCRFD-500MF detector (testdata/models/det_500m.onnx) on the clean
rescaled photo, then made textured at that scale (``tests/texture_materials``: painting with a
canvas weave, film grain at 4 / 8 / 16 levels, noisy low light, and the plain photo).

Measures, inside the face box, for pixel_boost 128 / 256 / 512:
* PSNR of the round trip against the input;
* PSNR of the fine-texture band (image less its 1.5 px gaussian blur): how much texture survives;
* the texture energy kept (band energy out / in; 1 = all, < 1 smoothed away, > 1 added);
* pixels changed outside the face box (must be 0);
* for the residual paste: a swap that does change the face (a stand-in model returning the crop
  of the same picture with another texture seed), PSNR against that other picture, so a paste
  that keeps the target's own texture is not rewarded for it.

Results: stdout and bench/results/texture.json. The three photos take ~10 minutes on 2 shared
cores; ``--photos obama.jpg`` about 3.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import onnx

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.standin_models import build_round_trip_inswapper, write_standins  # noqa: E402
from tests.texture_materials import MATERIALS, high_pass, material  # noqa: E402
from workers.faces.align import INSWAPPER_128, FaceAligner  # noqa: E402
from workers.faces.analyser import Face, FaceAnalyser  # noqa: E402
from workers.faces.masks import box_mask  # noqa: E402
from workers.faces.paste import FacePaster, edge_ramp  # noqa: E402
from workers.faces.warp import (  # noqa: E402
    ALIGN_INTERPOLATION,
    BILINEAR,
    PASTE_INTERPOLATION,
    SUPERSAMPLED_AREA,
    WarpInterpolation,
    align_interpolation,
)
from workers.model_zoo.registry import ModelRegistry  # noqa: E402
from workers.pipelines.faceswap import swap_image  # noqa: E402
from workers.processors.face_swap import MODEL_SIZE, pixel_shuffle, pixel_unshuffle  # noqa: E402

TESTDATA = Path(os.environ.get("ISAMURAI_TESTDATA", REPO_ROOT.parent / "shared" / "testdata"))
RESULTS = REPO_ROOT / "bench" / "results" / "texture.json"
PHOTOS = ("obama.jpg", "biden.jpg", "newton.png")
FACE_SIZES = (128, 256, 384, 512)
BOOSTS = (128, 256, 512)

LINEAR, CUBIC, LANCZOS = cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_LANCZOS4
SHIPPED = "SHIPPED: bilinear at 128; from 256 the new warps"
NEW_EVERYWHERE = "the new warps at every boost, 128 included"


def both(flag: int) -> WarpInterpolation:
    return WarpInterpolation.always(flag)


class AnyShrink(WarpInterpolation):
    """``shrink`` for every shrink, not only a strong one (``enlarge`` otherwise)."""

    def for_scale(self, scale: float) -> int:
        return self.shrink if scale < 1.0 else self.enlarge


class InvertingPaster(FacePaster):
    """Today's paste-back warp as it was: the matrix inverted (invertAffineTransform), then
    warped without WARP_INVERSE_MAP (OpenCV inverts it back inside)."""

    def paste(self, frame, crop, matrix, box, *, mask=None, original=None) -> None:
        x1, y1, x2, y2 = box
        width, height = x2 - x1, y2 - y1
        back = cv2.invertAffineTransform(np.asarray(matrix, np.float64))
        back[:, 2] -= (x1, y1)
        size = (width, height)
        face = cv2.warpAffine(crop, back, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        crop_mask = self.crop_mask if mask is None else np.asarray(mask, np.float32)
        alpha = cv2.warpAffine(crop_mask, back, size, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        alpha *= edge_ramp(height, width, inset=0.0, fade=self.box_fade)
        region = frame[y1:y2, x1:x2]
        base = region.astype(np.float32)
        blended = (face.astype(np.float32) - base) * alpha[..., None] + base + 0.5
        region[...] = blended.astype(np.uint8)


class FrameSpaceMaskPaster(FacePaster):
    """The box mask computed for each frame pixel from where it lands in the crop (exact: no
    resampling of the mask). Only for the default box mask (its formula is known)."""

    def __init__(self, crop_size: int, *, inset: float, fade: float, **kwargs) -> None:
        super().__init__(crop_size, **kwargs)
        self.inset, self.fade = inset, fade

    def frame_mask(self, crop_mask, back, size):
        width, height = size
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
        u = back[0, 0] * xs + back[0, 1] * ys + back[0, 2]
        v = back[1, 0] * xs + back[1, 1] * ys + back[1, 2]
        side = float(self.crop_size)
        # edge_ramp's distance: to the nearest border pixel centre, over the side
        distance = np.minimum(np.minimum(u, side - 1 - u), np.minimum(v, side - 1 - v)) / side
        return np.clip((distance - self.inset) / self.fade, 0.0, 1.0).astype(np.float32)


class HardMaskPaster(FacePaster):
    """Replaces only the pixels where the warped mask is 1; every other pixel is left as it was."""

    def frame_mask(self, crop_mask, back, size):
        return (super().frame_mask(crop_mask, back, size) >= 1.0 - 1e-6).astype(np.float32)


# name -> (align interpolation, paster factory(size) ) ; the first is today's pipeline.
def choices() -> dict[str, tuple[WarpInterpolation, object]]:
    def paster(interp, **kwargs):
        return lambda size: FacePaster(size, interpolation=interp, **kwargs)

    return {
        "today: linear / linear (inverted matrix)": (BILINEAR, lambda size: InvertingPaster(size)),
        "linear / linear, WARP_INVERSE_MAP": (BILINEAR, paster(BILINEAR)),
        "align lanczos4 / paste linear": (both(LANCZOS), paster(BILINEAR)),
        "align linear / paste lanczos4": (BILINEAR, paster(both(LANCZOS))),
        "cubic / cubic": (both(CUBIC), paster(both(CUBIC))),
        "lanczos4 / lanczos4": (both(LANCZOS), paster(both(LANCZOS))),
        "align lanczos4, area for every shrink / paste lanczos4": (
            AnyShrink(near=LANCZOS, enlarge=LANCZOS, shrink=SUPERSAMPLED_AREA), paster(both(LANCZOS))),
        "align lanczos4 / paste lanczos4, area for every shrink": (
            both(LANCZOS), paster(AnyShrink(near=LANCZOS, enlarge=LANCZOS, shrink=SUPERSAMPLED_AREA))),
        "new warps, but align shrinking strongly with lanczos4": (both(LANCZOS), paster(PASTE_INTERPOLATION)),
        "new warps, but paste enlarging strongly with lanczos4": (ALIGN_INTERPOLATION, paster(both(LANCZOS))),
        NEW_EVERYWHERE: (ALIGN_INTERPOLATION, paster(PASTE_INTERPOLATION)),
        SHIPPED: (align_interpolation, lambda size: FacePaster(size)),
        "shipped + residual paste (swapped - aligned)": (
            align_interpolation, lambda size: FacePaster(size, residual=True)),
    }


def blend_choices() -> dict[str, tuple[WarpInterpolation, object, dict]]:
    """Blend variants, all with the new warps at every boost (whose blend, the shipped one, is a
    mask warped bilinearly, feather 0.3: compare with that row). The dict: box_mask keywords."""
    def paster(**kwargs):
        return lambda size: FacePaster(size, interpolation=PASTE_INTERPOLATION, **kwargs)

    return {
        "blend: feather 0.15": (ALIGN_INTERPOLATION, paster(), {"blur": 0.15}),
        "blend: feather 0.6": (ALIGN_INTERPOLATION, paster(), {"blur": 0.6}),
        "blend: mask warped with lanczos4": (ALIGN_INTERPOLATION, paster(mask_interpolation=LANCZOS), {}),
        "blend: mask computed in frame space": (
            ALIGN_INTERPOLATION,
            lambda size: FrameSpaceMaskPaster(size, inset=0.08, fade=0.12, interpolation=PASTE_INTERPOLATION), {}),
        "blend: replace only where mask is 1": (
            ALIGN_INTERPOLATION, lambda size: HardMaskPaster(size, interpolation=PASTE_INTERPOLATION), {}),
    }


def psnr(first: np.ndarray, second: np.ndarray) -> float:
    error = float(np.mean((first.astype(np.float64) - second.astype(np.float64)) ** 2))
    return float(10 * np.log10(255.0 ** 2 / max(error, 1e-12)))


def round_trip(frame: np.ndarray, face: Face, boost: int, align: WarpInterpolation, paster: FacePaster,
               *, mask_options: dict, model_image: np.ndarray | None = None) -> np.ndarray:
    """The swap of ``face`` with a model returning its input (or, with ``model_image``, the
    crop of that picture aligned the same way), pasted back into a copy of ``frame``."""
    align = align(boost) if callable(align) else align  # by the crop's size, as the pipeline picks it
    aligner = FaceAligner(INSWAPPER_128 * (boost / MODEL_SIZE), boost, interpolation=align)
    original, matrix = aligner.crop(frame, face.keypoints)
    factor = boost // MODEL_SIZE
    model_input = original if model_image is None else aligner.crop(model_image, face.keypoints)[0]
    swapped = pixel_shuffle([part.copy() for part in pixel_unshuffle(model_input, factor)], factor)
    out = frame.copy()
    paster.paste(out, swapped, matrix, face.pixel_box(frame.shape), mask=box_mask(boost, **mask_options),
                 original=original)
    return out


def measures(out: np.ndarray, reference: np.ndarray, face: Face) -> dict:
    x1, y1, x2, y2 = face.pixel_box(reference.shape)
    area = (slice(y1, y2), slice(x1, x2))
    band_out, band_in = high_pass(out[area]), high_pass(reference[area])  # the box only: fast
    energy = float((band_in.astype(np.float64) ** 2).sum())
    return {"psnr": round(psnr(out[area], reference[area]), 2),
            "texture_psnr": round(psnr(band_out, band_in), 2),
            "texture_kept": round(float((band_out.astype(np.float64) ** 2).sum()) / max(energy, 1e-9), 3)}


def scaled_photos(analyser: FaceAnalyser, names) -> list[tuple[str, int, np.ndarray, Face]]:
    out = []
    for name in names:
        image = cv2.imread(str(TESTDATA / "images" / name))
        if image is None:
            raise SystemExit(f"{name} not found under {TESTDATA}/images")
        face = max(analyser.analyse(image, embed=False), key=lambda f: f.area)
        for size in FACE_SIZES:
            scale = size / max(face.width, face.height)
            scaled = cv2.resize(image, None, fx=scale, fy=scale,
                                interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
            faces = analyser.analyse(scaled, embed=False)
            if not faces:
                raise SystemExit(f"the detector found no face in {name} at {size} px")
            out.append((name, size, scaled, max(faces, key=lambda f: f.area)))
    return out


def pipeline_check(folder: Path, photo: np.ndarray) -> int:
    """Largest level difference between the real pipeline (swap_image, ONNX round-trip
    stand-in, real detector) and this bench on ``photo``: at pixel_boost 512 the shipped path,
    at 128 today's code as it was (the default swap must not change by a level)."""
    write_standins(folder, names=["w600k_r50"])
    onnx.save(build_round_trip_inswapper(), str(folder / "inswapper_128.onnx"))
    shutil.copyfile(TESTDATA / "models" / "det_500m.onnx", folder / "det_10g.onnx")
    models = ModelRegistry(folder, providers="cpu")
    result = swap_image(models, target=photo, sources=photo, face_selection="all", pixel_boost="512")
    face = max(FaceAnalyser(models).analyse(photo, embed=False), key=lambda f: f.area)
    align, make = choices()[SHIPPED]
    ours = round_trip(photo, face, 512, align, make(512), mask_options={})
    default = swap_image(models, target=photo, sources=photo, face_selection="all")
    align, make = choices()[next(iter(choices()))]
    before = round_trip(photo, face, 128, align, make(128), mask_options={})
    return max(int(np.abs(result.astype(int) - ours).max()), int(np.abs(default.astype(int) - before).max()))


def warp_cost(photos, repeats: int = 15) -> dict:
    """Milliseconds per face of align + paste back (model excluded), today's warps vs the new
    ones (at every boost; the shipped default 128 keeps today's), interleaved so a busy moment
    of the shared machine hits both alike; best of ``repeats``, on the plain photo at each face
    size."""
    contenders = {label: choices()[label] for label in (next(iter(choices())), NEW_EVERYWHERE)}
    out: dict = {}
    for name, size, image, face in photos:
        if name != photos[0][0]:
            continue
        for boost in BOOSTS:
            best = dict.fromkeys(contenders, float("inf"))
            for _ in range(repeats):
                for label, (align, make) in contenders.items():
                    paster = make(boost)
                    start = time.perf_counter()
                    round_trip(image, face, boost, align, paster, mask_options={})
                    best[label] = min(best[label], time.perf_counter() - start)
            today, shipped = best.values()
            out[f"face {size} px, pixel_boost {boost}"] = {
                "today_ms": round(1000 * today, 2), "shipped_ms": round(1000 * shipped, 2),
                "shipped_vs_today": round(shipped / today, 2)}
    return out


def summarise(rows: list[dict], names: list[str]) -> dict:
    """Per choice: the worst (min over photos) PSNR and gain of 512 over 128 per material and face size."""
    table: dict = {}
    for name in names:
        for row in (r for r in rows if r["choice"] == name):
            key = f"{row['material']}@{row['face_px']}"
            entry = table.setdefault(name, {}).setdefault(key, {"psnr_128": [], "psnr_512": [], "gain": [],
                                                                  "texture_kept_512": []})
            entry["psnr_128"].append(row["128"]["psnr"])
            entry["psnr_512"].append(row["512"]["psnr"])
            entry["gain"].append(row["512"]["psnr"] - row["128"]["psnr"])
            entry["texture_kept_512"].append(row["512"]["texture_kept"])
    return {name: {key: {"psnr_128_min": round(min(v["psnr_128"]), 2), "psnr_512_min": round(min(v["psnr_512"]), 2),
                         "gain_512_over_128_min": round(min(v["gain"]), 2),
                         "texture_kept_512_min": round(min(v["texture_kept_512"]), 3)}
                   for key, v in per.items()} for name, per in table.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", nargs="+", default=list(PHOTOS))
    parser.add_argument("--output", type=Path, default=RESULTS)
    arguments = parser.parse_args(argv)
    started = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="bench_texture_") as folder:
        folder = Path(folder)
        write_standins(folder / "detect", names=["w600k_r50"])
        shutil.copyfile(TESTDATA / "models" / "det_500m.onnx", folder / "detect" / "det_10g.onnx")
        analyser = FaceAnalyser(ModelRegistry(folder / "detect", providers="cpu"))
        photos = scaled_photos(analyser, arguments.photos)
        check_photo = next(image for name, size, image, _ in photos if size == 256)
        pipeline_difference = pipeline_check(folder / "pipeline", check_photo)
    print(f"pipeline (swap_image, round-trip stand-in) vs this bench (shipped at 512, today's code at 128): "
          f"max {pipeline_difference} levels",
          flush=True)

    interpolation, blends = choices(), blend_choices()
    rows = []
    for name, size, clean, face in photos:
        for material_name in MATERIALS:
            image = material(material_name, clean, seed=0)
            other = material(material_name, clean, seed=1)
            runs = {**{label: (align, make, {}) for label, (align, make) in interpolation.items()}, **blends}
            for label, (align, make, mask_options) in runs.items():
                row = {"photo": name, "face_px": size, "material": material_name, "choice": label}
                for boost in BOOSTS:
                    out = round_trip(image, face, boost, align, make(boost), mask_options=mask_options)
                    row[str(boost)] = measures(out, image, face)
                    changed = (out != image).any(axis=-1)
                    x1, y1, x2, y2 = face.pixel_box(image.shape)
                    changed[y1:y2, x1:x2] = False
                    row[str(boost)]["changed_outside"] = int(np.count_nonzero(changed))
                    if material_name != "photo" and label in (next(iter(interpolation)), *list(interpolation)[-2:]):
                        swapped = round_trip(image, face, boost, align, make(boost), mask_options=mask_options,
                                             model_image=other)
                        row[str(boost)]["other_texture_psnr"] = measures(swapped, other, face)["psnr"]
                rows.append(row)
        print(f"{name}@{size}: done ({time.perf_counter() - started:.0f} s)", flush=True)

    names = list(interpolation) + list(blends)
    summary = summarise(rows, names)
    today = next(iter(interpolation))
    print(f"\n{'choice':58} {'material':13} " + " ".join(f"{s:>16}" for s in FACE_SIZES[1:]))
    print(f"{'':58} {'':13} " + " ".join(f"{'512 dB (gain)':>16}" for _ in FACE_SIZES[1:]))
    for name in names:
        for material_name in MATERIALS:
            cells = []
            for size in FACE_SIZES[1:]:
                entry = summary[name][f"{material_name}@{size}"]
                cells.append(f"{entry['psnr_512_min']:6.1f} ({entry['gain_512_over_128_min']:+5.1f})")
            print(f"{name[:58]:58} {material_name:13} " + " ".join(f"{c:>16}" for c in cells))
    worst = {name: min(entry["gain_512_over_128_min"] for key, entry in summary[name].items()
                       if int(key.split("@")[1]) >= 256) for name in names}
    print("\nworst gain of 512 over 128, faces >= 256 px, every material and photo:")
    for name in names:
        base = worst[today]
        print(f"  {name:58} {worst[name]:+6.2f} dB (today {base:+.2f})")
    changed = sum(row[str(b)]["changed_outside"] for row in rows for b in BOOSTS)
    print(f"pixels changed outside the face boxes, all runs: {changed}")

    cost = warp_cost(photos)
    print("\nalign + paste back per face (ms, best of 15; the frame copy included), today vs the new warps:")
    for key, entry in cost.items():
        print(f"  {key:28} {entry['today_ms']:7.2f} {entry['shipped_ms']:7.2f}  x{entry['shipped_vs_today']}")

    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps({
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "opencv": cv2.__version__},
        "detector": "real SCRFD-500MF (testdata/models/det_500m.onnx) on the clean rescaled photos",
        "pipeline_vs_bench_max_levels": pipeline_difference,
        "worst_gain_512_over_128_faces_256_plus": worst,
        "changed_pixels_outside_boxes": changed,
        "warp_cost": cost,
        "summary": summary, "rows": rows}, indent=1) + "\n", encoding="utf-8")
    print(f"written {arguments.output} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
