"""Compute-matched stand-ins: random weights, the real models' signatures AND their cost.

    python -m bench.compute_matched_models <folder> [--only NAME ...]

The tiny stand-ins of ``tests/standin_models.py`` do almost no work, so a benchmark run on them
measures the pipeline around the models, not what a user of the real weights will see. The
models written here have the same input and output names and shapes as the real ONNX files and
layers chosen so that their parameter count and their multiply-accumulates per call are within
20 % of the real model's (``REAL_FIGURES``, each with its source; ``tests/bench`` checks both by
counting the written graph). Their outputs are meaningless (random weights), so they are for
timing only: each file is marked ``isamurai_standin=true`` and ``isamurai_compute_matched=true``
in its metadata, and the server refuses neither (a stand-in is never presented as a real model:
the benches say which files they ran).

"FLOPs" in the model zoos these figures come from (SCRFD, ArcFace/insightface, inswapper-512-live,
timm) are multiply-accumulates (MACs) of the convolutions and matrix products, the convention of
the usual counters (thop, fvcore, mmcv); ``model_compute`` counts the same way.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference

from tests.standin_models import write_standins
from workers.model_zoo.manifest import STANDIN_METADATA_KEY, ModelManifest

OPSET = 17
IR_VERSION = 8
FLOAT = TensorProto.FLOAT
COMPUTE_MATCHED_METADATA_KEY = "isamurai_compute_matched"
TOLERANCE = 0.20  # the bound: params and MACs within 20 % of the real model's


@dataclass(frozen=True)
class RealFigures:
    """What the real model costs per call, and where that figure comes from."""

    params: float  # parameters
    macs: float  # multiply-accumulates per call at `at`
    at: str  # the input size the MACs are for
    source: str


# Parameter counts "from the file" are the manifest's byte size / 4 (float32 weights).
REAL_FIGURES: dict[str, RealFigures] = {
    "det_10g": RealFigures(
        params=4.23e6, macs=10.18e9, at="1x3x640x640",
        source="SCRFD paper (Guo et al. 2021, 'Sample and Computation Redistribution for Efficient "
               "Face Detection'), table of SCRFD variants: SCRFD-10GF 4.23 M params, 10.18 GFLOPs at "
               "VGA; 16.9 MB file = 4.23 M float32 weights"),
    "w600k_r50": RealFigures(
        params=43.6e6, macs=6.31e9, at="1x3x112x112",
        source="IResNet-50 (insightface arcface_torch 'r50'): 6.3 GFLOPs at 112x112, recounted from "
               "its layers [3,4,14,3] x (64,128,256,512); 174.4 MB file = 43.6 M float32 weights"),
    "inswapper_128": RealFigures(
        params=138.3e6, macs=174.7e9, at="1x3x128x128 + 1x512",
        source="deepinsight/inswapper-512-live README, model table: INSwapper_128 138.3 M params, "
               "174.7 GFLOPs; 554.3 MB file = 138.6 M float32 weights"),
    "gfpgan_1.4": RealFigures(
        params=85.1e6, macs=197.8e9, at="1x3x512x512",
        source="params: 340.3 MB file = 85.1 M float32 weights; MACs: counted from TencentARC/GFPGAN "
               "gfpgan/archs/gfpganv1_clean_arch.py with v1.4's settings (out_size 512, channel "
               "multiplier 2, sft_half, different_w): U-Net encoder/decoder, SFT condition convs and "
               "the StyleGAN2 decoder's modulated convs (see gfpgan_reference_macs)"),
    "rife_4.9": RealFigures(
        params=5.36e6, macs=52.0e9, at="2x 1x3x736x1280 (a 720p frame padded to 32)",
        source="params: 21.5 MB file = 5.36 M float32 weights; MACs: counted from Practical-RIFE's "
               "IFNet v4.x layout (feature head run on both frames, four IFBlocks of width "
               "192/128/96/64 at 1/8, 1/4, 1/2 and full scale, eight 3x3 convs each; see "
               "rife_reference_macs)"),
    "xseg_1": RealFigures(
        params=17.57e6, macs=13.79e9, at="1x256x256x3",
        source="params: 70.3 MB file = 17.58 M float32 weights; MACs: counted from DeepFaceLab "
               "core/leras/models/XSeg.py (base 32 channels, in 3, out 1) at 256x256, whose layer "
               "count also gives 17.57 M params (see xseg_reference_macs)"),
    "bisenet_resnet_34": RealFigures(
        params=23.4e6, macs=21.0e9, at="1x3x512x512",
        source="params: 93.6 MB file = 23.4 M float32 weights; MACs: ResNet-34 3.6 GFLOPs at 224x224 "
               "(He et al. 2016) scaled to 512x512 (18.8 G) plus BiSeNet's context path, fusion and "
               "output heads (~2 G): an estimate, no published figure"),
    "nsfw_vit": RealFigures(
        params=86.1e6, macs=55.5e9, at="1x3x384x384",
        source="timm model card vit_base_patch16_384: 86.9 M params, 55.5 GMACs; 344.6 MB file = "
               "86.1 M float32 weights"),
}


# ---------------------------------------------------------------------------------------------
# Counting: parameters and MACs of any ONNX graph (used by the tests and the report).
# ---------------------------------------------------------------------------------------------

def _dims(value_info: onnx.ValueInfoProto) -> list[int | None]:
    return [d.dim_value if d.HasField("dim_value") else None
            for d in value_info.type.tensor_type.shape.dim]


def model_compute(model: onnx.ModelProto, batch: int = 1) -> tuple[int, int]:
    """(parameters, MACs per call) of ``model``: parameters = elements of its float initializers;
    MACs = those of Conv, ConvTranspose, Gemm and MatMul nodes from the inferred shapes (unknown
    batch dimensions count as ``batch``)."""
    params = sum(int(np.prod(init.dims)) for init in model.graph.initializer
                 if init.data_type == TensorProto.FLOAT)
    inferred = shape_inference.infer_shapes(model, strict_mode=True)
    shapes: dict[str, list[int | None]] = {}
    for info in (*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output):
        shapes[info.name] = _dims(info)
    for init in model.graph.initializer:
        shapes[init.name] = list(init.dims)

    def shape(name: str) -> list[int]:
        return [batch if dim is None else dim for dim in shapes[name]]

    macs = 0
    for node in inferred.graph.node:
        if node.op_type == "Conv":
            weight, out = shape(node.input[1]), shape(node.output[0])
            macs += int(np.prod(out)) * int(np.prod(weight[1:]))
        elif node.op_type == "ConvTranspose":
            data, weight = shape(node.input[0]), shape(node.input[1])
            macs += int(np.prod(data)) * int(np.prod(weight[1:]))
        elif node.op_type in ("Gemm", "MatMul"):
            left, out = shape(node.input[0]), shape(node.output[0])
            macs += int(np.prod(out)) * left[-1]
    return params, macs


# ---------------------------------------------------------------------------------------------
# Building: a small graph builder with random weights.
# ---------------------------------------------------------------------------------------------

class GraphBuilder:
    """Appends nodes and random initializers; names are generated."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_{self._count}"

    def const(self, array: np.ndarray, prefix: str = "const") -> str:
        name = self.name(prefix)
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def random(self, shape: tuple[int, ...], fan_in: int, prefix: str = "w") -> str:
        # Small He-style weights keep random activations finite through deep stacks.
        scale = 0.5 * np.sqrt(2.0 / max(fan_in, 1))
        array = self.rng.standard_normal(shape, dtype=np.float32) * np.float32(scale)
        return self.const(array, prefix)

    def node(self, op: str, inputs: list[str], **attributes) -> str:
        output = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [output], **attributes))
        return output

    def conv(self, x: str, cin: int, cout: int, kernel: int, *, stride: int = 1,
             act: bool = True, bias: bool = True) -> str:
        weight = self.random((cout, cin, kernel, kernel), cin * kernel * kernel)
        inputs = [x, weight]
        if bias:
            inputs.append(self.const(np.zeros(cout, np.float32), "b"))
        pad = kernel // 2
        y = self.node("Conv", inputs, kernel_shape=[kernel, kernel], strides=[stride, stride],
                      pads=[pad, pad, pad, pad])
        return self.node("LeakyRelu", [y], alpha=0.2) if act else y

    def conv_transpose(self, x: str, cin: int, cout: int) -> str:
        """4x4, stride 2: doubles the size."""
        weight = self.random((cin, cout, 4, 4), cin * 16)
        return self.node("ConvTranspose", [x, weight], kernel_shape=[4, 4], strides=[2, 2],
                         pads=[1, 1, 1, 1])

    def resize(self, x: str, factor: float) -> str:
        scales = self.const(np.array([1, 1, factor, factor], np.float32), "scales")
        return self.node("Resize", [x, "", scales], mode="linear")

    def gemm(self, x: str, cin: int, cout: int) -> str:
        weight = self.random((cin, cout), cin)
        return self.node("Gemm", [x, weight, self.const(np.zeros(cout, np.float32), "b")])

    def matmul(self, x: str, cin: int, cout: int) -> str:
        return self.node("MatMul", [x, self.random((cin, cout), cin)])

    def split(self, x: str, parts: int) -> list[str]:
        """Equal parts along the channels."""
        outputs = [self.name("split") for _ in range(parts)]
        self.nodes.append(helper.make_node("Split", [x], outputs, axis=1, num_outputs=parts)
                          if OPSET >= 18 else helper.make_node("Split", [x], outputs, axis=1))
        return outputs

    def add(self, a: str, b: str) -> str:
        return self.node("Add", [a, b])

    def reshape(self, x: str, shape: list[int]) -> str:
        return self.node("Reshape", [x, self.const(np.array(shape, np.int64), "shape")])

    def rename(self, x: str, name: str) -> None:
        self.nodes.append(helper.make_node("Identity", [x], [name]))


