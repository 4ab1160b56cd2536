"""A Spark session for Vigil's batch scans, and a snapshot's tables as DataFrames.

`local[N]` runs on this machine (the tests use `local[2]`); any other master URL
(``spark://host:7077``, ``yarn``, ``k8s://...``) runs on a cluster that can read the
snapshot directory.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from vigil.batch.snapshot import read_manifest
from vigil.errors import ConfigError

__all__ = ["SnapshotFrames", "shuffle_partitions", "spark_session"]

log = logging.getLogger(__name__)


def spark_session(master: str = "local[2]", *, partitions: int | None = None) -> Any:
    """A new or the running SparkSession on `master`, in UTC with Arrow transfers on."""
    try:
        from pyspark.sql import SparkSession  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        raise ConfigError("the Spark engine needs pyspark: pip install pyspark") from exc
    # Executors must run this interpreter, which has Vigil and its dependencies.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    shuffle = partitions or (2 if master.startswith("local") else 200)
    try:
        spark = (
            SparkSession.builder.master(master)
            .appName("vigil-scan")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", str(shuffle))
            .config("spark.default.parallelism", str(shuffle))
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.adaptive.enabled", "true")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", os.environ.get("VIGIL_SPARK_DRIVER_MEMORY", "2g"))
            .getOrCreate()
        )
    except Exception as exc:  # Py4J and JVM start-up errors have no common base class
        raise ConfigError(f"cannot start Spark on {master}: {exc} (is Java 17 installed?)") from exc
    spark.sparkContext.setLogLevel("ERROR")
    log.info("spark %s on %s", spark.version, master)
    return spark


def shuffle_partitions(spark: Any) -> int:
    """The session's shuffle partitions: the least a repartition should ask for."""
    return int(spark.conf.get("spark.sql.shuffle.partitions"))


class SnapshotFrames:
    """The snapshot's tables, read lazily as DataFrames by name."""

    def __init__(self, spark: Any, root: Path) -> None:
        self.spark = spark
        self.root = root
        self._rows: dict[str, int] | None = None

    def rows(self, name: str) -> int:
        """The row count of a table, from the manifest (0 when it does not say)."""
        if self._rows is None:
            self._rows = read_manifest(self.root, verify=False).rows()
        return self._rows.get(name, 0)

    def table(self, name: str) -> Any:
        path = self.root / f"{name}.parquet"
        if not path.is_file():
            raise ConfigError(f"snapshot {self.root} has no {name}.parquet")
        return self.spark.read.parquet(str(path.resolve()))
