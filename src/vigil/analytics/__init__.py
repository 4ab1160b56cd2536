"""Suspension waves, time to action, attribution, population estimates, transparency report."""
