"""Evaluates each case of array_vs_numpy_test in NumPy and compares it with weft's result.

Usage: expressions.py DIR. DIR/manifest.tsv lists cases as INDEX, NAME, INPUT COUNT, weft's
result (DIR/OUTPUT: a .npy file or a Zarr v2 directory), TOLERANCE and a Python expression
over the inputs a, b, c (DIR/INDEX_in0.npy, ...) and np. Prints "PASS NAME" or
"FAIL NAME: reason" per case.

Tolerances (rtol, atol) for floats; integers and bools compare exactly. "tight" for
elementwise and reductions; "blas" for sums of products (matmul, dot, tensordot), which
weft adds block by block in another order than NumPy's single BLAS call.
"""
import sys
import warnings
from pathlib import Path

import numpy as np

TOLERANCE = {
    "tight": {np.dtype("float64"): (1e-12, 1e-12), np.dtype("float32"): (1e-5, 1e-5)},
    "blas": {np.dtype("float64"): (1e-10, 1e-10), np.dtype("float32"): (1e-4, 1e-4)},
}


def load(path):
    if path.suffix == ".zarr":
        import zarr  # only the storage cases need it

        return np.asarray(zarr.open(str(path), mode="r")[...])
    return np.load(path)


def compare(expected, got, tolerance):
    expected = np.asarray(expected)
    if expected.dtype != got.dtype:
        return f"dtype {got.dtype}, NumPy gives {expected.dtype}"
    if expected.shape != got.shape:
        return f"shape {got.shape}, NumPy gives {expected.shape}"
    if expected.dtype in tolerance:
        rtol, atol = tolerance[expected.dtype]
        ok = np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    else:
        ok = np.array_equal(got, expected)
    if not ok:
        return f"values differ:\n weft  {got.ravel()[:12]}\n numpy {expected.ravel()[:12]}"
    return None


def main(folder):
    folder = Path(folder)
    warnings.simplefilter("ignore")
    for line in (folder / "manifest.tsv").read_text().splitlines():
        index, name, count, output, tolerance, expression = line.split("\t", 5)
        names = {"np": np}
        for k in range(int(count)):
            names["abc"[k]] = np.load(folder / f"{index}_in{k}.npy")
        try:
            with np.errstate(all="ignore"):
                expected = eval(expression, names)  # the case table's own expressions
            fault = compare(expected, load(folder / output), TOLERANCE[tolerance])
        except Exception as e:  # a NumPy error is a failed case, reported as such
            fault = f"NumPy raised {type(e).__name__}: {e}"
        print(f"PASS {name}" if fault is None else f"FAIL {name} ({expression}): {fault}")


if __name__ == "__main__":
    main(sys.argv[1])
