"""Media signal: PDQ hashes per second against just decoding the image, and bank lookups
per second with recall at distance 31 against exhaustive search, at 100k and 10M hashes.

Baselines: decoding alone (what any hasher pays), faiss' exhaustive `IndexBinaryFlat`
range search (the memory-scan limit) and, at 100k, faiss' `IndexBinaryMultiHash` with the
same 16x16-bit substrings (its build takes minutes at 10M). BENCH_MEDIA_BIG=0 skips 10M.
"""

from __future__ import annotations

import io
import os
import random
import resource
import time

import faiss
import numpy as np
import numpy.typing as npt
from PIL import Image

from vigil.signals.hash_index import HashIndex
from vigil.signals.pdq import hash_image, query_variants
from vigil.sim.media import draw_ordinary, draw_release

N_IMAGES = 60
RADIUS = 31
N_PLANTED = 2000
N_RANDOM = 2000
N_TRUTH = 1000  # queries checked against exhaustive search (it is slow at 10M)

Codes = npt.NDArray[np.uint8]


def _peak_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _hashing() -> dict[str, object]:
    rng = random.Random(1)
    blobs = []
    for i in range(N_IMAGES):
        img = draw_release(rng, i, "Amaq") if i % 2 else draw_ordinary(rng)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=85)
        blobs.append(buf.getvalue())

    def decode(blob: bytes) -> Image.Image:
        with Image.open(io.BytesIO(blob)) as img:
            return img.convert("RGB")

    started = time.perf_counter()
    for blob in blobs:
        np.asarray(decode(blob))
    decode_s = time.perf_counter() - started
    started = time.perf_counter()
    for blob in blobs:
        hash_image(decode(blob))
    pdq_s = time.perf_counter() - started
    started = time.perf_counter()
    for blob in blobs:
        query_variants(decode(blob))
    variants_s = time.perf_counter() - started
    return {
        "images": N_IMAGES,
        "decode_per_s": round(N_IMAGES / decode_s, 1),
        "pdq_hashes_per_s": round(N_IMAGES / pdq_s, 1),
        "pdq_vs_decode": round(pdq_s / decode_s, 2),
        "pdq_with_content_regions_per_s": round(N_IMAGES / variants_s, 1),
    }


def _queries(codes: Codes, rng: np.random.Generator) -> Codes:
    """Planted near-copies (0-31 bits from a bank hash) followed by random hashes."""
    picked = codes[rng.choice(len(codes), N_PLANTED, replace=False)]
    bits = np.unpackbits(picked, axis=1)
    for i in range(N_PLANTED):
        bits[i, rng.choice(256, i % (RADIUS + 1), replace=False)] ^= 1
    planted = np.packbits(bits, axis=1)
    noise = rng.integers(0, 256, (N_RANDOM, 32), dtype=np.uint8)
    return np.concatenate([planted, noise])


def _faiss_multihash(codes: Codes, queries: Codes) -> dict[str, object]:
    index = faiss.IndexBinaryMultiHash(256, 16, 16)
    started = time.perf_counter()
    index.add(codes)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    index.range_search(queries, RADIUS + 1)
    return {
        "build_s": round(build_s, 1),
        "lookups_per_s": round(len(queries) / (time.perf_counter() - started)),
    }


def _bank(n: int, *, compare_faiss: bool) -> dict[str, object]:
    rng = np.random.default_rng(n)
    codes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    queries = _queries(codes, rng)
    started = time.perf_counter()
    index = HashIndex(codes, exact_limit=0)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    hits = index.search(queries, RADIUS)
    search_s = time.perf_counter() - started
    # ground truth on a sample spread over planted and random queries
    sample = np.concatenate([np.arange(N_TRUTH // 2), N_PLANTED + np.arange(N_TRUTH // 2)])
    flat = faiss.IndexBinaryFlat(256)
    flat.add(codes)
    started = time.perf_counter()
    lims, _, rows = flat.range_search(queries[sample], RADIUS + 1)
    flat_s = time.perf_counter() - started
    del flat
    truth = {
        (int(q), int(rows[i])) for k, q in enumerate(sample) for i in range(lims[k], lims[k + 1])
    }
    wanted = set(sample.tolist())
    got = {(h.query, h.row) for h in hits if h.query in wanted}
    recall = len(got & truth) / len(truth) if truth else 1.0
    out: dict[str, object] = {
        "hashes": n,
        "index": index.kind,
        "build_s": round(build_s, 1),
        "lookups_per_s": round(len(queries) / search_s),
        "exhaustive_lookups_per_s": round(len(sample) / flat_s, 1),
        "speedup_vs_exhaustive": round((len(queries) / search_s) / (len(sample) / flat_s), 1),
        "recall_at_31": round(recall, 4),
        "false_hits": len(got - truth),
        "truth_pairs": len(truth),
        "peak_rss_mib": _peak_mib(),
    }
    if compare_faiss:
        out["faiss_multihash"] = _faiss_multihash(codes, queries)
    return out


def run() -> dict[str, object]:
    out: dict[str, object] = {"threads": faiss.omp_get_max_threads(), **_hashing()}
    out["bank_100k"] = _bank(100_000, compare_faiss=True)
    if os.environ.get("BENCH_MEDIA_BIG", "1") != "0":
        out["bank_10m"] = _bank(10_000_000, compare_faiss=False)
    return out
