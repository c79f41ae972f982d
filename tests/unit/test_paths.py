"""Where TagDesk writes: the platform's folders, or everything under --profile-dir."""

from __future__ import annotations

from pathlib import Path

from app.services.paths import AppPaths


def test_profile_dir_puts_everything_under_one_folder(tmp_path: Path) -> None:
    paths = AppPaths.resolve(tmp_path / "td")
    folders = [paths.config_dir, paths.data_dir, paths.log_dir, paths.cache_dir]
    assert all(f.is_relative_to(tmp_path / "td") for f in folders)
    assert len(set(folders)) == 4
    assert paths.profiles_file.parent == paths.config_dir
    assert paths.settings_file.parent == paths.config_dir
    assert paths.demo_db.parent == paths.data_dir
    assert paths.log_file.parent == paths.log_dir


def test_nothing_is_created_until_ensure(tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path / "td")
    assert not (tmp_path / "td").exists()
    paths.ensure()
    assert all(f.is_dir() for f in (paths.config_dir, paths.data_dir, paths.log_dir, paths.cache_dir))


def test_relative_and_user_paths_are_made_absolute(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert AppPaths.under("rel").config_dir == tmp_path / "rel" / "config"


def test_default_is_the_platform_folders_named_for_the_app(tmp_path: Path, monkeypatch) -> None:
    # the autouse fixture points the XDG variables into a temporary folder
    paths = AppPaths.resolve(None)
    for folder in (paths.config_dir, paths.data_dir, paths.log_dir, paths.cache_dir):
        assert "TagDesk" in folder.parts
    assert paths.config_dir != paths.data_dir