def _model(builder: GraphBuilder, name: str, inputs: list[onnx.ValueInfoProto],
           outputs: list[onnx.ValueInfoProto]) -> onnx.ModelProto:
    graph = helper.make_graph(builder.nodes, f"{name}_compute_matched", inputs, outputs,
                              initializer=builder.initializers)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="isamurai bench.compute_matched_models",
        doc_string=(f"COMPUTE-MATCHED STAND-IN for {name}: random weights, the real model's signature "
                    "and about its parameter count and MACs per call. Its output is meaningless; "
                    "for benchmarks only."),
    )
    model.ir_version = IR_VERSION
    helper.set_model_props(model, {STANDIN_METADATA_KEY: "true", COMPUTE_MATCHED_METADATA_KEY: "true",
                                   "isamurai_standin_for": name})
    return model


def _tensor(name: str, dims: list) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, FLOAT, dims)


# ---------------------------------------------------------------------------------------------
# The models. Each follows the real network's layout closely enough to match its cost: the
# same resolutions and widths where they are known, plain convolutions in place of exotic ones.
# ---------------------------------------------------------------------------------------------

SCRFD_OUTPUTS = ("448", "471", "494", "451", "474", "497", "454", "477", "500")


def build_scrfd_10g() -> onnx.ModelProto:
    """SCRFD-10GF: ``input.1`` [1,3,H,W] -> scores/boxes/keypoints at strides 8, 16, 32."""
    b = GraphBuilder(seed=1010)
    x = b.conv("input.1", 3, 28, 3, stride=2)           # 1/2
    x = b.conv(x, 28, 28, 3)
    x = b.conv(x, 28, 56, 3, stride=2)                   # 1/4
    for _ in range(3):
        x = b.conv(x, 56, 56, 3)
    x = b.conv(x, 56, 88, 3, stride=2)                   # 1/8
    for _ in range(4):
        x = b.conv(x, 88, 88, 3)
    c8 = x
    x = b.conv(x, 88, 176, 3, stride=2)                  # 1/16
    for _ in range(5):
        x = b.conv(x, 176, 176, 3)
    c16 = x
    x = b.conv(x, 176, 272, 3, stride=2)                 # 1/32
    for _ in range(3):
        x = b.conv(x, 272, 272, 3)
    c32 = x
    outputs: list[onnx.ValueInfoProto] = []
    for level, (feature, channels) in enumerate(((c8, 88), (c16, 176), (c32, 272))):
        neck = b.conv(feature, channels, 80, 1)
        for _ in range(2):
            neck = b.conv(neck, 80, 80, 3)
        for kind, per_anchor in ((0, 1), (1, 4), (2, 10)):
            head = b.conv(neck, 80, 2 * per_anchor, 3, act=False)
            if kind == 0:
                head = b.node("Sigmoid", [head])
            nhwc = b.node("Transpose", [head], perm=[0, 2, 3, 1])
            name = SCRFD_OUTPUTS[kind * 3 + level]
            b.nodes.append(helper.make_node("Reshape", [nhwc, b.const(np.array([-1, per_anchor], np.int64))],
                                            [name]))
            outputs.append(_tensor(name, [None, per_anchor]))
    order = {name: i for i, name in enumerate(SCRFD_OUTPUTS)}
    outputs.sort(key=lambda info: order[info.name])
    return _model(b, "SCRFD-10GF det_10g.onnx", [_tensor("input.1", [1, 3, None, None])], outputs)


def build_iresnet50() -> onnx.ModelProto:
    """ArcFace w600k_r50 (IResNet-50, batch norms folded): ``input.1`` [N,3,112,112] -> ``683``."""
    b = GraphBuilder(seed=5050)
    x = b.conv("input.1", 3, 64, 3)
    inplanes = 64
    for planes, blocks in ((64, 3), (128, 4), (256, 14), (512, 3)):
        for index in range(blocks):
            stride = 2 if index == 0 else 1
            y = b.conv(x, inplanes, planes, 3)
            y = b.conv(y, planes, planes, 3, stride=stride, act=False)
            skip = b.conv(x, inplanes, planes, 1, stride=2, act=False, bias=False) if index == 0 else x
            x = b.add(y, skip)
            inplanes = planes
    flat = b.node("Flatten", [x], axis=1)
    b.rename(b.gemm(flat, 512 * 7 * 7, 512), "683")
    return _model(b, "ArcFace w600k_r50.onnx", [_tensor("input.1", [None, 3, 112, 112])],
                  [_tensor("683", [None, 512])])


def build_inswapper() -> onnx.ModelProto:
    """inswapper_128: ``target`` [1,3,128,128] + ``source`` [1,512] -> ``output`` in [0,1].

    Encoder to 1024 channels at 32x32, twelve 3x3 convolutions there each modulated by the
    source latent (AdaIN-style scale and shift from a Gemm), decoder back to 128x128; ``emap``
    [512,512] is the last initializer, where the loaders read it.
    """
    b = GraphBuilder(seed=128128)
    x = b.conv("target", 3, 128, 7)
    x = b.conv(x, 128, 256, 3, stride=2)
    x = b.conv(x, 256, 512, 3, stride=2)
    x = b.conv(x, 512, 1024, 3)
    latent = b.node("MatMul", ["source", "emap"])
    for _ in range(12):
        y = b.conv(x, 1024, 1024, 3, act=False)
        scale, shift = b.split(b.reshape(b.gemm(latent, 512, 2048), [1, 2048, 1, 1]), 2)
        y = b.add(b.node("Mul", [y, scale]), shift)
        x = b.node("LeakyRelu", [b.add(y, x)], alpha=0.2)
    x = b.conv(b.resize(x, 2.0), 1024, 512, 3)
    x = b.conv(b.resize(x, 2.0), 512, 256, 3)
    x = b.conv(x, 256, 128, 3)
    x = b.conv(x, 128, 3, 7, act=False)
    b.nodes.append(helper.make_node("Sigmoid", [x], ["output"]))
    b.initializers.append(numpy_helper.from_array(
        (b.rng.standard_normal((512, 512), dtype=np.float32) / np.float32(np.sqrt(512.0))), "emap"))
    return _model(b, "inswapper_128.onnx",
                  [_tensor("target", [1, 3, 128, 128]), _tensor("source", [1, 512])],
                  [_tensor("output", [1, 3, 128, 128])])


# GFPGAN v1.4 = GFPGANv1Clean(out_size=512, channel_multiplier=2, sft_half=True, different_w=True).
_GFPGAN_UNET = {4: 256, 8: 256, 16: 256, 32: 256, 64: 256, 128: 128, 256: 64, 512: 32}
_GFPGAN_DECODER = {4: 512, 8: 512, 16: 512, 32: 512, 64: 512, 128: 256, 256: 128, 512: 64}


