"""Video and still media I/O: probe, streaming ffmpeg reader and writer, lookahead, output sizes."""
