"""The packaging inputs are sound, without building anything (fast; part of ``make test``).

Workflows parse and name their jobs and steps; the desktop entry and the AppStream file
pass their validators; the spec bundles every keyring backend and excludes no Qt module
that app/ imports; the icons exist at every size; install.sh installs and removes a
(fake) bundle for one user; the launcher runs the self-test from source.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.resources import (
    APP_ICON_ICO,
    APP_ICON_SVG,
    APP_ID,
    DESKTOP_FILE,
    ICON_SIZES,
    METAINFO_FILE,
    icon_png,
    resource_path,
)

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
SPEC = ROOT / "packaging" / "tagdesk.spec"
INSTALL_SH = ROOT / "packaging" / "linux" / "install.sh"
KEYRING_BACKENDS = ["SecretService", "libsecret", "kwallet", "Windows", "macOS", "chainer", "fail", "null"]


def load_workflow(name: str) -> dict[object, object]:
    yaml = pytest.importorskip("yaml", reason="PyYAML is in the test extra: pip install -e '.[test]'")
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def step_names(job: dict[str, object]) -> list[str]:
    steps = job["steps"]
    assert isinstance(steps, list)
    return [str(step.get("name", "")) for step in steps]


def step_runs(job: dict[str, object]) -> str:
    steps = job["steps"]
    assert isinstance(steps, list)
    return "\n".join(str(step.get("run", "")) for step in steps)


# -- workflows ------------------------------------------------------------------------------------


def test_packaging_workflow_triggers() -> None:
    flow = load_workflow("packaging.yml")
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert isinstance(triggers, dict)
    for event in ("push", "pull_request"):
        assert {"packaging/**", "resources/**", "pyproject.toml"} <= set(triggers[event]["paths"])
    assert triggers["schedule"], "the packaging build also runs nightly"


@pytest.mark.parametrize(("job_id", "runner", "expected"), [
    ("linux", "ubuntu-latest", ["Build with PyInstaller", "Validate the desktop entry",
                                "Validate the AppStream metadata",
                                "Self-test the frozen app under xvfb-run (with a real Secret Service)"]),
    ("windows", "windows-latest", ["Build with PyInstaller", "Self-test the frozen app",
                                   "Install Inno Setup", "Build the installer",
                                   "Install silently and self-test the installed app"]),
    ("macos", "macos-latest", ["Make the .icns icon", "Build the .app bundle with PyInstaller",
                               "Self-test the frozen app"]),
])
def test_packaging_workflow_jobs(job_id: str, runner: str, expected: list[str]) -> None:
    jobs = load_workflow("packaging.yml")["jobs"]
    assert isinstance(jobs, dict)
    job = jobs[job_id]
    assert job["runs-on"] == runner
    names = step_names(job)
    assert all(names), f"every step of {job_id} has a name"
    assert [name for name in expected if name not in names] == []
    runs = step_runs(job)
    assert "packaging/tagdesk.spec" in runs
    assert "--self-test" in runs
    if job_id == "linux":
        assert "desktop-file-validate" in runs and "appstreamcli validate --no-net" in runs
        assert "xvfb-run" in runs
    if job_id == "windows":
        assert "choco install innosetup" in runs and "packaging\\windows\\tagdesk.iss" in runs


def test_ci_workflow_runs_lint_and_test() -> None:
    jobs = load_workflow("ci.yml")["jobs"]
    assert isinstance(jobs, dict)
    (job,) = jobs.values()
    assert job["runs-on"] == "ubuntu-latest"
    assert all(step_names(job))
    runs = step_runs(job)
    assert "make lint" in runs and "make test" in runs


# -- Linux desktop metadata -------------------------------------------------------------------------


def run_validator(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (apt-get install desktop-file-utils appstream)")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=60)


def test_desktop_entry_validates() -> None:
    proc = run_validator("desktop-file-validate", str(resource_path(DESKTOP_FILE)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "", f"warnings or hints: {proc.stdout}"


def test_desktop_entry_names_the_icon_and_program() -> None:
    text = resource_path(DESKTOP_FILE).read_text(encoding="utf-8")
    assert f"Icon={APP_ID}\n" in text
    assert re.search(r"^Exec=tagdesk$", text, re.M), "install.sh rewrites Exec=tagdesk to the bundle"
    assert "Terminal=false" in text


def test_metainfo_validates_offline() -> None:
    proc = run_validator("appstreamcli", "validate", "--no-net", str(resource_path(METAINFO_FILE)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = resource_path(METAINFO_FILE).read_text(encoding="utf-8")
    assert f"<id>{APP_ID}</id>" in text
    assert f'<launchable type="desktop-id">{APP_ID}.desktop</launchable>' in text


def test_metainfo_release_matches_the_package_version() -> None:
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    text = resource_path(METAINFO_FILE).read_text(encoding="utf-8")
    assert f'<release version="{version}"' in text, "add a <release> entry for the new version"


# -- the spec ---------------------------------------------------------------------------------------


def spec_text() -> str:
    return SPEC.read_text(encoding="utf-8")


@pytest.mark.parametrize("backend", KEYRING_BACKENDS)
def test_spec_bundles_every_keyring_backend(backend: str) -> None:
    assert re.search(rf'"keyring\.backends\.{backend}",\s*#\s*\S', spec_text()), (
        f"keyring.backends.{backend} is a hidden import with a comment")


def test_spec_copies_the_metadata_keyring_and_version_need() -> None:
    text = spec_text()
    assert 'copy_metadata("keyring")' in text
    assert 'copy_metadata("tagdesk")' in text
    assert 'version("tagdesk")' in text
    assert "bundle_identifier=APP_ID" in text and f'APP_ID = "{APP_ID}"' in text
    assert '"NSHighResolutionCapable": True' in text
    assert '"packaging" / "launch.py"' in text, "the entry script is packaging/launch.py"


def excluded_qt_modules() -> set[str]:
    match = re.search(r"QT_EXCLUDES = \[.*?for name in \((.*?)\)\s*\]", spec_text(), re.S)
    assert match, "QT_EXCLUDES list not found in the spec"
    return set(re.findall(r'"(Qt\w+)"', match.group(1)))


def qt_modules_imported_by_app() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found.update(n.split(".")[1] for n in names if n.startswith("PySide6.Qt"))
    return found


def test_spec_excludes_no_qt_module_the_app_imports() -> None:
    excluded = excluded_qt_modules()
    assert {"QtQml", "QtQuick", "QtPdf", "QtNetwork", "QtSql"} <= excluded
    used = qt_modules_imported_by_app()
    assert {"QtCore", "QtGui", "QtWidgets"} <= used
    assert used & excluded == set(), "app/ imports a Qt module the spec leaves out of the bundle"


def test_launcher_calls_the_app_main() -> None:
    text = (ROOT / "packaging" / "launch.py").read_text(encoding="utf-8")
    assert "from app.__main__ import build_parser, main" in text


def test_inno_setup_script() -> None:
    text = (ROOT / "packaging" / "windows" / "tagdesk.iss").read_text(encoding="utf-8")
    for needle in ("AppVersion={#AppVersion}", "SetupIconFile=..\\..\\resources\\icons\\tagdesk.ico",
                   "{autoprograms}\\{#AppName}", "UninstallDisplayIcon=",
                   'Source: "..\\..\\dist\\TagDesk\\*"'):
        assert needle in text


# -- icons ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ICON_SIZES)
def test_png_icon_loads_at_its_size(size: int, qapp: object) -> None:
    from PySide6.QtGui import QImage

    path = resource_path(icon_png(size))
    image = QImage(str(path))
    assert not image.isNull(), f"{path} does not load"
    assert (image.width(), image.height()) == (size, size)
    assert image.hasAlphaChannel()
    assert image.pixelColor(size // 2, size // 2).alpha() > 0, "the centre is drawn"
    assert image.pixelColor(0, size - 1).alpha() == 0, "the corner is transparent"


def test_svg_icon_renders(qapp: object) -> None:
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(resource_path(APP_ICON_SVG)))
    assert renderer.isValid()
    assert renderer.defaultSize().width() == renderer.defaultSize().height() == 256


def test_ico_holds_the_windows_sizes() -> None:
    data = resource_path(APP_ICON_ICO).read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sizes = set()
    for i in range(count):
        width, _h, _c, _r, _planes, bits, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        assert bits == 32 and offset + length <= len(data)
        sizes.add(width or 256)
    assert {16, 32, 48, 256} <= sizes


# -- install.sh -------------------------------------------------------------------------------------


@pytest.fixture
def fake_bundle(tmp_path: Path) -> Path:
    """A stand-in for dist/TagDesk: an executable plus the resources the bundle carries."""
    bundle = tmp_path / "dist" / "TagDesk"
    (bundle / "_internal").mkdir(parents=True)
    shutil.copytree(ROOT / "resources", bundle / "_internal" / "resources")
    exe = bundle / "TagDesk"
    exe.write_text("#!/bin/sh\necho fake TagDesk \"$@\"\n", encoding="utf-8")
    exe.chmod(0o755)
    return bundle


@pytest.mark.skipif(sys.platform != "linux" or shutil.which("bash") is None, reason="Linux install script")
def test_install_sh_installs_and_uninstalls(fake_bundle: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "home dir" / ".local"  # a space: the Exec= line must quote it
    env = {k: v for k, v in os.environ.items() if k != "PREFIX"}
    run = subprocess.run(["bash", str(INSTALL_SH), "--prefix", str(prefix), "--bundle", str(fake_bundle)],
                         capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 0, run.stderr

    exe = prefix / "opt" / "TagDesk" / "TagDesk"
    assert os.access(exe, os.X_OK)
    desktop = prefix / "share" / "applications" / f"{APP_ID}.desktop"
    text = desktop.read_text(encoding="utf-8")
    assert f'Exec="{exe}"\n' in text and f'Exec="{exe}" --demo\n' in text
    assert f"TryExec={exe}\n" in text
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout
    hicolor = prefix / "share" / "icons" / "hicolor"
    for size in ICON_SIZES:
        assert (hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert (hicolor / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert (prefix / "share" / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    assert (prefix / "bin" / "tagdesk").resolve() == exe.resolve()

    # what a double-click runs: the Exec= line, unquoted as the spec says
    exec_line = next(line[5:] for line in text.splitlines() if line.startswith("Exec="))
    started = subprocess.run(["sh", "-c", exec_line + " --version"], capture_output=True, text=True,
                             timeout=30)
    assert started.stdout.strip() == "fake TagDesk --version"

    gone = subprocess.run(["bash", str(INSTALL_SH), "--prefix", str(prefix), "--uninstall"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert gone.returncode == 0, gone.stderr
    left = sorted(str(p.relative_to(prefix)) for p in prefix.rglob("*") if p.is_file() or p.is_symlink())
    assert [p for p in left if not p.endswith("mimeinfo.cache")] == []


@pytest.mark.skipif(sys.platform != "linux", reason="Linux install script")
def test_install_sh_refuses_a_folder_that_is_not_a_bundle(tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    precious = prefix / "opt" / "TagDesk"
    precious.mkdir(parents=True)
    (precious / "notes.txt").write_text("mine", encoding="utf-8")
    run = subprocess.run(["bash", str(INSTALL_SH), "--prefix", str(prefix), "--uninstall"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "not touching it" in run.stderr
    assert (precious / "notes.txt").read_text(encoding="utf-8") == "mine"


# -- the launcher, from source ------------------------------------------------------------------------


def test_launcher_runs_the_self_test_from_source(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "launch.py"), "--self-test",
                           "--profile-dir", str(tmp_path / "profile")],
                          capture_output=True, text=True, timeout=120, env=env, cwd=str(ROOT))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.fullmatch(r"self-test ok: qt 6\.\d+\.\d+ \(offscreen\), icons 8, keyring .+, "
                        r"sandbox query \d+ ms, \d+\.\d s\n", proc.stdout), proc.stdout


# -- the ICU data trimming (packaging/icu_data.py) ----------------------------------------------------


def load_icu_data() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("icu_data", ROOT / "packaging" / "icu_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_icu_package_round_trips_and_drops_only_what_qt_cannot_reach() -> None:
    icu: Any = load_icu_data()
    header = struct.pack("<HBBHHBBBB4s4s4s", 32, 0xDA, 0x27, 20, 0, 0, 0, 2, 0, b"CmnD", b"\1\0\0\0",
                         b"\0" * 4)
    header += b"\0" * (32 - len(header))
    items = [("icudt73l/brkitr/cjdict.dict", b"a" * 20), ("icudt73l/cnvalias.icu", b"b" * 7),
             ("icudt73l/coll/de.res", b"c" * 33), ("icudt73l/curr/de.res", b"d"),
             ("icudt73l/de.res", b"e" * 16), ("icudt73l/rfc3491.spp", b"f" * 3),
             ("icudt73l/unames.icu", b"g"),
             ("icudt73l/zone/de.res", b"h" * 5),
             ("icudt73l/zoneinfo64.res", b"i" * 9)]
    package = icu.write_package(header, items)
    read_header, read_items = icu.read_package(package)
    assert read_header == header
    assert [name for name, _ in read_items] == [name for name, _ in items]
    for (_, blob), (_, read) in zip(items, read_items, strict=True):
        assert read.rstrip(b"\0") == blob and len(read) % 16 == 0
        assert package.index(read) % 16 == 0, "items stay 16-byte aligned"
    kept = [name.split("/", 1)[1] for name, _ in items if not icu.unreachable(name)]
    assert kept == ["cnvalias.icu", "coll/de.res", "de.res", "zone/de.res", "zoneinfo64.res"]


@pytest.mark.skipif(sys.platform != "linux", reason="PySide6 bundles ICU on Linux only")
def test_icu_data_of_the_installed_pyside6_is_understood() -> None:
    import PySide6

    icu: Any = load_icu_data()
    (library,) = (Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*")
    elf = library.read_bytes()
    _symbol, offset, size = icu._dat_symbol(elf)
    _header, items = icu.read_package(elf[offset:offset + size])
    names = [name for name, _ in items]
    assert names == sorted(names) and len(names) > 1000
    kept = {name.split("/", 1)[1] for name in names if not icu.unreachable(name)}
    # what Qt's collation, converters, calendars and time-zone names read stays
    assert {"coll/ucadata.icu", "coll/root.res", "coll/de.res", "cnvalias.icu", "zoneinfo64.res",
            "metaZones.res", "timezoneTypes.res", "supplementalData.res", "zone/de.res", "de.res",
            "ibm-943_P15A-2003.cnv"} <= kept
    assert not any(name.startswith(("brkitr/", "lang/", "curr/", "translit/")) for name in kept)
