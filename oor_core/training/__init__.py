"""Training machinery for the OOR diffusion model (data feeding, optimisation loop, state)."""
