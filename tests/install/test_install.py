"""`make install` into a temporary root: the production layout, the unit systemd would load, and an upgrade.

One install per module (a virtualenv with mailbot and its dependencies: 10-40 s); the last test installs again.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from mailbot.config import load_settings

ROOT = Path(__file__).parent.parent.parent
UNIT = "etc/systemd/system/mailbot.service"
AS_ROOT = os.geteuid() == 0          # useradd and chown need root; CI runs the suite as root
TODAYS_EXPOSURE = 1.6                # `systemd-analyze security` of the unit before the production install

needs_systemd_analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                           reason="systemd-analyze is not installed (Debian: systemd)")


def clean_env() -> dict[str, str]:
    """The environment without the test run's own Python path, so the installed command runs only itself."""
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def make_install(destdir: Path) -> str:
    result = subprocess.run(["make", "-C", str(ROOT), "install", f"DESTDIR={destdir}",
                             f"CREATE_USER={'yes' if AS_ROOT else 'no'}"],
                            env=clean_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def seed_user_database(destdir: Path) -> None:
    """A passwd and group with root alone, where `useradd --prefix` adds the service user (the host's stay untouched)."""
    etc = destdir / "etc"
    etc.mkdir(parents=True)
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (etc / "group").write_text("root:x:0:\n")
    for name in ("shadow", "gshadow"):
        (etc / name).write_text("")
        (etc / name).chmod(0o640)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def unit_settings(path: Path) -> dict[str, list[str]]:
    """Every `Key=value` of a unit file, in order (keys may repeat)."""
    settings: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def run_installed(destdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(destdir / "opt/mailbot/bin/mailbot"), *args], cwd=destdir, env=clean_env(),
                          capture_output=True, text=True, timeout=120)


def with_systemd_units(destdir: Path) -> Path:
    """Give the root systemd's own units (sysinit.target and the rest), which `verify --root` loads with ours."""
    units = destdir / "usr/lib/systemd/system"
    if not units.exists():
        shutil.copytree("/usr/lib/systemd/system", units, symlinks=True)
    return destdir


@pytest.fixture(scope="module")
def destdir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("root")
    seed_user_database(root)
    make_install(root)
    return root


def test_the_layout_and_its_modes(destdir):
    venv_command = destdir / "opt/mailbot/bin/mailbot"
    assert venv_command.is_file() and os.access(venv_command, os.X_OK)
    assert os.readlink(destdir / "usr/local/bin/mailbot") == "/opt/mailbot/bin/mailbot"
    assert mode(destdir / "etc/mailbot") == 0o755
    assert mode(destdir / "etc/mailbot/credentials") == 0o700          # secrets: root only
    assert mode(destdir / "etc/mailbot/mailbot.toml") == 0o640
    assert (destdir / "etc/mailbot/mailbot.toml").read_text() == (ROOT / "packaging/mailbot.toml").read_text()
    assert mode(destdir / "var/lib/mailbot") == 0o700                  # the record of complainants' personal data
    assert (destdir / UNIT).read_text() == (ROOT / "systemd/mailbot.service").read_text()
    assert mode(destdir / UNIT) == 0o644
    assert (destdir / "opt/mailbot/share/doc/mailbot/README.md").is_file()   # the unit's Documentation=
    # Not editable: the package, with the shipped rules and templates, is inside the virtualenv.
    [package] = (destdir / "opt/mailbot/lib").glob("python3*/site-packages/mailbot")
    assert (package / "_shipped/rules/cambridgeshire.yaml").is_file()
    assert not list(package.parent.glob("*mailbot*.pth")) and not list(package.parent.glob("__editable__*"))


@pytest.mark.skipif(not AS_ROOT, reason="useradd and chown need root")
def test_the_service_user_is_a_system_user_without_a_login(destdir):
    [entry] = [line for line in (destdir / "etc/passwd").read_text().splitlines() if line.startswith("mailbot:")]
    _, _, uid, gid, _, home, shell = entry.split(":")
    assert int(uid) < 1000 and home == "/var/lib/mailbot" and shell == "/usr/sbin/nologin"
    assert (destdir / "var/lib/mailbot").stat().st_uid == int(uid)
    config = (destdir / "etc/mailbot/mailbot.toml").stat()
    assert (config.st_uid, config.st_gid) == (0, int(gid))              # root's file, readable by the service
    assert (destdir / "etc/mailbot/credentials").stat().st_uid == 0     # systemd reads them for the service


