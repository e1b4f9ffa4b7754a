# SPDX-License-Identifier: GPL-3.0-or-later
"""Blender <-> engine: the only layer that turns bpy data into numpy and back (objects, meshes,
requests, the pair and scene pipelines, the model service, the user's data folder)."""
