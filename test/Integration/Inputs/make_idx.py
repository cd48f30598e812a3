"""Writes a small synthetic data set in the Fashion-MNIST layout, or one
broken file, for tests that must not depend on the dataset package.

  make_idx.py DIR [--train N] [--test N] [--seed S]
      DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz: N images of
      28 x 28 unsigned bytes in 10 classes (each class brightens its own
      band of rows, plus noise, so a model can learn them) and their labels.
  make_idx.py DIR --break KIND FILE [--cut N]
      Replaces DIR/FILE (written before) with a broken version:
        truncated   the gzip stream of a valid file whose last N (default
                    100) bytes are missing
        bad-magic   a plain (not gzip) file with a wrong magic number
        corrupt-gz  a gzip file whose compressed bytes are damaged
        cut-gz      the compressed file cut in the middle
"""
import argparse
import gzip
import os
import struct
import sys

import numpy as np


def idx_bytes(array):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_gz(path, data):
    # mtime=0: the same bytes every time.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(data)


def synthetic(n, rng):
    labels = rng.integers(0, 10, n)
    images = rng.integers(0, 90, (n, 28, 28))
    for c in range(10):
        rows = labels == c
        images[rows, 2 + 2 * c: 5 + 2 * c, :] += 150
    return np.clip(images, 0, 255), labels


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--train", type=int, default=2048)
    ap.add_argument("--test", type=int, default=512)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--break", dest="kind",
                    choices=["truncated", "bad-magic", "corrupt-gz", "cut-gz"])
    ap.add_argument("--cut", type=int, default=100)
    ap.add_argument("file", nargs="?")
    a = ap.parse_intermixed_args()
    if a.kind:
        path = os.path.join(a.dir, a.file)
        with gzip.open(path, "rb") as f:
            data = f.read()
        with open(path, "rb") as f:
            packed = f.read()
        if a.kind == "truncated":
            write_gz(path, data[:-a.cut])
        elif a.kind == "bad-magic":
            with open(path, "wb") as f:
                f.write(b"\x12\x34" + data[2:])
        elif a.kind == "corrupt-gz":
            # Flip bytes inside the deflate stream (after the 10-byte header).
            mid = len(packed) // 2
            damaged = bytearray(packed)
            for i in range(mid, min(mid + 64, len(packed) - 8)):
                damaged[i] ^= 0x5A
            with open(path, "wb") as f:
                f.write(bytes(damaged))
        else:
            with open(path, "wb") as f:
                f.write(packed[: len(packed) // 2])
        return 0
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.dir, exist_ok=True)
    for prefix, n in (("train", a.train), ("t10k", a.test)):
        images, labels = synthetic(n, rng)
        write_gz(os.path.join(a.dir, prefix + "-images-idx3-ubyte.gz"), idx_bytes(images))
        write_gz(os.path.join(a.dir, prefix + "-labels-idx1-ubyte.gz"), idx_bytes(labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
