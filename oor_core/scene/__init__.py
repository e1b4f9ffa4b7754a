"""Several objects: scene graphs, joint guided sampling (Eq. 10) and editing (Eqs. 11-13)."""
