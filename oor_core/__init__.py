"""OOR Arrange engine: geometry, relation library, diffusion model and samplers.

Pure Python + numpy (+ torch/transformers for the model). Never imports bpy or mathutils,
so everything here runs and is tested outside Blender.
"""
