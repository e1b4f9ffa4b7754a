"""Frames and poses: axes, the 15-D OOR vector, 6-D rotations, object frames, placement."""
