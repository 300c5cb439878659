"""Model files: the manifest of weights, the verified downloader, the per-process ONNX session registry."""
