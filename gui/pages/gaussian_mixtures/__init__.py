"""The Gaussian mixtures page: densities, covariance types, anomalies, BIC/AIC, Bayesian
weights and EM step by step."""

from gui.pages.gaussian_mixtures.page import GaussianMixturesPage

__all__ = ["GaussianMixturesPage"]
