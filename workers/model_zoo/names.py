"""The names of the model weights code refers to (the manifest's ``name``), in a module that
imports nothing: option declarations and the web process name a model without loading the code
that runs it."""

DETECTOR_MODEL = "det_10g"
EMBEDDER_MODEL = "w600k_r50"
SWAPPER_MODEL = "inswapper_128"
# The other swappers (swap_model) and the embedding converters GHOST and SimSwap need: FaceFusion's
# CrossFace nets map a w600k_r50 ArcFace embedding into the space of the ArcFace each was trained with.
HYPERSWAP_1A_MODEL = "hyperswap_1a_256"
HYPERSWAP_1B_MODEL = "hyperswap_1b_256"
HYPERSWAP_1C_MODEL = "hyperswap_1c_256"
GHOST_1_MODEL = "ghost_1_256"
GHOST_2_MODEL = "ghost_2_256"
GHOST_3_MODEL = "ghost_3_256"
SIMSWAP_256_MODEL = "simswap_256"
CROSSFACE_GHOST_MODEL = "crossface_ghost"
CROSSFACE_SIMSWAP_MODEL = "crossface_simswap"
ENHANCER_MODEL = "gfpgan_1.4"
OCCLUDER_MODEL = "xseg_1"
PARSER_MODEL = "bisenet_resnet_34"
NSFW_MODEL = "nsfw_vit"
RIFE_MODEL = "rife_4.9"
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
