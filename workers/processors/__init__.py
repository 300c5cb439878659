"""Per-frame processors and the FrameSwapper that runs them."""
