"""Automatic object frames: which local axis is up and which is front, read from the mesh."""
