"""The diffusion model: text encoder, score network, VE SDE, samplers, ranking, checkpoints."""