def test_the_installed_command_runs_with_the_example_config(destdir):
    help_text = run_installed(destdir, "--help")
    assert help_text.returncode == 0 and "run" in help_text.stdout and "check" in help_text.stdout
    config = destdir / "etc/mailbot/mailbot.toml"
    missing = run_installed(destdir, "check", "--config", str(config))
    assert missing.returncode == 2 and "imap.password_credential" in missing.stderr, missing.stderr
    assert "credentials/imap-password does not exist" in missing.stderr, missing.stderr
    secret = destdir / "etc/mailbot/credentials/imap-password"          # what the README tells the administrator
    secret.write_text("not-a-real-password\n")
    try:
        check = run_installed(destdir, "check", "--config", str(config))
    finally:
        secret.unlink()
    assert check.returncode == 0, check.stderr
    assert f"{destdir}/opt/mailbot/lib/" in check.stdout and "/mailbot/_shipped/rules/cambridgeshire.yaml" in check.stdout


def test_the_example_database_is_where_the_service_may_write(destdir):
    """GIVEN the unit's read-only system (ProtectSystem=strict) THEN the example's database is in its StateDirectory.

    The README's relative `storage/` URL resolved next to the config, in /etc/mailbot, which the service cannot
    write: the daemon could not create its database.
    """
    unit = unit_settings(destdir / UNIT)
    assert unit["ProtectSystem"] == ["strict"] and unit["StateDirectory"] == ["mailbot"]
    settings = load_settings(destdir / "etc/mailbot/mailbot.toml")
    assert settings.storage_url == "sqlite:////var/lib/mailbot/mailbot.db"


def test_the_unit_runs_the_virtualenv_with_limits_a_watchdog_and_the_journal(destdir):
    unit = unit_settings(destdir / UNIT)
    assert unit["ExecStart"] == ["/opt/mailbot/bin/mailbot run --config /etc/mailbot/mailbot.toml"]
    assert unit["ExecStartPre"] == ["/opt/mailbot/bin/mailbot check --config /etc/mailbot/mailbot.toml"]
    assert unit["MemoryMax"] == ["512M"] and unit["TasksMax"] == ["64"] and unit["WatchdogSec"] == ["300s"]
    assert unit["Type"] == ["notify"]                                  # WATCHDOG=1 and READY=1 come by sd_notify
    assert unit["StandardError"] == ["journal"] and "LogsDirectory" not in unit


@needs_systemd_analyze
def test_systemd_accepts_the_installed_unit(destdir):
    """`systemd-analyze verify` on the installed tree: every directive known, every command there and executable."""
    result = subprocess.run(["systemd-analyze", "verify", f"--root={with_systemd_units(destdir)}", "mailbot.service"],
                            capture_output=True, text=True, timeout=60)
    # verify exits 0 on an unknown key or a bad value, and only says so: any word from it is a fault.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@needs_systemd_analyze
def test_verify_fails_when_the_command_is_not_installed(tmp_path):
    """The check above can fail: the unit alone, without the virtualenv, names a command that is not there."""
    (tmp_path / "etc/systemd/system").mkdir(parents=True)
    shutil.copy(ROOT / "systemd/mailbot.service", tmp_path / UNIT)
    result = subprocess.run(["systemd-analyze", "verify", f"--root={with_systemd_units(tmp_path)}", "mailbot.service"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "/opt/mailbot/bin/mailbot is not executable" in result.stderr


@needs_systemd_analyze
def test_the_units_exposure_is_no_worse_than_before(destdir):
    result = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(destdir / UNIT)],
                            capture_output=True, text=True, timeout=60)
    match = re.search(r"Overall exposure level for mailbot\.service: (\d+\.\d+)", result.stdout)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= TODAYS_EXPOSURE, result.stdout


def test_installing_again_upgrades_and_keeps_what_the_administrator_made(destdir):
    """GIVEN an edited config, a secret and a loosened credentials folder WHEN `make install` runs again
    THEN the config and the secret are as they were, the folder is 0700 again, and nothing is doubled."""
    config = destdir / "etc/mailbot/mailbot.toml"
    edited = config.read_text().replace('deployment = "cambridgeshire"', 'deployment = "cleveland"') \
        .replace('"democratic-services"', '"cleveland-resolution"')
    config.write_text(edited)
    secret = destdir / "etc/mailbot/credentials/imap-password"
    secret.write_text("s3cret\n")
    (destdir / "etc/mailbot/credentials").chmod(0o755)
    output = make_install(destdir)
    assert "keeping your" in output
    assert config.read_text() == edited and secret.read_text() == "s3cret\n"
    assert mode(destdir / "etc/mailbot/credentials") == 0o700
    users = [line for line in (destdir / "etc/passwd").read_text().splitlines() if line.startswith("mailbot:")]
    assert len(users) == (1 if AS_ROOT else 0)
    check = run_installed(destdir, "check", "--config", str(config))
    assert check.returncode == 0 and "deployment cleveland" in check.stdout, check.stderr
