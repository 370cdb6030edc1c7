"""NumPy and Zarr's side of tests/unit/array_io_test.cpp.

Every array holds the same pattern of its flat C-order index i, in C++ and here:
f8/f4: i * 0.5 - 3.25; i8: i * 1000003 - 5000000000; i4: i * 37 - 1000; b1: i % 3 == 0.
Shapes, chunks and block lists are JSON. Exits 1 with a message on any mismatch.

usage:
  interop.py check-npy PATH DTYPE SHAPE
  interop.py write-npy PATH DTYPE SHAPE (c|fortran) VERSION (little|big)
  interop.py check-zarr DIR DTYPE SHAPE CHUNKS COMPRESSOR FILL MISSING_BLOCKS
  interop.py write-zarr DIR DTYPE SHAPE CHUNKS (none|zstd|blosc) (C|F)
  interop.py batch FILE    runs each line of FILE (a JSON list: one of the commands above
                           and its arguments) in turn; one interpreter for them all
"""
import json
import sys

import numpy as np


def pattern(dtype, shape):
    i = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64)
    if dtype in ("<f8", "<f4"):
        values = i * 0.5 - 3.25
    elif dtype == "<i8":
        values = i * 1000003 - 5000000000
    elif dtype == "<i4":
        values = i * 37 - 1000
    elif dtype == "|b1":
        values = i % 3 == 0
    else:
        raise SystemExit(f"unknown dtype {dtype}")
    return values.astype(dtype).reshape(shape)


def expect_equal(actual, expected, what):
    if actual.dtype != expected.dtype or actual.shape != expected.shape:
        raise SystemExit(f"{what}: got {actual.dtype}{actual.shape}, "
                         f"expected {expected.dtype}{expected.shape}")
    if not np.array_equal(actual, expected, equal_nan=actual.dtype.kind == "f"):
        raise SystemExit(f"{what}: values differ:\n{actual}\nexpected\n{expected}")


def compressor(name):
    import numcodecs
    return {"none": None, "zstd": numcodecs.Zstd(level=3),
            "blosc": numcodecs.Blosc()}[name]


def main(argv):
    command, path, dtype, shape = argv[1], argv[2], argv[3], tuple(json.loads(argv[4]))
    if command == "check-npy":
        expect_equal(np.load(path), pattern(dtype, shape), path)
    elif command == "write-npy":
        layout, version, order = argv[5], int(argv[6]), argv[7]
        array = pattern(dtype, shape)
        if order == "big":
            array = array.astype(array.dtype.newbyteorder(">"))
        if layout == "fortran":
            array = np.array(array, order="F")  # asfortranarray would make 0-d 1-d
        with open(path, "wb") as f:
            np.lib.format.write_array(f, array, version=(version, 0))
    elif command == "check-zarr":
        import zarr
        chunks, fill, missing = tuple(json.loads(argv[5])), json.loads(argv[7]), json.loads(argv[8])
        z = zarr.open(path, mode="r")
        if z.chunks != chunks or z.dtype != np.dtype(dtype) or z.shape != shape:
            raise SystemExit(f"{path}: zarr sees {z.dtype}{z.shape} in {z.chunks}")
        codec = None if z.compressor is None else z.compressor.codec_id
        if codec != (None if argv[6] == "none" else argv[6]):
            raise SystemExit(f"{path}: compressor {z.compressor}")
        expected = pattern(dtype, shape)
        for block in missing:
            region = tuple(slice(b * c, (b + 1) * c) for b, c in zip(block, chunks))
            expected[region] = fill
        expect_equal(z[...], expected, path)
    elif command == "write-zarr":
        import zarr
        chunks, order = tuple(json.loads(argv[5])), argv[7]
        z = zarr.open(path, mode="w", shape=shape, chunks=chunks, dtype=dtype,
                      compressor=compressor(argv[6]), order=order)
        z[...] = pattern(dtype, shape)
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    if sys.argv[1] == "batch":
        with open(sys.argv[2]) as lines:
            for line in lines:
                main([sys.argv[0]] + json.loads(line))
    else:
        main(sys.argv)
