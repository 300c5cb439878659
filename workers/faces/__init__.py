"""Faces: detect (SCRFD), align, embed (ArcFace), swap (inswapper), paste back, enhance (GFPGAN), match persons."""
