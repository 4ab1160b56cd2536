"""Batch work outside the store: Parquet snapshots, and the Spark engine that scans them."""
