"""Combines signals into a calibrated score with its evidence, and fills the review queue."""
