"""Tiny ONNX stand-ins with the real models' file names and input/output signatures.

They let tests (and smoke runs of a server) exercise the real loading and pre/post-processing
code without the hundreds of MB of real weights. Their output is meaningless, and each one is
marked in its metadata (``isamurai_standin=true``) and doc string.

    python -m tests.standin_models <folder> [--only NAME ...]
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from workers.model_zoo.manifest import STANDIN_METADATA_KEY, ModelManifest

OPSET = 17
IR_VERSION = 8  # loadable by every onnxruntime this project supports
FLOAT = TensorProto.FLOAT
# SCRFD-10G's output tensor names, in the order its graph lists them:
# scores for strides 8/16/32, then boxes 8/16/32, then keypoints 8/16/32.
SCRFD_OUTPUT_NAMES = ("448", "471", "494", "451", "474", "497", "454", "477", "500")
SCRFD_STRIDES = (8, 16, 32)
SCRFD_ANCHORS = 2


class _Weights:
    """Deterministic small weights, so the same stand-in is written byte-for-byte every time."""

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)
        self.initializers: list[onnx.TensorProto] = []

    def add(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def normal(self, name: str, shape: tuple[int, ...], scale: float) -> str:
        return self.add(name, (self._rng.standard_normal(shape) * scale).astype(np.float32))

    def near_identity_conv(self, name: str, channels: int, noise: float = 0.01) -> str:
        # A 3x3 convolution that passes each channel through, plus a little noise.
        kernel = self._rng.standard_normal((channels, channels, 3, 3)) * noise
        for channel in range(channels):
            kernel[channel, channel, 1, 1] += 1.0
        return self.add(name, kernel.astype(np.float32))


def _model(graph: onnx.GraphProto, real_name: str) -> onnx.ModelProto:
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="isamurai tests.standin_models",
        doc_string=(
            f"TEST STAND-IN for {real_name}: tiny deterministic weights with the real model's "
            "input/output signature. Its output is meaningless; never use it for users' media."
        ),
    )
    model.ir_version = IR_VERSION
    helper.set_model_props(model, {STANDIN_METADATA_KEY: "true", "isamurai_standin_for": real_name})
    onnx.checker.check_model(model)
    return model


def build_scrfd_detector() -> onnx.ModelProto:
    """SCRFD-10G layout: ``input.1`` [1,3,H,W] -> 9 outputs [N,1], [N,4], [N,10] per stride.

    N = (H/stride) * (W/stride) * 2 anchors, rows ordered by (y, x, anchor) as in SCRFD.
    Scores sit near 0.002 whatever the image, so the stand-in reports no faces.
    """
    weights = _Weights(seed=10)
    nodes = []
    score_outputs, box_outputs, keypoint_outputs = [], [], []
    for stride, score_name, box_name, keypoint_name in zip(
        SCRFD_STRIDES, SCRFD_OUTPUT_NAMES[0:3], SCRFD_OUTPUT_NAMES[3:6], SCRFD_OUTPUT_NAMES[6:9],
        strict=True,
    ):
        pooled = f"pool{stride}"
        nodes.append(helper.make_node("AveragePool", ["input.1"], [pooled],
                                      kernel_shape=[stride, stride], strides=[stride, stride]))
        for kind, per_anchor, out_name, bias in (
            ("score", 1, score_name, -6.0),
            ("box", 4, box_name, 1.0),
            ("kps", 10, keypoint_name, 0.0),
        ):
            channels = per_anchor * SCRFD_ANCHORS
            weight = weights.normal(f"{kind}{stride}_w", (channels, 3, 1, 1), 0.05)
            bias_name = weights.add(f"{kind}{stride}_b", np.full(channels, bias, np.float32))
            conv = f"{kind}{stride}_conv"
            nodes.append(helper.make_node("Conv", [pooled, weight, bias_name], [conv]))
            source = conv
            if kind == "score":
                nodes.append(helper.make_node("Sigmoid", [conv], [f"{conv}_sig"]))
                source = f"{conv}_sig"
            nodes.append(helper.make_node("Transpose", [source], [f"{conv}_nhwc"],
                                          perm=[0, 2, 3, 1]))
            shape = weights.add(f"{kind}{stride}_shape", np.array([-1, per_anchor], np.int64))
            nodes.append(helper.make_node("Reshape", [f"{conv}_nhwc", shape], [out_name]))
        score_outputs.append(helper.make_tensor_value_info(score_name, FLOAT, [None, 1]))
        box_outputs.append(helper.make_tensor_value_info(box_name, FLOAT, [None, 4]))
        keypoint_outputs.append(helper.make_tensor_value_info(keypoint_name, FLOAT, [None, 10]))
    graph = helper.make_graph(
        nodes, "scrfd_standin",
        [helper.make_tensor_value_info("input.1", FLOAT, [1, 3, None, None])],
        score_outputs + box_outputs + keypoint_outputs,
        initializer=weights.initializers,
    )
    return _model(graph, "SCRFD-10GF det_10g.onnx")


def build_arcface() -> onnx.ModelProto:
    """ArcFace w600k_r50 layout: ``input.1`` [N,3,112,112] -> ``683`` [N,512].

    The embedding depends on the image (a 7x7 colour thumbnail times a fixed random matrix),
    so different faces get different embeddings and the same image the same one.
    """
    weights = _Weights(seed=50)
    matrix = weights.normal("fc_w", (3 * 7 * 7, 512), 0.1)
    bias = weights.add("fc_b", np.zeros(512, np.float32))
    nodes = [
        helper.make_node("AveragePool", ["input.1"], ["thumb"], kernel_shape=[16, 16],
                         strides=[16, 16]),
        helper.make_node("Flatten", ["thumb"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", matrix, bias], ["683"]),
    ]
    graph = helper.make_graph(
        nodes, "arcface_standin",
        [helper.make_tensor_value_info("input.1", FLOAT, [None, 3, 112, 112])],
        [helper.make_tensor_value_info("683", FLOAT, [None, 512])],
        initializer=weights.initializers,
    )
    return _model(graph, "ArcFace w600k_r50.onnx")


def build_inswapper() -> onnx.ModelProto:
    """inswapper_128 layout: ``target`` [1,3,128,128] + ``source`` [1,512] -> ``output``.

    Output is in [0,1] like the real model, and ``emap`` [512,512] is the graph's LAST
    initializer, where InsightFace's loader reads it from.
    """
    weights = _Weights(seed=128)
    conv = weights.near_identity_conv("conv_w", 3)
    conv_bias = weights.add("conv_b", np.zeros(3, np.float32))
    to_colour = weights.normal("latent_w", (512, 3), 0.02)
    colour_shape = weights.add("colour_shape", np.array([1, 3, 1, 1], np.int64))
    weights.normal("emap", (512, 512), 1.0 / np.sqrt(512.0))  # added last on purpose
    nodes = [
        helper.make_node("Conv", ["target", conv, conv_bias], ["passed"], pads=[1, 1, 1, 1]),
        helper.make_node("MatMul", ["source", "emap"], ["latent"]),
        helper.make_node("MatMul", ["latent", to_colour], ["colour"]),
        helper.make_node("Reshape", ["colour", colour_shape], ["colour_4d"]),
        helper.make_node("Add", ["passed", "colour_4d"], ["mixed"]),
        helper.make_node("Clip", ["mixed", "zero", "one"], ["output"]),
    ]
    weights.initializers.insert(0, numpy_helper.from_array(np.array(0.0, np.float32), "zero"))
    weights.initializers.insert(1, numpy_helper.from_array(np.array(1.0, np.float32), "one"))
    graph = helper.make_graph(
        nodes, "inswapper_standin",
        [helper.make_tensor_value_info("target", FLOAT, [1, 3, 128, 128]),
         helper.make_tensor_value_info("source", FLOAT, [1, 512])],
        [helper.make_tensor_value_info("output", FLOAT, [1, 3, 128, 128])],
        initializer=weights.initializers,
    )
    assert graph.initializer[-1].name == "emap"
    return _model(graph, "inswapper_128.onnx")


def build_round_trip_inswapper(cast_rgb: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> onnx.ModelProto:
    """inswapper_128 layout whose output is its input crop, plus ``cast_rgb`` (in [0,1], then
    clipped): with no cast a swap becomes a round trip, so whatever the result loses against
    the input is the pipeline's own cost (alignment, boost, masks, paste). The source latent
    passes through ``emap`` and is multiplied by zero, so the graph reads both inputs."""
    weights = _Weights(seed=129)
    silence = weights.add("silence", np.zeros((512, 3), np.float32))
    cast = weights.add("cast", np.asarray(cast_rgb, np.float32).reshape(1, 3, 1, 1))
    colour_shape = weights.add("colour_shape", np.array([1, 3, 1, 1], np.int64))
    weights.add("zero", np.array(0.0, np.float32))
    weights.add("one", np.array(1.0, np.float32))
    weights.normal("emap", (512, 512), 1.0 / np.sqrt(512.0))  # last, where loaders read it
    nodes = [
        helper.make_node("MatMul", ["source", "emap"], ["latent"]),
        helper.make_node("MatMul", ["latent", silence], ["nothing"]),
        helper.make_node("Reshape", ["nothing", colour_shape], ["nothing_4d"]),
        helper.make_node("Add", ["target", "nothing_4d"], ["same"]),
        helper.make_node("Add", ["same", cast], ["cast_added"]),
        helper.make_node("Clip", ["cast_added", "zero", "one"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "inswapper_round_trip_standin",
        [helper.make_tensor_value_info("target", FLOAT, [1, 3, 128, 128]),
         helper.make_tensor_value_info("source", FLOAT, [1, 512])],
        [helper.make_tensor_value_info("output", FLOAT, [1, 3, 128, 128])],
        initializer=weights.initializers,
    )
    assert graph.initializer[-1].name == "emap"
    return _model(graph, "inswapper_128.onnx (round trip: output = input crop + cast)")


# The other swappers (swap_model): (pixel normalisation of 'target', output denormalised?) as
# FaceFusion's model table gives them (workers/faces/hyperswap.py, ghost.py, simswap.py).
HALF = ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
IMAGENET = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
SWAPPER_LAYOUTS = {
    # name: (size, (mean, std), output in the normalised space, outputs)
    "hyperswap_1a_256": (256, HALF, True, ("output", "mask")),
    "hyperswap_1b_256": (256, HALF, True, ("output", "mask")),
    "hyperswap_1c_256": (256, HALF, True, ("output", "mask")),
    "ghost_1_256": (256, HALF, True, ("output",)),
    "ghost_2_256": (256, HALF, True, ("output",)),
    "ghost_3_256": (256, HALF, True, ("output",)),
    "simswap_256": (256, IMAGENET, False, ("output",)),
}


def build_swapper(name: str, *, round_trip: bool = False,
                  cast_rgb: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> onnx.ModelProto:
    """A 256-px swapper's layout (``SWAPPER_LAYOUTS``): ``target`` [1,3,S,S] normalised as the
    model expects + ``source`` [1,512] -> ``output`` [1,3,S,S] in the model's output space (and
    HyperSwap's ``mask`` [1,1,S,S]). HyperSwap's graph lists ``source`` first, as its export does.

    The graph brings the target back to RGB in [0,1], passes it through a near-identity
    convolution (``round_trip``: unchanged), adds a colour from the source latent (round trip:
    times zero, so the graph still reads it) and ``cast_rgb``, clips to [0,1] and normalises
    again where the real model answers in the normalised space. With ``round_trip`` and no cast
    a swap is a round trip through the model's pre- and post-processing."""
    size, (mean, std), denormalised, outputs = SWAPPER_LAYOUTS[name]
    weights = _Weights(seed=sum(map(ord, name)) + (1 if round_trip else 0))
    mean_4d = weights.add("mean", np.asarray(mean, np.float32).reshape(1, 3, 1, 1))
    std_4d = weights.add("std", np.asarray(std, np.float32).reshape(1, 3, 1, 1))
    to_colour = (weights.add("latent_w", np.zeros((512, 3), np.float32)) if round_trip
                 else weights.normal("latent_w", (512, 3), 0.02))
    colour_shape = weights.add("colour_shape", np.array([1, 3, 1, 1], np.int64))
    cast = weights.add("cast", np.asarray(cast_rgb, np.float32).reshape(1, 3, 1, 1))
    weights.add("zero", np.array(0.0, np.float32))
    weights.add("one", np.array(1.0, np.float32))
    nodes = [
        helper.make_node("Mul", ["target", std_4d], ["scaled"]),
        helper.make_node("Add", ["scaled", mean_4d], ["rgb"]),
    ]
    if round_trip:
        nodes.append(helper.make_node("Identity", ["rgb"], ["passed"]))
    else:
        conv = weights.near_identity_conv("conv_w", 3)
        conv_bias = weights.add("conv_b", np.zeros(3, np.float32))
        nodes.append(helper.make_node("Conv", ["rgb", conv, conv_bias], ["passed"], pads=[1, 1, 1, 1]))
    nodes += [
        helper.make_node("MatMul", ["source", to_colour], ["colour"]),
        helper.make_node("Reshape", ["colour", colour_shape], ["colour_4d"]),
        helper.make_node("Add", ["passed", "colour_4d"], ["mixed"]),
        helper.make_node("Add", ["mixed", cast], ["cast_added"]),
        helper.make_node("Clip", ["cast_added", "zero", "one"], ["swapped_rgb"]),
    ]
    if denormalised:
        nodes += [helper.make_node("Sub", ["swapped_rgb", mean_4d], ["centred"]),
                  helper.make_node("Div", ["centred", std_4d], [outputs[0]])]
    else:
        nodes.append(helper.make_node("Identity", ["swapped_rgb"], [outputs[0]]))
    graph_outputs = [helper.make_tensor_value_info(outputs[0], FLOAT, [1, 3, size, size])]
    if "mask" in outputs:
        grey = weights.add("grey", np.full((1, 3, 1, 1), 1.0 / 3.0, np.float32))
        nodes += [helper.make_node("Conv", ["swapped_rgb", grey], ["grey_level"]),
                  helper.make_node("Sigmoid", ["grey_level"], ["mask"])]
        graph_outputs.append(helper.make_tensor_value_info("mask", FLOAT, [1, 1, size, size]))
    inputs = {"target": helper.make_tensor_value_info("target", FLOAT, [1, 3, size, size]),
              "source": helper.make_tensor_value_info("source", FLOAT, [1, 512])}
    order = ("source", "target") if "mask" in outputs else ("target", "source")
    graph = helper.make_graph(nodes, f"{name}_standin", [inputs[key] for key in order], graph_outputs,
                              initializer=weights.initializers)
    kind = " (round trip: output = input crop + cast)" if round_trip else ""
    return _model(graph, f"{name}.onnx{kind}")


