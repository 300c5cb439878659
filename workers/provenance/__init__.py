"""Marks on every output: a signed C2PA manifest, an invisible watermark and an optional visible label."""
