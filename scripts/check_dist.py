"""Check that a built sdist and wheel hold what they must (run by ``tox -e package``).

    python scripts/check_dist.py DIST_DIRECTORY

The wheel must hold every file git tracks under lossx/ (py.typed too) and the license; the
sdist every tracked file but git's own (.gitignore): the tests run from an unpacked sdist as
from a clone. Exits non-zero naming each missing file.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path


def missing_files(dist: Path) -> list[str]:
    tracked = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout.splitlines()
    (wheel_path,) = dist.glob("*.whl")
    (sdist_path,) = dist.glob("*.tar.gz")
    wheel = {name.split(".dist-info/")[-1] for name in zipfile.ZipFile(wheel_path).namelist()}
    with tarfile.open(sdist_path) as sdist_file:
        sdist = {name.partition("/")[2] for name in sdist_file.getnames()}
    in_wheel = [*(name for name in tracked if name.startswith("lossx/")), "licenses/LICENSE"]
    missing = [f"wheel: {name}" for name in in_wheel if name not in wheel]
    missing += [f"sdist: {name}" for name in tracked if not name.startswith(".git") and name not in sdist]
    return missing


if __name__ == "__main__":
    absent = missing_files(Path(sys.argv[1]))
    sys.exit("missing " + ", ".join(absent) if absent else 0)
