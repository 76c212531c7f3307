"""Reusable views shared by the lab pages."""
