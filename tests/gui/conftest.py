"""GUI test set-up: offscreen Qt, a task runner that is drained after each test, and a
per-test profile folder with logging into it (so tests can grep the log for keys)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="module", autouse=True)
def tuned_like_the_app(qapp: object) -> Iterator[None]:
    """The interpreter as the app sets it up (create_application): automatic collection off,
    garbage collected between events on the GUI thread. It stays so for the rest of the run
    (as in the app): switched back on, a sandbox thread of a later test could free a GUI
    test's leftovers off the GUI thread."""
    import gc

    from app.ui import collector
    from app.ui.compat import tune_for_gui

    tune_for_gui()
    collector.install(qapp)  # type: ignore[arg-type]
    yield
    gc.collect()  # this module's garbage goes here, on the GUI thread


@pytest.fixture
def app_paths(tmp_path: Path):
    """Everything TagDesk writes, under one temporary --profile-dir."""
    from app.services.paths import AppPaths

    return AppPaths.under(tmp_path / "profile").ensure()


@pytest.fixture
def app_log(app_paths) -> Iterator[Path]:
    """Debug logging into the profile's log folder, as the app sets it up."""
    from app import logging_setup

    path = logging_setup.setup_logging(app_paths.log_dir, debug=True)
    yield path
    logging_setup.teardown_logging()


@pytest.fixture
def runner(qtbot) -> Iterator[object]:
    """A TaskRunner whose jobs are finished (or cancelled) before the test ends.

    Errors no job handled are collected in ``runner.unhandled`` (tests assert on it).
    """
    from app.ui.tasks import TaskRunner

    task_runner = TaskRunner()
    unhandled: list[tuple[object, str]] = []
    task_runner.unhandled_error.connect(lambda err, what: unhandled.append((err, what)))
    task_runner.unhandled = unhandled  # type: ignore[attr-defined]
    yield task_runner
    task_runner.cancel_all()
    assert task_runner.wait_idle(20_000)
    qtbot.waitUntil(lambda: task_runner.in_flight == 0, timeout=5000)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Behaviour only XML-RPC has (``xmlrpc_only``) is not run again over REST, and the other way."""
    keep, drop = [], []
    for item in items:
        spec = getattr(item, "callspec", None)
        protocol = spec.params.get("gui_protocol") if spec is not None else None
        other = (protocol == "rest" and item.get_closest_marker("xmlrpc_only")) or \
            (protocol == "xmlrpc" and item.get_closest_marker("rest_only"))
        (drop if other else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
