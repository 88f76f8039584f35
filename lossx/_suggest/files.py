"""The numbers in a ``.npy``, CSV or text file, and the NumPy code that reads them (``lossx suggest FILE``)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .._errors import DataError


def load_array(path: str | Path, column: str | None = None, *, every_column: bool = False) -> tuple[np.ndarray, str]:
    """The numbers in ``path`` (``.npy``, CSV or text) and the NumPy code that reads them.

    CSV (a ``.csv`` name, or a first line with a comma): ``column`` is a header name or
    a 0-based index, and may be left out when there is one column or ``every_column``
    reads them all (as rows). Text: numbers separated by whitespace, one row per line
    for 2-D data. ``.npy``: any array; for a 2-D one, ``column`` may pick a column by index.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file.")
    with path.open("rb") as handle:
        start = handle.read(6)
    if start == b"\x93NUMPY":
        array, code = _load_npy(path), f"np.load({str(path)!r})"
    elif path.suffix == ".npy":
        raise DataError(f"{path} is not a .npy file (it does not start with NumPy's header); write it with np.save.")
    else:
        with path.open(encoding="utf-8", errors="replace") as handle:
            first = next((line for line in handle if line.strip()), "")
        if path.suffix == ".csv" or "," in first:
            return _load_csv(path, first, column, every_column)
        array, code = _load_text(path), f"np.loadtxt({str(path)!r})"
    if column is None:
        return array, code
    if array.ndim != 2:
        raise DataError(f"{path} holds an array of shape {array.shape}; --column picks a column of a 2-D array.")
    if not column.isdigit():
        raise DataError(f"{path} has no column names (only CSV files do); pass a 0-based index below {array.shape[1]}.")
    index = int(column)
    if index >= array.shape[1]:
        raise DataError(f"{path} has {array.shape[1]} columns; pass a 0-based index below {array.shape[1]}.")
    return array[:, index], f"{code}[:, {index}]"


def _load_npy(path: Path) -> np.ndarray:
    try:
        loaded = np.load(path, allow_pickle=False)
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise DataError(
                f"{path} holds Python objects (mixed types?); save an array of numbers with np.save."
            ) from None
        raise DataError(f"{path} is not a readable .npy file ({error}).") from None
    except (OSError, EOFError) as error:
        raise DataError(f"{path} is not a readable .npy file ({error}).") from None
    if not isinstance(loaded, np.ndarray):
        raise DataError(f"{path} is an .npz archive; save the targets alone with np.save.")
    return loaded


def _load_text(path: Path) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return np.loadtxt(path, ndmin=1)
    except ValueError as error:
        raise DataError(
            f"{path} does not parse as text of numbers ({error}); write numbers separated by spaces "
            "or newlines, one row per line for 2-D data, or save the array with np.save."
        ) from None


def _csv_fields(line: str) -> list[str]:
    return [field.strip().strip('"').strip("'").strip() for field in line.rstrip("\r\n").split(",")]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _load_csv(path: Path, first: str, column: str | None, every_column: bool) -> tuple[np.ndarray, str]:
    fields = _csv_fields(first)
    header = not all(_is_number(field) for field in fields)
    names = fields if header else [str(i) for i in range(len(fields))]
    listed = ", ".join(f"{i}: {name}" for i, name in enumerate(names)) if header else f"0..{len(names) - 1}"
    if column is None and every_column:
        code = f"np.loadtxt({str(path)!r}, delimiter=',', skiprows={int(header)}, ndmin=1)"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                return np.loadtxt(path, delimiter=",", skiprows=int(header), ndmin=1), code
        except ValueError as error:
            raise DataError(
                f"{path} does not parse as CSV of numbers ({error}); every cell must be a number."
            ) from None
    if column is None:
        if len(fields) != 1:
            raise DataError(f"{path} has {len(fields)} columns ({listed}); pass --column NAME or a 0-based INDEX.")
        index = 0
    elif header and column in names:
        index = names.index(column)
    elif column.isdigit() and int(column) < len(fields):
        index = int(column)
    else:
        raise DataError(f"{path} has no column {column!r}; its columns are {listed} (a name or a 0-based index).")
    code = f"np.loadtxt({str(path)!r}, delimiter=',', skiprows={int(header)}, usecols={index}, ndmin=1)"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            array = np.loadtxt(path, delimiter=",", skiprows=int(header), usecols=index, ndmin=1)
    except ValueError as error:
        raise DataError(
            f"{path}: column {names[index]!r} does not parse as numbers ({error}); every cell must "
            "be a number (encode class names as integers 0..C−1, fill empty cells)."
        ) from None
    return array, code
