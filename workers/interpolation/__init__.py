"""Frame interpolation for slow motion: the interface, optical flow, RIFE, scene cuts."""
