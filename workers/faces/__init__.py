"""Faces: detect (SCRFD), align, embed (ArcFace), swap (the swap_model families: inswapper,
HyperSwap, GHOST, SimSwap), paste back, enhance (GFPGAN), match persons."""