def build_round_trip_swapper(name: str, cast_rgb: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> onnx.ModelProto:
    """Any swapper's layout whose output is its input crop (plus ``cast_rgb``): inswapper's
    (:func:`build_round_trip_inswapper`) or a 256-px one's (:func:`build_swapper`)."""
    if name == "inswapper_128":
        return build_round_trip_inswapper(cast_rgb)
    return build_swapper(name, round_trip=True, cast_rgb=cast_rgb)


def build_crossface() -> onnx.ModelProto:
    """CrossFace embedding converter layout: ``input`` [1,512] -> ``output`` [1,512]; like the
    real net, it L2-normalises its input first (then a fixed random linear map; its output is
    not unit length, like the real one's)."""
    weights = _Weights(seed=512)
    matrix = weights.normal("linear_w", (512, 512), 3.0 / np.sqrt(512.0))
    bias = weights.add("linear_b", np.full(512, 0.01, np.float32))
    nodes = [
        helper.make_node("LpNormalization", ["input"], ["unit"], axis=-1, p=2),
        helper.make_node("Gemm", ["unit", matrix, bias], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "crossface_standin",
        [helper.make_tensor_value_info("input", FLOAT, [1, 512])],
        [helper.make_tensor_value_info("output", FLOAT, [1, 512])],
        initializer=weights.initializers,
    )
    return _model(graph, "FaceFusion crossface_*.onnx")


def build_xseg() -> onnx.ModelProto:
    """XSeg occluder layout: ``input`` [1,256,256,3] BGR in [0,1] (NHWC) -> ``output``
    [1,256,256,1] in [0,1]. The stand-in calls a pixel visible when it is redder than it is
    blue (a per-pixel sigmoid), so its masks have both values on real faces."""
    weights = _Weights(seed=256)
    mix = weights.add("mix", np.array([[-12.0], [0.0], [12.0]], np.float32))  # B, G, R
    bias = weights.add("bias", np.array([-0.3], np.float32))
    nodes = [
        helper.make_node("MatMul", ["input", mix], ["mixed"]),
        helper.make_node("Add", ["mixed", bias], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "xseg_standin",
        [helper.make_tensor_value_info("input", FLOAT, [1, 256, 256, 3])],
        [helper.make_tensor_value_info("output", FLOAT, [1, 256, 256, 1])],
        initializer=weights.initializers,
    )
    return _model(graph, "XSeg xseg_1.onnx")


def build_bisenet() -> onnx.ModelProto:
    """BiSeNet face parser layout: ``input`` [1,3,512,512] (ImageNet-normalised RGB) ->
    ``output`` [1,19,512,512] class scores, from a fixed random 1x1 convolution of the colours
    (so the label map follows the image, meaninglessly)."""
    weights = _Weights(seed=34)
    kernel = weights.normal("classes_w", (19, 3, 1, 1), 1.0)
    bias = weights.add("classes_b", np.where(np.arange(19) == 1, 1.5, 0.0).astype(np.float32))
    nodes = [helper.make_node("Conv", ["input", kernel, bias], ["output"])]
    graph = helper.make_graph(
        nodes, "bisenet_standin",
        [helper.make_tensor_value_info("input", FLOAT, [1, 3, 512, 512])],
        [helper.make_tensor_value_info("output", FLOAT, [1, 19, 512, 512])],
        initializer=weights.initializers,
    )
    return _model(graph, "BiSeNet bisenet_resnet_34.onnx")


def build_gfpgan() -> onnx.ModelProto:
    """GFPGAN v1.4 layout: ``input`` [1,3,512,512] in [-1,1] -> ``output`` same, in [-1,1]."""
    weights = _Weights(seed=14)
    conv = weights.near_identity_conv("conv_w", 3)
    bias = weights.add("conv_b", np.zeros(3, np.float32))
    nodes = [
        helper.make_node("Conv", ["input", conv, bias], ["restored"], pads=[1, 1, 1, 1]),
        helper.make_node("Tanh", ["restored"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "gfpgan_standin",
        [helper.make_tensor_value_info("input", FLOAT, [1, 3, 512, 512])],
        [helper.make_tensor_value_info("output", FLOAT, [1, 3, 512, 512])],
        initializer=weights.initializers,
    )
    return _model(graph, "GFPGANv1.4.onnx")


def build_rife() -> onnx.ModelProto:
    """RIFE v4.9 layout: ``img0``, ``img1`` [1,3,H,W] + ``timestep`` [1] -> ``output``.

    The stand-in blends linearly, ``img0 + (img1 - img0) * timestep``, so interpolated frames
    are predictable in tests.
    """
    nodes = [
        helper.make_node("Sub", ["img1", "img0"], ["difference"]),
        helper.make_node("Mul", ["difference", "timestep"], ["step"]),
        helper.make_node("Add", ["img0", "step"], ["output"]),
    ]
    frame = [1, 3, "height", "width"]
    graph = helper.make_graph(
        nodes, "rife_standin",
        [helper.make_tensor_value_info("img0", FLOAT, frame),
         helper.make_tensor_value_info("img1", FLOAT, frame),
         helper.make_tensor_value_info("timestep", FLOAT, [1])],
        [helper.make_tensor_value_info("output", FLOAT, frame)],
    )
    return _model(graph, "RIFE v4.9 rife49.onnx")


def build_nsfw_classifier() -> onnx.ModelProto:
    """vit-base-nsfw-detector layout: ``pixel_values`` [N,3,384,384] -> ``logits`` [N,2].

    The NSFW logit grows with how much redder than blue the whole picture is on average (a crude,
    deterministic image statistic: a mostly red picture scores near 1, ordinary photos near 0),
    so tests can send content the policy refuses without the real classifier.
    """
    weights = _Weights(seed=384)
    matrix = weights.add("head_w", np.array([[0.0, 20.0], [0.0, 0.0], [0.0, -20.0]], np.float32))
    bias = weights.add("head_b", np.array([0.0, -16.0], np.float32))
    nodes = [
        helper.make_node("ReduceMean", ["pixel_values"], ["pooled"], axes=[2, 3], keepdims=0),
        helper.make_node("Gemm", ["pooled", matrix, bias], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes, "nsfw_vit_standin",
        [helper.make_tensor_value_info("pixel_values", FLOAT, [None, 3, 384, 384])],
        [helper.make_tensor_value_info("logits", FLOAT, [None, 2])],
        initializer=weights.initializers,
    )
    return _model(graph, "vit-base-nsfw-detector model.onnx")


# -- face enhancers besides GFPGAN, the frame upscalers and the colouriser (issue 22) -----------------

def build_signed_enhancer(real_name: str, size: int = 512, *, seed: int = 22) -> onnx.ModelProto:
    """A face restorer's layout (GPEN, RestoreFormer++): ``input`` [1,3,S,S] in [-1,1] ->
    ``output`` the same, from a near-identity 3x3 convolution and a tanh (like GFPGAN's)."""
    weights = _Weights(seed=seed)
    conv = weights.near_identity_conv("conv_w", 3)
    bias = weights.add("conv_b", np.zeros(3, np.float32))
    nodes = [
        helper.make_node("Conv", ["input", conv, bias], ["restored"], pads=[1, 1, 1, 1]),
        helper.make_node("Tanh", ["restored"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "enhancer_standin",
        [helper.make_tensor_value_info("input", FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output", FLOAT, [1, 3, size, size])],
        initializer=weights.initializers,
    )
    return _model(graph, real_name)


def build_codeformer() -> onnx.ModelProto:
    """CodeFormer layout: ``input`` [1,3,512,512] in [-1,1] and ``weight`` [1] float64 ->
    ``output`` [1,3,512,512]. The stand-in answers ``w * input + (1 - w) * tanh(conv(input))``, so
    a test can see the fidelity weight arrive (w = 1 gives the input back)."""
    weights = _Weights(seed=51)
    conv = weights.near_identity_conv("conv_w", 3, noise=0.2)
    bias = weights.add("conv_b", np.zeros(3, np.float32))
    one = weights.add("one", np.ones(1, np.float32))
    nodes = [
        helper.make_node("Cast", ["weight"], ["w"], to=FLOAT),
        helper.make_node("Conv", ["input", conv, bias], ["mixed"], pads=[1, 1, 1, 1]),
        helper.make_node("Tanh", ["mixed"], ["restored"]),
        helper.make_node("Mul", ["input", "w"], ["kept"]),
        helper.make_node("Sub", [one, "w"], ["rest"]),
        helper.make_node("Mul", ["restored", "rest"], ["changed"]),
        helper.make_node("Add", ["kept", "changed"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "codeformer_standin",
        [helper.make_tensor_value_info("input", FLOAT, [1, 3, 512, 512]),
         helper.make_tensor_value_info("weight", TensorProto.DOUBLE, [1])],
        [helper.make_tensor_value_info("output", FLOAT, [1, 3, 512, 512])],
        initializer=weights.initializers,
    )
    return _model(graph, "codeformer.onnx")


def build_round_trip_enhancer(size: int = 512, *, weight: bool = False) -> onnx.ModelProto:
    """An enhancer that answers its input crop unchanged (``weight``: with CodeFormer's second
    input), so a test measures what the align -> normalise -> denormalise -> paste round trip
    itself loses."""
    nodes = [helper.make_node("Identity", ["input"], ["output"])]
    inputs = [helper.make_tensor_value_info("input", FLOAT, [1, 3, size, size])]
    if weight:
        inputs.append(helper.make_tensor_value_info("weight", TensorProto.DOUBLE, [1]))
    graph = helper.make_graph(nodes, "enhancer_round_trip", inputs,
                              [helper.make_tensor_value_info("output", FLOAT, [1, 3, size, size])])
    return _model(graph, f"face enhancer {size} (round trip: output = input)")


# The upscaler stand-in's known mapping: a 3x3 blur, nearest-neighbour upscaling, then this gain/offset.
UPSCALER_GAIN, UPSCALER_OFFSET = 0.9, 0.05
UPSCALER_BLUR = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], np.float32) / 16.0


def build_upscaler(scale: int) -> onnx.ModelProto:
    """Real-ESRGAN x``scale`` layout: ``input`` [1,3,H,W] RGB in [0,1] -> ``output``
    [1,3,sH,sW]. The stand-in blurs each channel (3x3, zero-padded), repeats each pixel ``scale``
    times each way and maps v -> 0.9 v + 0.05: every output pixel is known, and its receptive
    field (one pixel) is what a tiling test needs to prove the seams invisible."""
    weights = _Weights(seed=scale)
    kernel = weights.add("blur_w", np.repeat(UPSCALER_BLUR[None, None], 3, axis=0))
    scales = weights.add("scales", np.array([1, 1, scale, scale], np.float32))
    gain = weights.add("gain", np.array([UPSCALER_GAIN], np.float32))
    offset = weights.add("offset", np.array([UPSCALER_OFFSET], np.float32))
    nodes = [
        helper.make_node("Conv", ["input", kernel], ["blurred"], pads=[1, 1, 1, 1], group=3),
        helper.make_node("Resize", ["blurred", "", scales], ["large"], mode="nearest",
                         coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
        helper.make_node("Mul", ["large", gain], ["scaled"]),
        helper.make_node("Add", ["scaled", offset], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, f"real_esrgan_x{scale}_standin",
        [helper.make_tensor_value_info("input", FLOAT, [1, 3, "height", "width"])],
        [helper.make_tensor_value_info("output", FLOAT, [1, 3, "out_height", "out_width"])],
        initializer=weights.initializers,
    )
    return _model(graph, f"real_esrgan_x{scale}.onnx")


# The colouriser stand-in's known mapping: a = 40 x (mean of the RGB input), b = -20 everywhere.
COLORIZER_A_GAIN, COLORIZER_B = 40.0, -20.0


def build_ddcolor() -> onnx.ModelProto:
    """DDColor layout: ``input`` [1,3,256,256] (the grey L as RGB in [0,1]) -> ``output``
    [1,2,256,256] a/b in Lab units. The stand-in's a/b: a = 40 x grey, b = -20 (a known colour
    for a test to find)."""
    weights = _Weights(seed=25)
    kernel = np.zeros((2, 3, 1, 1), np.float32)
    kernel[0, :, 0, 0] = COLORIZER_A_GAIN / 3.0
    kernel = weights.add("ab_w", kernel)
    bias = weights.add("ab_b", np.array([0.0, COLORIZER_B], np.float32))
    nodes = [helper.make_node("Conv", ["input", kernel, bias], ["output"])]
    graph = helper.make_graph(
        nodes, "ddcolor_standin",
        [helper.make_tensor_value_info("input", FLOAT, [1, 3, 256, 256])],
        [helper.make_tensor_value_info("output", FLOAT, [1, 2, 256, 256])],
        initializer=weights.initializers,
    )
    return _model(graph, "ddcolor.onnx")


BUILDERS: dict[str, Callable[[], onnx.ModelProto]] = {
    "det_10g": build_scrfd_detector,
    "w600k_r50": build_arcface,
    "inswapper_128": build_inswapper,
    "gfpgan_1.4": build_gfpgan,
    "rife_4.9": build_rife,
    "xseg_1": build_xseg,
    "bisenet_resnet_34": build_bisenet,
    "nsfw_vit": build_nsfw_classifier,
    **{name: partial(build_swapper, name) for name in SWAPPER_LAYOUTS},
    "crossface_ghost": build_crossface,
    "crossface_simswap": build_crossface,
    "codeformer": build_codeformer,
    "gpen_bfr_256": lambda: build_signed_enhancer("gpen_bfr_256.onnx", 256, seed=256),
    "gpen_bfr_512": lambda: build_signed_enhancer("gpen_bfr_512.onnx", 512, seed=512),
    "gpen_bfr_1024": lambda: build_signed_enhancer("gpen_bfr_1024.onnx", 1024, seed=1024),
    "restoreformer_plus_plus": lambda: build_signed_enhancer("restoreformer_plus_plus.onnx", 512, seed=23),
    "real_esrgan_x2": lambda: build_upscaler(2),
    "real_esrgan_x4": lambda: build_upscaler(4),
    "ddcolor": build_ddcolor,
}


def write_standins(
    folder: str | Path,
    names: Iterable[str] | None = None,
    manifest: ModelManifest | None = None,
    builders: dict[str, Callable[[], onnx.ModelProto]] | None = None,
) -> dict[str, Path]:
    """Writes stand-ins (these tiny ones unless other ``builders`` are given, e.g. the benches'
    compute-matched ones) under the manifest's real file names; returns name -> path."""
    builders = builders or BUILDERS
    manifest = manifest or ModelManifest.load()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name in names if names is not None else builders:
        if name not in builders:
            raise KeyError(f"no stand-in for {name!r}; known: {', '.join(builders)}")
        path = manifest.get(name).path_in(folder)
        onnx.save(builders[name](), str(path))
        written[name] = path
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where to write the stand-in .onnx files")
    parser.add_argument("--only", action="append", choices=sorted(BUILDERS),
                        help="write only this model (repeatable)")
    arguments = parser.parse_args(argv)
    for name, path in write_standins(arguments.folder, arguments.only).items():
        print(f"{name}: {path} ({path.stat().st_size} bytes, TEST STAND-IN)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
