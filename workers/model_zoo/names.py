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
# Face enhancers besides GFPGAN (the enhance_model option; workers/faces/enhancers.py).
CODEFORMER_MODEL = "codeformer"
GPEN_BFR_256_MODEL = "gpen_bfr_256"
GPEN_BFR_512_MODEL = "gpen_bfr_512"
GPEN_BFR_1024_MODEL = "gpen_bfr_1024"
RESTOREFORMER_PP_MODEL = "restoreformer_plus_plus"
# restore mode's frame enhancers (upscale=2/4) and colouriser (colorize).
UPSCALER_X2_MODEL = "real_esrgan_x2"
UPSCALER_X4_MODEL = "real_esrgan_x4"
COLORIZER_MODEL = "ddcolor"
