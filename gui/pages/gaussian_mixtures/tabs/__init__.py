"""The tabs of the Gaussian mixtures page."""
