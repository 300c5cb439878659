"""The names of the model weights code refers to (the manifest's ``name``), in a module that
imports nothing: option declarations and the web process name a model without loading the code
that runs it."""

DETECTOR_MODEL = "det_10g"
EMBEDDER_MODEL = "w600k_r50"
SWAPPER_MODEL = "inswapper_128"
ENHANCER_MODEL = "gfpgan_1.4"
OCCLUDER_MODEL = "xseg_1"
PARSER_MODEL = "bisenet_resnet_34"
NSFW_MODEL = "nsfw_vit"
RIFE_MODEL = "rife_4.9"