def gfpgan_reference_macs() -> tuple[int, int]:
    """(params, MACs) of GFPGANv1Clean v1.4 at 512x512, counted layer by layer from its source
    (TencentARC/GFPGAN gfpganv1_clean_arch.py, stylegan2_clean_arch.py): the real figure we
    match, written independently of the builder below."""
    params = macs = 0

    def conv(cin: int, cout: int, k: int, size: int, bias: bool = True) -> None:
        nonlocal params, macs
        params += cout * cin * k * k + (cout if bias else 0)
        macs += cout * cin * k * k * size * size

    def linear(cin: int, cout: int) -> None:
        nonlocal params, macs
        params += cin * cout + cout
        macs += cin * cout

    unet = _GFPGAN_UNET
    conv(3, unet[512], 1, 512)
    channels = unet[512]
    for level in (256, 128, 64, 32, 16, 8, 4):          # ResBlock down: conv at 2x, conv + skip at 1x
        conv(channels, channels, 3, level * 2)
        conv(channels, unet[level], 3, level)
        conv(channels, unet[level], 1, level, bias=False)
        channels = unet[level]
    conv(channels, unet[4], 3, 4)
    linear(unet[4] * 16, 16 * 512)                       # different_w: 16 styles of 512
    for level in (8, 16, 32, 64, 128, 256, 512):         # ResBlock up, toRGB, SFT condition convs
        conv(channels, channels, 3, level // 2)
        conv(channels, unet[level], 3, level)
        conv(channels, unet[level], 1, level, bias=False)
        channels = unet[level]
        for _ in range(2):                               # condition_scale and condition_shift
            conv(channels, channels, 3, level)
            conv(channels, channels, 3, level)           # sft_half: out = channels
    decoder = _GFPGAN_DECODER
    params += decoder[4] * 16                            # constant input
    linear(512, decoder[4])                              # style_conv1 modulation
    conv(decoder[4], decoder[4], 3, 4)
    linear(512, decoder[4])                              # to_rgb1
    conv(decoder[4], 3, 1, 4)
    channels = decoder[4]
    for level in (8, 16, 32, 64, 128, 256, 512):
        linear(512, channels)
        conv(channels, decoder[level], 3, level)         # upsampling modulated conv
        linear(512, decoder[level])
        conv(decoder[level], decoder[level], 3, level)
        linear(512, decoder[level])
        conv(decoder[level], 3, 1, level)                # to_rgb
        channels = decoder[level]
    return params, macs


def build_gfpgan() -> onnx.ModelProto:
    """GFPGAN v1.4: ``input`` [1,3,512,512] in [-1,1] -> ``output`` same. The U-Net, its SFT
    condition convolutions and the StyleGAN2 decoder at their real widths and sizes; a modulated
    convolution is its style Gemm, a per-channel scale and a plain convolution."""
    b = GraphBuilder(seed=1414)
    unet, decoder = _GFPGAN_UNET, _GFPGAN_DECODER
    x = b.conv("input", 3, unet[512], 1)
    channels = unet[512]
    skips = []
    for level in (256, 128, 64, 32, 16, 8, 4):
        y = b.conv(x, channels, channels, 3)
        y = b.conv(b.resize(y, 0.5), channels, unet[level], 3)
        x = b.add(y, b.conv(b.resize(x, 0.5), channels, unet[level], 1, act=False, bias=False))
        channels = unet[level]
        skips.insert(0, x)
    x = b.conv(x, channels, unet[4], 3)
    styles = b.reshape(b.gemm(b.node("Flatten", [x], axis=1), unet[4] * 16, 16 * 512), [16, 512])
    conditions = []
    for index, level in enumerate((8, 16, 32, 64, 128, 256, 512)):
        x = b.add(x, skips[index])
        y = b.conv(x, channels, channels, 3)
        y = b.conv(b.resize(y, 2.0), channels, unet[level], 3)
        x = b.add(y, b.conv(b.resize(x, 2.0), channels, unet[level], 1, act=False, bias=False))
        channels = unet[level]
        scale = b.conv(b.conv(x, channels, channels, 3), channels, channels, 3, act=False)
        shift = b.conv(b.conv(x, channels, channels, 3), channels, channels, 3, act=False)
        conditions.append((scale, shift))
    layer = iter(range(64))

    def modulated(features: str, cin: int, cout: int, kernel: int, act: bool = True) -> str:
        row = b.const(np.array([next(layer) % 16], np.int64), "row")
        latent = b.node("Gather", [styles, row], axis=0)       # [1, 512]
        modulation = b.reshape(b.gemm(latent, 512, cin), [1, cin, 1, 1])
        return b.conv(b.node("Mul", [features, modulation]), cin, cout, kernel, act=act)

    out = b.const(b.rng.standard_normal((1, decoder[4], 4, 4), dtype=np.float32), "constant")
    out = modulated(out, decoder[4], decoder[4], 3)
    rgb = modulated(out, decoder[4], 3, 1, act=False)
    channels = decoder[4]
    for index, level in enumerate((8, 16, 32, 64, 128, 256, 512)):
        out = modulated(b.resize(out, 2.0), channels, decoder[level], 3)
        scale, shift = conditions[index]
        kept, changed = b.split(out, 2)                          # sft_half
        changed = b.add(b.node("Mul", [changed, scale]), shift)
        out = b.node("Concat", [kept, changed], axis=1)
        out = modulated(out, decoder[level], decoder[level], 3)
        rgb = b.add(b.resize(rgb, 2.0), modulated(out, decoder[level], 3, 1, act=False))
        channels = decoder[level]
    b.nodes.append(helper.make_node("Tanh", [rgb], ["output"]))
    return _model(b, "GFPGANv1.4.onnx", [_tensor("input", [1, 3, 512, 512])],
                  [_tensor("output", [1, 3, 512, 512])])


# RIFE v4.x (Practical-RIFE IFNet): a feature head per frame, then four IFBlocks.
_RIFE_BLOCKS = ((8, 192, 23), (4, 128, 28), (2, 96, 28), (1, 64, 28))  # (scale, width, inputs)


def rife_reference_macs(height: int = 736, width: int = 1280) -> tuple[int, int]:
    """(params, MACs) of IFNet v4.x for two frames of ``height`` x ``width``, counted layer by
    layer from its layout, independently of the builder below."""
    params = macs = 0

    def conv(cin: int, cout: int, k: int, pixels: int) -> None:
        nonlocal params, macs
        params += cout * cin * k * k + cout
        macs += cout * cin * k * k * pixels

    def conv_transpose(cin: int, cout: int, input_pixels: int) -> None:
        nonlocal params, macs
        params += cin * cout * 16 + cout
        macs += cin * cout * 16 * input_pixels

    half = (height // 2) * (width // 2)
    conv(3, 32, 3, half)                                     # the feature head, on img0 ...
    conv(32, 32, 3, half)
    conv(32, 32, 3, half)
    conv_transpose(32, 8, half)
    head_params = params
    conv(3, 32, 3, half)                                     # ... and on img1 (shared weights)
    conv(32, 32, 3, half)
    conv(32, 32, 3, half)
    conv_transpose(32, 8, half)
    params = head_params
    for scale, channels, inputs in _RIFE_BLOCKS:
        at_half = (height // (2 * scale)) * (width // (2 * scale))
        at_quarter = (height // (4 * scale)) * (width // (4 * scale))
        conv(inputs, channels // 2, 3, at_half)
        conv(channels // 2, channels, 3, at_quarter)
        for _ in range(8):
            conv(channels, channels, 3, at_quarter)
            params += channels                               # ResConv's beta
        conv_transpose(channels, 24, at_quarter)
    return params, macs


def build_rife() -> onnx.ModelProto:
    """RIFE v4.9: ``img0``, ``img1`` [1,3,H,W] + ``timestep`` [1] -> ``output`` [1,3,H,W].
    H and W multiples of 32, as the interpolator pads them."""
    b = GraphBuilder(seed=4949)
    head = [b.random((32, 3, 3, 3), 27), b.random((32, 32, 3, 3), 288), b.random((32, 32, 3, 3), 288),
            b.random((32, 8, 4, 4), 512)]
    head_bias = [b.const(np.zeros(n, np.float32), "b") for n in (32, 32, 32, 8)]

    def features(image: str) -> str:
        x = b.node("Conv", [image, head[0], head_bias[0]], kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4)
        for index in (1, 2):
            x = b.node("LeakyRelu", [x], alpha=0.2)
            x = b.node("Conv", [x, head[index], head_bias[index]], kernel_shape=[3, 3], pads=[1] * 4)
        return b.node("ConvTranspose", [x, head[3], head_bias[3]], kernel_shape=[4, 4], strides=[2, 2],
                      pads=[1] * 4)

    f0, f1 = features("img0"), features("img1")
    zero = b.const(np.array(0.0, np.float32), "zero")
    first_channel = b.node("Slice", ["img0", b.const(np.array([0], np.int64)), b.const(np.array([1], np.int64)),
                                     b.const(np.array([1], np.int64))])
    time_map = b.add(b.node("Mul", [first_channel, zero]), "timestep")
    flow = mask = None
    for scale, channels, inputs in _RIFE_BLOCKS:
        parts = ["img0", "img1", time_map, f0, f1] if flow is None else ["img0", "img1", time_map, mask, f0, f1, flow]
        x = b.node("Concat", parts, axis=1)
        if scale > 1:
            x = b.resize(x, 1.0 / scale)
        x = b.conv(x, inputs, channels // 2, 3, stride=2)
        x = b.conv(x, channels // 2, channels, 3, stride=2)
        for _ in range(8):
            x = b.node("LeakyRelu", [b.add(b.conv(x, channels, channels, 3, act=False), x)], alpha=0.2)
        x = b.node("DepthToSpace", [b.conv_transpose(x, channels, 24)], blocksize=2)
        if scale > 1:
            x = b.resize(x, float(scale))
        split = [b.name("part") for _ in range(2)]
        b.nodes.append(helper.make_node("Split", [x, b.const(np.array([4, 2], np.int64))], split, axis=1))
        delta, block_mask = split
        flow = delta if flow is None else b.add(flow, delta)
        mask = b.node("Slice", [block_mask, b.const(np.array([0], np.int64)), b.const(np.array([1], np.int64)),
                                b.const(np.array([1], np.int64))])
    weight = b.node("Sigmoid", [mask])
    blend = b.add(b.node("Mul", ["img0", weight]), b.node("Mul", ["img1", b.node("Sub", [b.const(
        np.array(1.0, np.float32)), weight])]))
    # The flow enters the result (as RIFE's warps would) so no block is dead code.
    flow_mean = b.node("ReduceMean", [flow], axes=[1], keepdims=1)
    b.nodes.append(helper.make_node("Add", [blend, b.node("Mul", [flow_mean, zero])], ["output"]))
    frame = [1, 3, "height", "width"]
    return _model(b, "RIFE v4.9 rife49.onnx",
                  [_tensor("img0", frame), _tensor("img1", frame), _tensor("timestep", [1])],
                  [_tensor("output", frame)])


# DeepFaceLab's XSeg (core/leras/models/XSeg.py), base 32 channels at 256x256: per level the
# conv blocks' (inputs, outputs), encoder then decoder; each decoder level starts with a 3x3
# stride-2 transposed convolution and concatenates the encoder level of the same size.
_XSEG_ENCODER = (((3, 32), (32, 32)), ((32, 64), (64, 64)), ((64, 128), (128, 128)),
                 ((128, 256), (256, 256), (256, 256)), ((256, 256),) * 3, ((256, 256),) * 3)
_XSEG_DECODER = (  # (transposed conv in, out), conv blocks; from the 8x8 level up to 256x256
    ((256, 128), ((384, 256), (256, 256), (256, 256))),
    ((256, 128), ((384, 256), (256, 256), (256, 256))),
    ((256, 128), ((384, 256), (256, 256), (256, 256))),
    ((256, 128), ((256, 128), (128, 128))),
    ((128, 64), ((128, 64), (64, 64))),
    ((64, 32), ((64, 32), (32, 32))),
)


def xseg_reference_macs() -> tuple[int, int]:
    """(params, MACs) of XSeg at 256x256 counted from DeepFaceLab's XSeg.py layers (FRN and TLU
    add 3 parameters per channel), independently of the builder below."""
    params = macs = 0
    size = 256
    for level in _XSEG_ENCODER:
        for cin, cout in level:
            params += cin * cout * 9 + cout + 3 * cout
            macs += cin * cout * 9 * size * size
        size //= 2
    params += 4096 * 512 + 512 + 512 * 4096 + 4096
    macs += 4096 * 512 * 2
    size = 4
    for (up_in, up_out), blocks in _XSEG_DECODER:
        params += up_in * up_out * 9 + up_out + 3 * up_out
        macs += up_in * up_out * 9 * size * size
        size *= 2
        for cin, cout in blocks:
            params += cin * cout * 9 + cout + 3 * cout
            macs += cin * cout * 9 * size * size
    params += 32 * 9 + 1
    macs += 32 * 9 * size * size
    return params, macs


def build_xseg() -> onnx.ModelProto:
    """XSeg: ``input`` [1,256,256,3] (NHWC) -> ``output`` [1,256,256,1] in [0,1], DeepFaceLab's
    layout (blur-pools as average pools, FRN+TLU as a scale, shift and LeakyRelu)."""
    b = GraphBuilder(seed=2560)
    x = b.node("Transpose", ["input"], perm=[0, 3, 1, 2])
    skips = []

    def block(value: str, cin: int, cout: int) -> str:
        value = b.conv(value, cin, cout, 3, act=False)
        frn = b.const(np.ones((1, cout, 1, 1), np.float32), "frn")
        tlu = b.const(np.zeros((1, cout, 1, 1), np.float32), "tlu")
        shift = b.const(np.zeros((1, cout, 1, 1), np.float32), "frn_b")
        return b.node("Max", [b.add(b.node("Mul", [value, frn]), shift), tlu])

    for level in _XSEG_ENCODER:
        for cin, cout in level:
            x = block(x, cin, cout)
        skips.append(x)
        x = b.node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = b.gemm(b.gemm(b.node("Flatten", [x], axis=1), 4096, 512), 512, 4096)
    x = b.reshape(x, [1, 256, 4, 4])
    for ((up_in, up_out), blocks), skip in zip(_XSEG_DECODER, reversed(skips), strict=True):
        weight = b.random((up_in, up_out, 3, 3), up_in * 9)
        x = b.node("ConvTranspose", [x, weight, b.const(np.zeros(up_out, np.float32), "b")],
                   kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])
        x = b.node("Concat", [x, skip], axis=1)
        for cin, cout in blocks:
            x = block(x, cin, cout)
    x = b.node("Sigmoid", [b.conv(x, 32, 1, 3, act=False)])
    b.nodes.append(helper.make_node("Transpose", [x], ["output"], perm=[0, 2, 3, 1]))
    return _model(b, "XSeg xseg_1.onnx", [_tensor("input", [1, 256, 256, 3])],
                  [_tensor("output", [1, 256, 256, 1])])


def build_bisenet() -> onnx.ModelProto:
    """BiSeNet (ResNet-34): ``input`` [1,3,512,512] -> ``output`` [1,19,512,512]."""
    b = GraphBuilder(seed=3434)
    x = b.conv("input", 3, 64, 7, stride=2)
    x = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4)
    channels, stages = 64, []
    for width, blocks in ((64, 3), (128, 4), (256, 6), (512, 3)):
        for index in range(blocks):
            stride = 2 if index == 0 and width != 64 else 1
            y = b.conv(b.conv(x, channels, width, 3, stride=stride), width, width, 3, act=False)
            skip = (b.conv(x, channels, width, 1, stride=stride, act=False, bias=False)
                    if stride == 2 or channels != width else x)
            x = b.node("Relu", [b.add(y, skip)])
            channels = width
        stages.append(x)
    c8, c16, c32 = stages[1], stages[2], stages[3]
    pooled = b.node("GlobalAveragePool", [c32])
    tail = b.conv(pooled, 512, 128, 1)
    arm32 = b.add(b.conv(c32, 512, 128, 3), tail)
    up32 = b.conv(b.resize(arm32, 2.0), 128, 128, 3)
    arm16 = b.add(b.conv(c16, 256, 128, 3), up32)
    up16 = b.conv(b.resize(arm16, 2.0), 128, 128, 3)
    fused = b.conv(b.node("Concat", [c8, up16], axis=1), 256, 256, 1)
    head = b.conv(b.conv(fused, 256, 256, 3), 256, 19, 1, act=False)
    b.nodes.append(helper.make_node("Resize", [head, "", b.const(np.array([1, 1, 8, 8], np.float32))],
                                    ["output"], mode="linear"))
    return _model(b, "BiSeNet bisenet_resnet_34.onnx", [_tensor("input", [1, 3, 512, 512])],
                  [_tensor("output", [1, 19, 512, 512])])


def build_vit_base_384() -> onnx.ModelProto:
    """vit-base-nsfw-detector (ViT-B/16 at 384): ``pixel_values`` [N,3,384,384] -> ``logits`` [N,2]."""
    b = GraphBuilder(seed=38400)
    width, tokens = 768, 24 * 24 + 1
    x = b.node("Conv", ["pixel_values", b.random((width, 3, 16, 16), 768), b.const(np.zeros(width, np.float32))],
               kernel_shape=[16, 16], strides=[16, 16])
    x = b.node("Transpose", [b.reshape(x, [0, width, 576])], perm=[0, 2, 1])
    cls = b.node("Expand", [b.const(np.zeros((1, 1, width), np.float32), "cls"),
                            b.node("Concat", [b.node("Slice", [b.node("Shape", [x]),
                                                               b.const(np.array([0], np.int64)),
                                                               b.const(np.array([1], np.int64))]),
                                              b.const(np.array([1, width], np.int64))], axis=0)])
    x = b.add(b.node("Concat", [cls, x], axis=1),
              b.const(b.rng.standard_normal((1, tokens, width), dtype=np.float32) * np.float32(0.02), "pos"))
    ones, zeros = b.const(np.ones(width, np.float32)), b.const(np.zeros(width, np.float32))

    def norm(value: str) -> str:
        return b.node("LayerNormalization", [value, ones, zeros], axis=-1)

    for _ in range(12):
        qkv = b.reshape(b.matmul(norm(x), width, 3 * width), [0, tokens, 3, 12, 64])
        qkv = b.node("Transpose", [qkv], perm=[2, 0, 3, 1, 4])           # 3, N, heads, tokens, 64
        q, k, v = (b.node("Gather", [qkv, b.const(np.array(i, np.int64))], axis=0) for i in range(3))
        scores = b.node("MatMul", [q, b.node("Transpose", [k], perm=[0, 1, 3, 2])])
        attention = b.node("Softmax", [b.node("Mul", [scores, b.const(np.array(0.125, np.float32))])], axis=-1)
        mixed = b.reshape(b.node("Transpose", [b.node("MatMul", [attention, v])], perm=[0, 2, 1, 3]),
                          [0, tokens, width])
        x = b.add(x, b.matmul(mixed, width, width))
        hidden = b.matmul(norm(x), width, 4 * width)
        hidden = b.node("Mul", [hidden, b.node("Sigmoid", [b.node("Mul", [hidden, b.const(
            np.array(1.702, np.float32))])])])                            # GELU, sigmoid form
        x = b.add(x, b.matmul(hidden, 4 * width, width))
    first = b.node("Gather", [norm(x), b.const(np.array(0, np.int64))], axis=1)
    b.rename(b.gemm(first, width, 2), "logits")
    return _model(b, "vit-base-nsfw-detector model.onnx", [_tensor("pixel_values", [None, 3, 384, 384])],
                  [_tensor("logits", [None, 2])])


# -- the other swappers (swap_model) and their embedding converters ------------------------------
# No published parameter or MAC figures exist for these; both are counted layer by layer from the
# reference architectures (``swapper_reference_compute``), and the builders below lay out the same
# layers with random weights (batch norms folded into the convolutions' biases, as an export does).

def _count_conv(cin: int, cout: int, kernel: int, side_out: int, bias: bool = True) -> tuple[int, int]:
    return cin * cout * kernel * kernel + (cout if bias else 0), cout * side_out * side_out * cin * kernel * kernel


def _count_conv_transpose(cin: int, cout: int, kernel: int, side_in: int, bias: bool = True) -> tuple[int, int]:
    return cin * cout * kernel * kernel + (cout if bias else 0), cin * side_in * side_in * cout * kernel * kernel


def _count_linear(cin: int, cout: int) -> tuple[int, int]:
    return cin * cout + cout, cin * cout


def _total(parts: Iterable[tuple[int, int]]) -> tuple[int, int]:
    parts = list(parts)
    return sum(part[0] for part in parts), sum(part[1] for part in parts)


# The attribute U-Net of AEI-Net (GHOST) and HyperSwap at 256: seven 4x4 stride-2 convolutions
# down to 1024 x 2 x 2, six 4x4 transposed convolutions up, each concatenated with its skip.
_UNET_DOWN = ((3, 32), (32, 64), (64, 128), (128, 256), (256, 512), (512, 1024), (1024, 1024))
_UNET_UP = ((1024, 1024), (2048, 512), (1024, 256), (512, 128), (256, 64), (128, 32))
# The AAD ResBlks at 256: (in, out, attribute channels, side).
_AAD_256 = ((1024, 1024, 1024, 2), (1024, 1024, 2048, 4), (1024, 1024, 1024, 8), (1024, 512, 512, 16),
            (512, 256, 256, 32), (256, 128, 128, 64), (128, 64, 64, 128), (64, 3, 64, 256))


def _count_unet() -> list[tuple[int, int]]:
    parts, side = [], 256
    for cin, cout in _UNET_DOWN:
        side //= 2
        parts.append(_count_conv(cin, cout, 4, side))
    for cin, cout in _UNET_UP:
        parts.append(_count_conv_transpose(cin, cout, 4, side))
        side *= 2
    return parts


def _count_modulation(cin: int, attr: int, side: int) -> list[tuple[int, int]]:
    return [_count_conv(attr, cin, 1, side), _count_conv(attr, cin, 1, side), _count_conv(cin, 1, 1, side),
            _count_linear(512, cin), _count_linear(512, cin)]


def _count_aad(blocks: int) -> list[tuple[int, int]]:
    parts = []
    for cin, cout, attr, side in _AAD_256:
        for index in range(blocks):
            parts += _count_modulation(cin, attr, side)
            parts.append(_count_conv(cin, cin if index < blocks - 1 else cout, 3, side, bias=False))
        if cin != cout:
            parts += _count_modulation(cin, attr, side)
            parts.append(_count_conv(cin, cout, 3, side, bias=False))
    return parts


def _count_masknet() -> list[tuple[int, int]]:
    return [_count_conv(67, 16, 3, 256, False), _count_conv(16, 32, 3, 128, False), _count_conv(32, 64, 3, 64, False),
            _count_conv(64, 64, 3, 32, False), _count_conv(64, 64, 3, 32, False),
            _count_conv_transpose(64, 32, 2, 32), _count_conv_transpose(32, 16, 2, 64),
            _count_conv_transpose(16, 16, 2, 128), _count_conv(16, 1, 1, 256)]


def _count_simswap() -> list[tuple[int, int]]:
    parts = [_count_conv(3, 64, 7, 256), _count_conv(64, 128, 3, 128), _count_conv(128, 256, 3, 64),
             _count_conv(256, 512, 3, 32)]
    for _ in range(9):
        parts += [_count_conv(512, 512, 3, 32), _count_linear(512, 1024)] * 2
    return parts + [_count_conv(512, 256, 3, 64), _count_conv(256, 128, 3, 128), _count_conv(128, 64, 3, 256),
                    _count_conv(64, 3, 7, 256)]


def swapper_reference_compute(name: str) -> tuple[int, int]:
    """(params, MACs per call) of a swapper or converter, counted from its reference source."""
    if name.startswith("hyperswap"):
        return _total([*_count_unet(), _count_conv(512, 4096, 3, 1), *_count_aad(2), *_count_masknet()])
    if name.startswith("ghost_"):
        blocks = int(name.split("_")[1])  # ghost_N_256: N blocks per AAD ResBlk
        return _total([*_count_unet(), _count_conv_transpose(512, 1024, 2, 1), *_count_aad(blocks)])
    if name == "simswap_256":
        return _total(_count_simswap())
    if name.startswith("crossface"):
        linears = [_count_linear(512, 1024), _count_linear(1024, 2048), _count_linear(2048, 1024),
                   _count_linear(1024, 512), _count_linear(512, 512)]
        params, macs = _total(linears)
        return params + 2 * (1024 + 2048 + 1024), macs  # and the three LayerNorms' scales and shifts
    raise KeyError(name)


_HYPERSWAP_SOURCE = (
    "no published figure; counted from facefusion-labs hyperswap/src (commit 6547fcfe): networks/unet.py, "
    "networks/aad.py, networks/masknet.py with the README's config (output_size 256, num_blocks 2, "
    "source_channels 512, masker 67 -> 1, 16 filters), batch norms folded (swapper_reference_compute). "
    "The released weights may differ from the lab's code at that commit; the file is fp16 (2 bytes a weight)")


def _swapper_figures(name: str, source: str) -> RealFigures:
    params, macs = swapper_reference_compute(name)
    return RealFigures(params=params, macs=macs, at="1x3x256x256 + 1x512" if "crossface" not in name else "1x512",
                       source=source)


REAL_FIGURES.update({
    "hyperswap_1a_256": _swapper_figures("hyperswap_1a_256", _HYPERSWAP_SOURCE),
    "hyperswap_1b_256": _swapper_figures("hyperswap_1b_256", _HYPERSWAP_SOURCE),
    "hyperswap_1c_256": _swapper_figures("hyperswap_1c_256", _HYPERSWAP_SOURCE),
    **{name: _swapper_figures(
        name,
        f"no published figure; counted from ai-forever/ghost (commit ea23cce2) network/AEI_Net.py and "
        f"network/AADLayer.py: AEI_Net('unet', num_blocks={name[6]}, c_id=512), batch norms folded "
        "(swapper_reference_compute). Third-party catalogues quote about 340, 515 and 739 MB for "
        "ghost_1/2/3 (85, 129, 185 M float32 weights), which this count (128, 184, 240 M) does not "
        "confirm: unverified either way") for name in ("ghost_1_256", "ghost_2_256", "ghost_3_256")},
    "simswap_256": _swapper_figures(
        "simswap_256",
        "no published figure; counted from neuralchen/SimSwap (commit bd7b7686) models/fs_networks_fix.py: "
        "Generator_Adain_Upsample(3, 3, latent_size=512, n_blocks=9, deep=False) at 256x256, batch norms "
        "folded (swapper_reference_compute)"),
    "crossface_ghost": _swapper_figures(
        "crossface_ghost",
        "counted from facefusion-labs crossface/src/models/crossface.py (commit 6547fcfe): Linear "
        "512-1024-2048-1024-512 with LayerNorms plus a 512x512 linear skip; 5.52 M float32 weights = "
        "22.1 MB, the size catalogues quote for the file"),
    "crossface_simswap": _swapper_figures(
        "crossface_simswap", "the same network as crossface_ghost, trained for SimSwap's ArcFace"),
})


class _SwapperGraph(GraphBuilder):
    """The layers the swappers above share, on top of :class:`GraphBuilder`."""

    def conv_padded(self, x: str, cin: int, cout: int, kernel: int, *, stride: int = 1, pad: int = 0,
                    bias: bool = True) -> str:
        inputs = [x, self.random((cout, cin, kernel, kernel), cin * kernel * kernel)]
        if bias:
            inputs.append(self.const(np.zeros(cout, np.float32), "b"))
        return self.node("Conv", inputs, kernel_shape=[kernel, kernel], strides=[stride, stride],
                         pads=[pad, pad, pad, pad])

    def up_transposed(self, x: str, cin: int, cout: int, kernel: int, pad: int, bias: bool = True) -> str:
        inputs = [x, self.random((cin, cout, kernel, kernel), cin * kernel * kernel)]
        if bias:
            inputs.append(self.const(np.zeros(cout, np.float32), "b"))
        return self.node("ConvTranspose", inputs, kernel_shape=[kernel, kernel], strides=[2, 2],
                         pads=[pad, pad, pad, pad])

    def instance_norm(self, x: str) -> str:
        return self.node("MeanVarianceNormalization", [x], axes=[2, 3])

    def channel_vector(self, latent: str, cout: int) -> str:
        return self.reshape(self.gemm(latent, 512, cout), [1, cout, 1, 1])

    def modulation(self, h: str, attr: str, latent: str, cin: int, attr_channels: int) -> str:
        """AEI-Net's AAD layer: the normalised activation, modulated by the attributes and the
        identity, mixed by a learned mask."""
        normed = self.instance_norm(h)
        by_attr = self.add(self.node("Mul", [self.conv_padded(attr, attr_channels, cin, 1), normed]),
                           self.conv_padded(attr, attr_channels, cin, 1))
        by_id = self.add(self.node("Mul", [self.channel_vector(latent, cin), normed]),
                         self.channel_vector(latent, cin))
        mask = self.node("Sigmoid", [self.conv_padded(normed, cin, 1, 1)])
        return self.add(by_attr, self.node("Mul", [mask, self.node("Sub", [by_id, by_attr])]))

    def aad_block(self, x: str, attr: str, latent: str, cin: int, cout: int, attr_channels: int,
                  blocks: int) -> str:
        y = x
        for index in range(blocks):
            y = self.node("Relu", [self.modulation(y, attr, latent, cin, attr_channels)])
            y = self.conv_padded(y, cin, cin if index < blocks - 1 else cout, 3, pad=1, bias=False)
        if cin != cout:
            x = self.node("Relu", [self.modulation(x, attr, latent, cin, attr_channels)])
            x = self.conv_padded(x, cin, cout, 3, pad=1, bias=False)
        return self.add(y, x)

    def attribute_unet(self, target: str) -> list[str]:
        downs, x = [], target
        for cin, cout in _UNET_DOWN:
            x = self.node("LeakyRelu", [self.conv_padded(x, cin, cout, 4, stride=2, pad=1)], alpha=0.1)
            downs.append(x)
        features = [x]
        for index, (cin, cout) in enumerate(_UNET_UP):
            up = self.node("LeakyRelu", [self.up_transposed(x, cin, cout, 4, 1)], alpha=0.1)
            x = self.node("Concat", [up, downs[-(index + 2)]], axis=1)
            features.append(x)
        features.append(self.resize(x, 2.0))
        return features

    def aad_generator(self, start: str, features: list[str], latent: str, blocks: int) -> str:
        x = start
        for index, ((cin, cout, attr_channels, _), attr) in enumerate(zip(_AAD_256, features, strict=True)):
            x = self.aad_block(x, attr, latent, cin, cout, attr_channels, blocks)
            if index < len(_AAD_256) - 1:
                x = self.resize(x, 2.0)
        return self.node("Tanh", [x])


def build_hyperswap_256() -> onnx.ModelProto:
    """HyperSwap 256: ``source`` [1,512] + ``target`` [1,3,256,256] -> ``output`` [1,3,256,256] and
    ``mask`` [1,1,256,256]: the attribute U-Net, the identity pixel-shuffled to 1024 x 2 x 2, eight
    AAD ResBlks of two blocks, and the mask net that blends the result into the target."""
    b = _SwapperGraph(seed=2561)
    features = b.attribute_unet("target")
    seed = b.conv_padded(b.reshape("source", [1, 512, 1, 1]), 512, 4096, 3, pad=1)
    generated = b.aad_generator(b.node("DepthToSpace", [seed], blocksize=2), features, "source", 2)
    m = b.node("Concat", ["target", features[-1]], axis=1)
    for cin, cout in ((67, 16), (16, 32), (32, 64)):
        m = b.node("MaxPool", [b.node("Relu", [b.conv_padded(m, cin, cout, 3, pad=1)])],
                   kernel_shape=[2, 2], strides=[2, 2])
    inner = b.node("Relu", [b.conv_padded(b.node("Relu", [b.conv_padded(m, 64, 64, 3, pad=1)]), 64, 64, 3, pad=1)])
    m = b.node("Relu", [b.add(inner, m)])
    for cin, cout in ((64, 32), (32, 16), (16, 16)):
        m = b.node("Relu", [b.up_transposed(m, cin, cout, 2, 0)])
    b.nodes.append(helper.make_node("Sigmoid", [b.conv_padded(m, 16, 1, 1)], ["mask"]))
    # output = generated x mask + target x (1 - mask)
    blended = b.add("target", b.node("Mul", ["mask", b.node("Sub", [generated, "target"])]))
    b.rename(blended, "output")
    return _model(b, "hyperswap_1x_256.onnx", [_tensor("source", [1, 512]), _tensor("target", [1, 3, 256, 256])],
                  [_tensor("output", [1, 3, 256, 256]), _tensor("mask", [1, 1, 256, 256])])


def build_ghost_256(blocks: int) -> onnx.ModelProto:
    """GHOST 1/2/3 (AEI-Net, U-Net backbone, ``blocks`` blocks per AAD ResBlk): ``target``
    [1,3,256,256] + ``source`` [1,512] -> ``output`` [1,3,256,256] in [-1,1]."""
    b = _SwapperGraph(seed=2560 + blocks)
    features = b.attribute_unet("target")
    start = b.node("ConvTranspose", [b.reshape("source", [1, 512, 1, 1]), b.random((512, 1024, 2, 2), 512 * 4),
                                     b.const(np.zeros(1024, np.float32), "b")], kernel_shape=[2, 2])
    b.rename(b.aad_generator(start, features, "source", blocks), "output")
    return _model(b, f"ghost_{blocks}_256.onnx", [_tensor("target", [1, 3, 256, 256]), _tensor("source", [1, 512])],
                  [_tensor("output", [1, 3, 256, 256])])


def build_simswap_256() -> onnx.ModelProto:
    """SimSwap 256 (Generator_Adain_Upsample, nine AdaIN ResBlocks at 512 x 32 x 32): ``target``
    [1,3,256,256] + ``source`` [1,512] -> ``output`` [1,3,256,256]."""
    b = _SwapperGraph(seed=2563)
    x = b.node("Relu", [b.conv_padded("target", 3, 64, 7, pad=3)])
    for cin, cout in ((64, 128), (128, 256), (256, 512)):
        x = b.node("Relu", [b.conv_padded(x, cin, cout, 3, stride=2, pad=1)])

    def styled(y: str) -> str:
        scale, shift = b.split(b.reshape(b.gemm("source", 512, 1024), [1, 1024, 1, 1]), 2)
        one = b.const(np.ones((1, 1, 1, 1), np.float32), "one")
        return b.add(b.node("Mul", [b.instance_norm(y), b.add(scale, one)]), shift)

    for _ in range(9):
        y = b.node("Relu", [styled(b.conv_padded(x, 512, 512, 3, pad=1))])
        x = b.add(x, styled(b.conv_padded(y, 512, 512, 3, pad=1)))
    for cin, cout in ((512, 256), (256, 128), (128, 64)):
        x = b.node("Relu", [b.conv_padded(b.resize(x, 2.0), cin, cout, 3, pad=1)])
    b.rename(b.conv_padded(x, 64, 3, 7, pad=3), "output")
    return _model(b, "simswap_256.onnx", [_tensor("target", [1, 3, 256, 256]), _tensor("source", [1, 512])],
                  [_tensor("output", [1, 3, 256, 256])])


def build_crossface() -> onnx.ModelProto:
    """CrossFace: ``input`` [1,512] -> ``output`` [1,512]: normalise, an MLP with LayerNorms and
    (tanh-free) GELU-like gates, plus 0.2 x a linear skip."""
    b = _SwapperGraph(seed=5120)
    unit = b.node("LpNormalization", ["input"], axis=-1, p=2)
    x = unit
    for cin, cout in ((512, 1024), (1024, 2048), (2048, 1024)):
        x = b.node("LayerNormalization", [b.gemm(x, cin, cout), b.const(np.ones(cout, np.float32), "g"),
                                          b.const(np.zeros(cout, np.float32), "b")], axis=-1)
        gate = b.node("Sigmoid", [b.node("Mul", [x, b.const(np.array(1.702, np.float32), "k")])])
        x = b.node("Mul", [x, gate])
    skip = b.node("Mul", [b.gemm(unit, 512, 512), b.const(np.array(0.2, np.float32), "k")])
    b.rename(b.add(b.gemm(x, 1024, 512), skip), "output")
    return _model(b, "crossface_*.onnx", [_tensor("input", [1, 512])], [_tensor("output", [1, 512])])


# ---------------------------------------------------------------------------------------------
# Issue 22: the face enhancers besides GFPGAN, Real-ESRGAN x2 / x4 and DDColor. Their real
# figures are counted layer by layer from each network's published configuration by the
# ``*_reference`` functions below (independently of the builders); where no file size is
# published (FaceFusion's exports) the count is the only source, and says so.
# ---------------------------------------------------------------------------------------------

class _Counter:
    """Adds up parameters and MACs of convolutions and linear layers as a reference is read."""

    def __init__(self) -> None:
        self.params = 0
        self.macs = 0

    def conv(self, cin: int, cout: int, k: int, size: int, *, bias: bool = True, groups: int = 1) -> None:
        self.params += cout * cin // groups * k * k + (cout if bias else 0)
        self.macs += cout * cin // groups * k * k * size * size

    def linear(self, cin: int, cout: int, tokens: int = 1, *, bias: bool = True) -> None:
        self.params += cin * cout + (cout if bias else 0)
        self.macs += cin * cout * tokens

    def resblock(self, cin: int, cout: int, size: int) -> None:
        self.conv(cin, cout, 3, size)
        self.conv(cout, cout, 3, size)
        if cin != cout:
            self.conv(cin, cout, 1, size)

    def attention(self, channels: int, size: int) -> None:
        """A VQGAN AttnBlock: q, k, v, proj 1x1 convs plus the two token products."""
        for _ in range(4):
            self.conv(channels, channels, 1, size)
        self.macs += 2 * (size * size) ** 2 * channels

    def transformer(self, dim: int, hidden: int, tokens: int, layers: int) -> None:
        for _ in range(layers):
            self.linear(dim, 3 * dim, tokens)
            self.linear(dim, dim, tokens)
            self.macs += 2 * tokens * tokens * dim
            self.linear(dim, hidden, tokens)
            self.linear(hidden, dim, tokens)

    @property
    def figures(self) -> tuple[int, int]:
        return self.params, self.macs


def rrdbnet_reference(scale: int, size: int = 256) -> tuple[int, int]:
    """(params, MACs) of Real-ESRGAN's RRDBNet (xinntao/Real-ESRGAN, basicsr rrdbnet_arch.py:
    num_feat 64, num_block 23, num_grow_ch 32) on a ``size`` px tile: x2 unshuffles its input by 2
    (12 channels at half size), both upsample twice by nearest + 3x3 conv."""
    count = _Counter()
    feat, grow = 64, 32
    body = size // 2 if scale == 2 else size
    count.conv(3 * (4 if scale == 2 else 1), feat, 3, body)
    for _ in range(23 * 3):  # 23 RRDB x 3 residual dense blocks x 5 convs
        for index in range(4):
            count.conv(feat + index * grow, grow, 3, body)
        count.conv(feat + 4 * grow, feat, 3, body)
    count.conv(feat, feat, 3, body)  # conv_body
    count.conv(feat, feat, 3, body * 2)  # conv_up1
    count.conv(feat, feat, 3, body * 4)  # conv_up2
    count.conv(feat, feat, 3, body * 4)  # conv_hr
    count.conv(feat, 3, 3, body * 4)  # conv_last
    return count.figures


_VQGAN_CHANNELS = {512: 64, 256: 128, 128: 128, 64: 256, 32: 256, 16: 512}  # nf 64, ch_mult (1,2,2,4,4,8)


def _vqgan(count: _Counter, *, embed: int) -> None:
    """The VQGAN encoder and decoder CodeFormer and RestoreFormer++ build on (2 res blocks per
    level, attention at 16 px, ``embed``-channel codes)."""
    count.conv(3, 64, 3, 512)
    channels = 64
    for size, out in _VQGAN_CHANNELS.items():
        for _ in range(2):
            count.resblock(channels, out, size)
            channels = out
            if size == 16:
                count.attention(channels, 16)
        if size > 16:
            count.conv(channels, channels, 3, size // 2)  # downsample, stride 2
    count.resblock(512, 512, 16)
    count.attention(512, 16)
    count.resblock(512, 512, 16)
    count.conv(512, embed, 3, 16)
    count.params += 1024 * embed  # the codebook
    count.conv(embed, 512, 3, 16)
    count.resblock(512, 512, 16)
    count.attention(512, 16)
    count.resblock(512, 512, 16)
    channels = 512
    for size, out in reversed(_VQGAN_CHANNELS.items()):
        for _ in range(2):
            count.resblock(channels, out, size)
            channels = out
            if size == 16:
                count.attention(channels, 16)
        if size < 512:
            count.conv(channels, channels, 3, size * 2)  # upsample: nearest then 3x3
    count.conv(64, 3, 3, 512)


def codeformer_reference() -> tuple[int, int]:
    """(params, MACs) of CodeFormer at 512 (sczhou/CodeFormer basicsr/archs/codeformer_arch.py:
    dim_embd 512, 9 layers of 8 heads, codebook 1024 x 256, connect_list 32/64/128/256): its
    VQGAN, the transformer on the 256 codes and the Fuse_sft blocks (res block on the
    concatenation, 2-conv scale and shift) at each connected size."""
    count = _Counter()
    _vqgan(count, embed=256)
    count.linear(256, 512, 256)  # feat_emb
    count.params += 256 * 512  # position embedding
    count.transformer(512, 1024, 256, 9)
    count.linear(512, 1024, 256, bias=False)  # idx_pred_layer
    for size in (32, 64, 128, 256):
        channels = _VQGAN_CHANNELS[size]
        count.resblock(2 * channels, channels, size)
        for _ in range(2):
            count.conv(channels, channels, 3, size)
            count.conv(channels, channels, 3, size)
    return count.figures


def restoreformer_pp_reference() -> tuple[int, int]:
    """(params, MACs) of RestoreFormer++ at 512 (wzhouxiff/RestoreFormerPlusPlus, its VQGAN
    configuration: nf 64, ch_mult 1,2,2,4,4,8, 2 res blocks, codebook 1024 x 256) plus its
    multi-head cross-attention between degraded features and codes at 16, 32 and 64 px
    (q, k, v, output projections at each size): an estimate of the extra blocks, no published figure."""
    count = _Counter()
    _vqgan(count, embed=256)
    for size in (16, 32, 64):
        channels = _VQGAN_CHANNELS[size]
        for _ in range(4):
            count.conv(channels, channels, 1, size)
        count.macs += 2 * (size * size) ** 2 * channels
    return count.figures


def gpen_reference(size: int) -> tuple[int, int]:
    """(params, MACs) of GPEN's FullGenerator (yangxy/GPEN face_model/gpen_model.py) at ``size``:
    channel_multiplier 2, narrow 1 for 512 and 1024, 1 and 0.5 for 256 (face_enhancement.py); an
    encoder of stride-2 3x3 convs, the 8-layer style MLP, and a StyleGAN2 generator whose convs
    take the encoder's features concatenated to their input (twice the channels)."""
    multiplier, narrow = (1, 0.5) if size == 256 else (2, 1)
    wide = int(512 * narrow)
    channels = {4: wide, 8: wide, 16: wide, 32: wide, 64: int(256 * multiplier * narrow),
                128: int(128 * multiplier * narrow), 256: int(64 * multiplier * narrow),
                512: int(32 * multiplier * narrow), 1024: int(16 * multiplier * narrow)}
    count = _Counter()
    count.conv(3, channels[size], 1, size)
    level, previous = size, channels[size]
    while level > 4:
        count.conv(previous, channels[level // 2], 3, level // 2)
        level, previous = level // 2, channels[level // 2]
    count.linear(channels[4] * 16, 512)
    for _ in range(8):
        count.linear(512, 512)

    def styled(cin: int, cout: int, k: int, at: int) -> None:
        count.linear(512, cin)  # modulation
        count.conv(cin, cout, k, at)

    styled(channels[4], channels[4], 3, 4)
    styled(channels[4] * 2, 3, 1, 4)
    previous, level = channels[4], 8
    while level <= size:
        out = channels[level]
        count.linear(512, previous * 2)
        count.params += out * previous * 2 * 9
        count.macs += out * previous * 2 * 9 * (level // 2) ** 2  # transposed conv, stride 2
        styled(out * 2, out, 3, level)
        styled(out * 2, 3, 1, level)
        previous, level = out, level * 2
    return count.figures


def ddcolor_reference() -> tuple[int, int]:
    """(params, MACs) of DDColor (piddnad/DDColor, ConvNeXt-L encoder, depths 3/3/27/3, widths
    192/384/768/1536) at 256: the encoder counted block by block (7x7 depthwise, 4x MLP), the
    pixel decoder (three upsampling stages to 1/4 size with 512/512/256 channels) and the colour
    decoder (100 queries of 256, 9 layers attending to three scales, then query x pixel
    products and a refine conv): the decoders are an estimate of that layout, no published figure."""
    count = _Counter()
    count.conv(3, 192, 4, 64)  # stem, stride 4
    size = 64
    for stage, (depth, dim) in enumerate(zip((3, 3, 27, 3), (192, 384, 768, 1536), strict=True)):
        if stage:
            count.conv(dim // 2, dim, 2, size)  # downsample, stride 2 (size already halved)
        for _ in range(depth):
            count.conv(dim, dim, 7, size, groups=dim)
            count.linear(dim, 4 * dim, size * size)
            count.linear(4 * dim, dim, size * size)
        size //= 2
    for cin, cout, at in ((1536, 512, 16), (512 + 768, 512, 16), (512, 512, 32), (512 + 384, 512, 32),
                          (512, 256, 64), (256 + 192, 256, 64)):
        count.conv(cin, cout, 3, at)
    for _ in range(9):
        count.transformer(256, 2048, 100, 1)
        count.linear(256, 256, 100 * 2)
        count.macs += 2 * 100 * 256 * (16 * 16 + 32 * 32 + 64 * 64) // 3
    count.macs += 100 * 256 * 256 * 256  # queries x upsampled pixel embeddings
    count.conv(100 + 3, 2, 1, 256)
    return count.figures


def build_matched(real_name: str, *, inputs: list[onnx.ValueInfoProto], image: str, size: int,
                  out_channels: int, output: str, params: float, macs: float, width: int = 64,
                  weight_input: str | None = None, tanh: bool = True, seed: int = 22) -> onnx.ModelProto:
    """A generic network of a real model's cost where its layout is not rebuilt: a stride-2 3x3
    conv to ``width`` channels at half size, as many 3x3 convs there as the MACs need, an
    upsampling back to ``size`` and a 3x3 conv to ``out_channels``; the parameters the convs
    don't hold sit in a squeeze-excitation-like pair of Gemms on the pooled features (their
    MACs are their parameters: negligible). ``weight_input``: CodeFormer's float64 fidelity,
    cast and multiplied into the features."""
    b = GraphBuilder(seed=seed)
    half = size // 2
    per_conv = width * width * 9 * half * half
    fixed = 3 * width * 9 * half * half + width * out_channels * 9 * size * size
    convs = max(1, round((macs - fixed) / per_conv))
    x = b.conv(image, 3, width, 3, stride=2)
    if weight_input is not None:
        x = b.node("Mul", [x, b.node("Cast", [weight_input], to=FLOAT)])
    for _ in range(convs):
        x = b.conv(x, width, width, 3)
    spare = params - (convs * (width * width * 9 + width) + 3 * width * 9 + width * out_channels * 9)
    hidden = max(1, int(spare // (2 * width)))
    pooled = b.node("Flatten", [b.node("GlobalAveragePool", [x])], axis=1)
    gate = b.node("Sigmoid", [b.gemm(b.gemm(pooled, width, hidden), hidden, width)])
    x = b.node("Mul", [x, b.reshape(gate, [1, width, 1, 1])])
    y = b.conv(b.resize(x, 2.0), width, out_channels, 3, act=False)
    b.nodes.append(helper.make_node("Tanh" if tanh else "Identity", [y], [output]))
    return _model(b, real_name, inputs, [_tensor(output, [1, out_channels, size, size])])


def _enhancer(name: str, size: int, figures: RealFigures, **more) -> onnx.ModelProto:
    return build_matched(f"{name}.onnx", inputs=[_tensor("input", [1, 3, size, size]), *more.pop("extra", [])],
                         image="input", size=size, out_channels=3, output="output", params=figures.params,
                         macs=figures.macs, **more)


def build_rrdbnet(scale: int) -> onnx.ModelProto:
    """Real-ESRGAN x``scale`` (RRDBNet, its real layout): ``input`` [1,3,H,W] in [0,1] ->
    ``output`` [1,3,sH,sW]; x2 unshuffles the input by 2 first (SpaceToDepth)."""
    b = GraphBuilder(seed=scale * 17)
    feat, grow = 64, 32
    x = "input"
    cin = 3
    if scale == 2:
        x, cin = b.node("SpaceToDepth", [x], blocksize=2), 12
    first = b.conv(x, cin, feat, 3, act=False)
    trunk = first
    for _ in range(23):
        block_in = trunk
        for _ in range(3):
            features = [trunk]
            for index in range(4):
                concat = features[0] if index == 0 else b.node("Concat", features, axis=1)
                features.append(b.conv(concat, feat + index * grow, grow, 3))
            dense = b.conv(b.node("Concat", features, axis=1), feat + 4 * grow, feat, 3, act=False)
            trunk = b.add(trunk, b.node("Mul", [dense, b.const(np.array([0.2], np.float32), "beta")]))
        trunk = b.add(block_in, b.node("Mul", [trunk, b.const(np.array([0.2], np.float32), "beta")]))
    x = b.add(first, b.conv(trunk, feat, feat, 3, act=False))
    for _ in range(2):
        scales = b.const(np.array([1, 1, 2, 2], np.float32), "scales")
        x = b.conv(b.node("Resize", [x, "", scales], mode="nearest"), feat, feat, 3)
    x = b.conv(x, feat, feat, 3)
    b.rename(b.conv(x, feat, 3, 3, act=False), "output")
    return _model(b, f"real_esrgan_x{scale}.onnx", [_tensor("input", [1, 3, "height", "width"])],
                  [_tensor("output", [1, 3, "out_height", "out_width"])])


def build_ddcolor() -> onnx.ModelProto:
    figures = REAL_FIGURES["ddcolor"]
    return build_matched("ddcolor.onnx", inputs=[_tensor("input", [1, 3, 256, 256])], image="input", size=256,
                         out_channels=2, output="output", params=figures.params, macs=figures.macs, width=128,
                         tanh=False, seed=25)


def _real(name: str, figures: tuple[int, int], at: str, source: str) -> RealFigures:
    return RealFigures(params=float(figures[0]), macs=float(figures[1]), at=at, source=source)


REAL_FIGURES.update({
    "codeformer": _real("codeformer", codeformer_reference(), "1x3x512x512 + weight",
                        "counted from sczhou/CodeFormer codeformer_arch.py (codeformer_reference); the "
                        "~377 MB export (94 M float32 weights) agrees within a few per cent"),
    "gpen_bfr_256": _real("gpen_bfr_256", gpen_reference(256), "1x3x256x256",
                          "counted from yangxy/GPEN gpen_model.py with face_enhancement.py's 256 settings "
                          "(gpen_reference); no byte count of FaceFusion's export is published"),
    "gpen_bfr_512": _real("gpen_bfr_512", gpen_reference(512), "1x3x512x512",
                          "counted from yangxy/GPEN gpen_model.py (gpen_reference); the ~284 MB export "
                          "(71 M float32 weights) agrees within a few per cent"),
    "gpen_bfr_1024": _real("gpen_bfr_1024", gpen_reference(1024), "1x3x1024x1024",
                           "counted from yangxy/GPEN gpen_model.py, channel multiplier 2 and narrow 1 "
                           "assumed at 1024 (gpen_reference); no published figure"),
    "restoreformer_plus_plus": _real("restoreformer_plus_plus", restoreformer_pp_reference(), "1x3x512x512",
                                     "counted from RestoreFormer++'s VQGAN configuration plus an estimate of its "
                                     "cross-attention blocks (restoreformer_pp_reference); no published figure"),
    "real_esrgan_x2": _real("real_esrgan_x2", rrdbnet_reference(2), "1x3x256x256 (one tile)",
                            "counted from basicsr rrdbnet_arch.py, scale 2 (rrdbnet_reference); Real-ESRGAN's "
                            "RealESRGAN_x2plus.pth holds the same 16.7 M parameters"),
    "real_esrgan_x4": _real("real_esrgan_x4", rrdbnet_reference(4), "1x3x256x256 (one tile)",
                            "counted from basicsr rrdbnet_arch.py, scale 4 (rrdbnet_reference); "
                            "RealESRGAN_x4plus.pth: 16.7 M parameters, 64 MB"),
    "ddcolor": _real("ddcolor", ddcolor_reference(), "1x3x256x256",
                     "ConvNeXt-L encoder counted block by block, decoders estimated from DDColor's layout "
                     "(ddcolor_reference); no published figure at 256"),
})


BUILDERS: dict[str, Callable[[], onnx.ModelProto]] = {
    "det_10g": build_scrfd_10g,
    "w600k_r50": build_iresnet50,
    "inswapper_128": build_inswapper,
    "gfpgan_1.4": build_gfpgan,
    "rife_4.9": build_rife,
    "xseg_1": build_xseg,
    "bisenet_resnet_34": build_bisenet,
    "nsfw_vit": build_vit_base_384,
    "hyperswap_1a_256": build_hyperswap_256,
    "hyperswap_1b_256": build_hyperswap_256,
    "hyperswap_1c_256": build_hyperswap_256,
    "ghost_1_256": partial(build_ghost_256, 1),
    "ghost_2_256": partial(build_ghost_256, 2),
    "ghost_3_256": partial(build_ghost_256, 3),
    "simswap_256": build_simswap_256,
    "crossface_ghost": build_crossface,
    "crossface_simswap": build_crossface,
    "codeformer": lambda: _enhancer("codeformer", 512, REAL_FIGURES["codeformer"], seed=51,
                                    extra=[helper.make_tensor_value_info("weight", TensorProto.DOUBLE, [1])],
                                    weight_input="weight"),
    "gpen_bfr_256": lambda: _enhancer("gpen_bfr_256", 256, REAL_FIGURES["gpen_bfr_256"], seed=256),
    "gpen_bfr_512": lambda: _enhancer("gpen_bfr_512", 512, REAL_FIGURES["gpen_bfr_512"], seed=512),
    "gpen_bfr_1024": lambda: _enhancer("gpen_bfr_1024", 1024, REAL_FIGURES["gpen_bfr_1024"], seed=1024),
    "restoreformer_plus_plus": lambda: _enhancer("restoreformer_plus_plus", 512,
                                                 REAL_FIGURES["restoreformer_plus_plus"], seed=23),
    "real_esrgan_x2": lambda: build_rrdbnet(2),
    "real_esrgan_x4": lambda: build_rrdbnet(4),
    "ddcolor": build_ddcolor,
}

# The input sizes MACs are counted at (matching REAL_FIGURES[...].at).
COUNT_SHAPES: dict[str, dict[str, list[int]]] = {
    "det_10g": {"input.1": [1, 3, 640, 640]},
    "rife_4.9": {"img0": [1, 3, 736, 1280], "img1": [1, 3, 736, 1280]},
    "real_esrgan_x2": {"input": [1, 3, 256, 256]},
    "real_esrgan_x4": {"input": [1, 3, 256, 256]},
}


def fixed_inputs(model: onnx.ModelProto, shapes: dict[str, list[int]]) -> onnx.ModelProto:
    """A copy of ``model`` whose named inputs have the given concrete shapes (for counting)."""
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    for value in copy.graph.input:
        if value.name in shapes:
            dims = value.type.tensor_type.shape.dim
            for dim, size in zip(dims, shapes[value.name], strict=True):
                dim.Clear()
                dim.dim_value = size
    return copy


def compute_of(name: str, model: onnx.ModelProto) -> tuple[int, int]:
    """(params, MACs) of a built model at the size its real figures are for."""
    return model_compute(fixed_inputs(model, COUNT_SHAPES.get(name, {})))


def write_compute_matched(folder: str | Path, names: Iterable[str] | None = None,
                          manifest: ModelManifest | None = None) -> dict[str, Path]:
    """Writes compute-matched stand-ins under the manifest's real file names; name -> path."""
    return write_standins(folder, names, manifest, builders=BUILDERS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where to write the .onnx files")
    parser.add_argument("--only", action="append", choices=sorted(BUILDERS), help="this model only (repeatable)")
    parser.add_argument("--count", action="store_true", help="print params and MACs against the real figures")
    arguments = parser.parse_args(argv)
    for name, path in write_compute_matched(arguments.folder, arguments.only).items():
        line = f"{name}: {path} ({path.stat().st_size / 1e6:.1f} MB, COMPUTE-MATCHED STAND-IN)"
        if arguments.count:
            params, macs = compute_of(name, onnx.load(str(path)))
            real = REAL_FIGURES[name]
            line += (f"  params {params / 1e6:.2f} M ({params / real.params:.2f}x real), "
                     f"MACs {macs / 1e9:.2f} G ({macs / real.macs:.2f}x real at {real.at})")
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
