"""agent/config.py: loading, validation messages, password sources, config discovery."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

import pytest

from agent.config import ENV_CONFIG, find_config, load_settings
from agent.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"

MINIMAL = """\
[imap]
host = "{host}"
security = "{security}"
username = "me@example.org"
{password}

[profile]
name = "Alex Morgan"
email = "me@example.org"
"""


def write_config(tmp_path: Path, text: str, name: str = "config.toml", mode: int = 0o600) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def minimal(host: str = "imap.example.org", security: str = "ssl", password: str = 'password_env = "TEST_PW"') -> str:
    return MINIMAL.format(host=host, security=security, password=password)


def raises_config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return str(info.value)


# --- a valid file ---------------------------------------------------------------------------


def test_example_config_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REBOUND_IMAP_PASSWORD", "s3cret from env")
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    settings = load_settings(EXAMPLE)
    assert settings.imap.host == raw["imap"]["host"]
    assert settings.imap.username == raw["imap"]["username"]
    assert settings.imap.folders == tuple(raw["imap"]["folders"])
    assert settings.imap.poll_seconds == raw["imap"]["poll_seconds"]
    assert settings.profile.name == raw["profile"]["name"]
    assert settings.profile.email == raw["profile"]["email"]
    assert settings.drafts.feedback_request == raw["drafts"]["feedback_request"]
    assert settings.classifier.confidence_threshold == raw["classifier"]["confidence_threshold"]
    assert settings.smtp is None
    assert settings.imap.resolve_password("imap") == "s3cret from env"
    assert settings.account == f"{raw['imap']['username']}@{raw['imap']['host']}"


def test_settings_are_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REBOUND_IMAP_PASSWORD", "x")
    settings = load_settings(EXAMPLE)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error
        settings.imap.host = "elsewhere"  # type: ignore[misc]


# --- one clear line per mistake ------------------------------------------------------------


def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    path = write_config(tmp_path, minimal().replace('host = "imap.example.org"', 'hots = "imap.example.org"\nhost = "imap.example.org"'))
    message = raises_config_error(path)
    assert str(path) in message
    assert "[imap] hots: unknown key" in message
    assert "\n" not in message


def test_unknown_section_is_reported(tmp_path: Path) -> None:
    path = write_config(tmp_path, minimal() + '\n[imapp]\nhost = "x"\n')
    message = raises_config_error(path)
    assert str(path) in message and "[imapp]: unknown section" in message


@pytest.mark.parametrize(
    ("key", "bad"),
    [("poll_seconds", '"often"'), ("tls_verify", '"maybe"'), ("port", '"nine-nine-three"'), ("folders", "5")],
)
def test_wrong_type_names_file_and_key(tmp_path: Path, key: str, bad: str) -> None:
    text = minimal().replace('username = "me@example.org"', f'username = "me@example.org"\n{key} = {bad}')
    path = write_config(tmp_path, text)
    message = raises_config_error(path)
    assert message.startswith(f"{path}: [imap] {key}")
    assert "\n" not in message


def test_out_of_range_value_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, minimal().replace('username = "me@example.org"', 'username = "me@example.org"\nport = 70000'))
    assert f"{path}: [imap] port" in raises_config_error(path)


def test_missing_required_value_names_file_and_key(tmp_path: Path) -> None:
    path = write_config(tmp_path, minimal().replace('username = "me@example.org"\n', ""))
    message = raises_config_error(path)
    assert message == f"{path}: [imap] username: missing value"


def test_missing_section_is_reported(tmp_path: Path) -> None:
    text = minimal().split("[profile]")[0]
    path = write_config(tmp_path, text)
    message = raises_config_error(path)
    assert str(path) in message and "profile" in message and "missing value" in message


def test_not_toml_names_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, minimal() + "\n[[[\n")
    message = raises_config_error(path)
    assert message.startswith(f"{path}: not valid TOML")


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    message = raises_config_error(path)
    assert message.startswith(f"{path}: no config file")


@pytest.mark.parametrize("host", ["imap.example.org", "192.168.1.10", "10.0.0.1", "localhost.example.org"])
def test_plaintext_refused_off_loopback(tmp_path: Path, host: str) -> None:
    path = write_config(tmp_path, minimal(host=host, security="none"))
    message = raises_config_error(path)
    assert str(path) in message
    assert "imap" in message and 'security = "none"' in message and host in message


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.0.53", "::1"])
def test_plaintext_allowed_on_loopback(tmp_path: Path, host: str) -> None:
    settings = load_settings(write_config(tmp_path, minimal(host=host, security="none")))
    assert settings.imap.security == "none"
    assert settings.imap.effective_port == 143


def test_smtp_plaintext_refused_off_loopback(tmp_path: Path) -> None:
    path = write_config(tmp_path, minimal() + '\n[smtp]\nhost = "smtp.example.org"\nsecurity = "none"\n')
    message = raises_config_error(path)
    assert str(path) in message and "smtp" in message and "smtp.example.org" in message


@pytest.mark.parametrize(
    "sources",
    [
        'password = "a"\npassword_env = "B"',
        'password_env = "B"\npassword_command = ["printf", "c"]',
        'password = "a"\npassword_command = "printf c"',
    ],
)
def test_two_password_sources_refused(tmp_path: Path, sources: str) -> None:
    path = write_config(tmp_path, minimal(password=sources))
    message = raises_config_error(path)
    assert str(path) in message
    assert "imap" in message and "only one of password, password_env, password_command" in message


def test_every_error_is_listed_one_line_each(tmp_path: Path) -> None:
    text = minimal().replace('username = "me@example.org"\n', 'hots = "x"\npoll_seconds = "often"\n')
    path = write_config(tmp_path, text)
    message = raises_config_error(path)
    assert "more)" not in message
    assert sorted(message.splitlines()) == [
        f"{path}: [imap] hots: unknown key",
        f"{path}: [imap] poll_seconds: Input should be a valid integer, unable to parse string as an integer",
        f"{path}: [imap] username: missing value",
    ]


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("hots", "host"), ("pasword_env", "password_env"), ("foldres", "folders"), ("poll_second", "poll_seconds"), ("securty", "security")],
)
def test_an_unknown_key_suggests_the_known_one(tmp_path: Path, typo: str, meant: str) -> None:
    text = minimal().replace(f"{meant} =", f"{typo} =")
    if f"{typo} =" not in text:
        text = text.replace('username = "me@example.org"', f'username = "me@example.org"\n{typo} = 1')
    message = raises_config_error(write_config(tmp_path, text))
    assert f"[imap] {typo}: unknown key (did you mean {meant}?)" in message
    assert f"[imap] {meant}: missing value" not in message, "a typo for a required key is reported once, as the typo"


def test_an_unknown_section_suggests_the_known_one(tmp_path: Path) -> None:
    text = minimal().replace("[profile]", "[profil]")
    lines = raises_config_error(write_config(tmp_path, text)).splitlines()
    assert len(lines) == 1 and lines[0].endswith("[profil]: unknown section (did you mean [profile]?)")


def test_a_key_nothing_like_any_other_gets_no_guess(tmp_path: Path) -> None:
    text = minimal().replace('username = "me@example.org"', 'username = "me@example.org"\nzebra = 1')
    assert raises_config_error(write_config(tmp_path, text)).endswith("[imap] zebra: unknown key")


# --- password sources -----------------------------------------------------------------------


def test_password_command_runs_without_a_shell(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, minimal(password='password_command = ["printf", "a;b"]')))
    assert settings.imap.resolve_password("imap") == "a;b"


def test_password_command_string_is_split_not_shelled(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    command = f"printf '%s' 'x;y' ; touch {marker}"
    settings = load_settings(write_config(tmp_path, minimal(password=f'password_command = "{command}"')))
    password = settings.imap.resolve_password("imap")
    # Without a shell ";" and "touch" are just more arguments to printf.
    assert password.startswith("x;y")
    assert not marker.exists()


def test_password_command_substitution_is_literal(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, minimal(password='password_command = ["printf", "%s", "$(id -u)"]')))
    assert settings.imap.resolve_password("imap") == "$(id -u)"


def test_password_command_trailing_newline_stripped(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, minimal(password='password_command = ["printf", "secret\\n"]')))
    assert settings.imap.resolve_password("imap") == "secret"


def test_failing_password_command_is_a_config_error(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, minimal(password='password_command = ["false"]')))
    with pytest.raises(ConfigError, match=r"\[imap\] password_command 'false' failed"):
        settings.imap.resolve_password("imap")


def test_missing_password_command_binary_is_a_config_error(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, minimal(password='password_command = ["/nonexistent/rebound-pw"]')))
    with pytest.raises(ConfigError, match="password_command"):
        settings.imap.resolve_password("imap")


def test_password_env_unset_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_PW", raising=False)
    settings = load_settings(write_config(tmp_path, minimal()))
    with pytest.raises(ConfigError, match=r"\[imap\] password_env: .*TEST_PW"):
        settings.imap.resolve_password("imap")
    monkeypatch.setenv("TEST_PW", "from-env")
    assert settings.imap.resolve_password("imap") == "from-env"


def test_no_password_at_all(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, minimal(password="")))
    with pytest.raises(ConfigError, match=r"\[imap\] password: missing"):
        settings.imap.resolve_password("imap")


def test_inline_password_is_secret(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, minimal(password='password = "hunter2"')))
    assert settings.imap.resolve_password("imap") == "hunter2"
    assert "hunter2" not in repr(settings)


# --- find_config ----------------------------------------------------------------------------


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, no $REBOUND_CONFIG, and a private XDG config home."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv(ENV_CONFIG, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path


def test_find_config_precedence(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user_file = isolated / "xdg" / "rebound" / "config.toml"
    user_file.parent.mkdir(parents=True)
    user_file.write_text("")
    # Nothing else: the user's config folder.
    assert find_config(None) == user_file
    # ./config.toml beats the user's folder.
    (isolated / "work" / "config.toml").write_text("")
    assert find_config(None).resolve() == (isolated / "work" / "config.toml").resolve()
    # $REBOUND_CONFIG beats ./config.toml.
    env_file = isolated / "env.toml"
    monkeypatch.setenv(ENV_CONFIG, str(env_file))
    assert find_config(None) == env_file
    # --config beats everything.
    explicit = isolated / "explicit.toml"
    assert find_config(explicit) == explicit


def test_find_config_falls_back_to_user_dir_even_if_absent(isolated: Path) -> None:
    assert find_config(None) == isolated / "xdg" / "rebound" / "config.toml"


def test_find_config_empty_env_is_ignored(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_CONFIG, "")
    assert find_config(None) == isolated / "xdg" / "rebound" / "config.toml"


# --- permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_warns_when_password_file_readable_by_others(tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: int) -> None:
    path = write_config(tmp_path, minimal(password='password = "hunter2"'), mode=mode)
    with caplog.at_level(logging.WARNING, logger="agent.config"):
        load_settings(path)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(path) in warnings[0].getMessage() and "chmod 600" in warnings[0].getMessage()
    assert "hunter2" not in caplog.text


def test_warns_for_smtp_password_too(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = minimal() + '\n[smtp]\nhost = "smtp.example.org"\npassword = "p"\n'
    path = write_config(tmp_path, text, mode=0o644)
    with caplog.at_level(logging.WARNING, logger="agent.config"):
        load_settings(path)
    assert "readable by other users" in caplog.text


def test_no_warning_for_private_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_config(tmp_path, minimal(password='password = "hunter2"'), mode=0o600)
    with caplog.at_level(logging.WARNING, logger="agent.config"):
        load_settings(path)
    assert "readable by other users" not in caplog.text


def test_no_warning_when_file_holds_no_password(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_config(tmp_path, minimal(), mode=0o644)
    with caplog.at_level(logging.WARNING, logger="agent.config"):
        load_settings(path)
    assert "readable by other users" not in caplog.text


def test_password_command_gives_its_first_line_only(tmp_path: Path) -> None:
    # What `pass show` prints for an entry with the usual extra fields.
    entry = "s3cret pass phrase\\nlogin: me@example.org\\nurl: https://mail.example.org\\n"
    settings = load_settings(write_config(tmp_path, minimal(password=f'password_command = ["printf", "{entry}"]')))
    assert settings.imap.resolve_password("imap") == "s3cret pass phrase"


def test_password_command_with_crlf_output(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, minimal(password='password_command = ["printf", "secret\\\\r\\\\nlogin: x\\\\r\\\\n"]')))
    assert settings.imap.resolve_password("imap") == "secret"


def test_password_command_printing_nothing_is_named(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, minimal(password='password_command = ["printf", "\\\\nlogin: x\\\\n"]')))
    with pytest.raises(ConfigError, match=r"\[imap\] password_command 'printf' printed no password"):
        settings.imap.resolve_password("imap")


# --- paths ----------------------------------------------------------------------------------


def test_home_is_expanded_in_every_path_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    imap_ca = 'password_env = "TEST_PW"\ntls_ca_file = "~/certs/ca.pem"'
    text = minimal(password=imap_ca) + (
        '\n[database]\nurl = "sqlite:///~/rebound/rebound.db"\n'
        '\n[drafts]\ntemplates_dir = "~/rebound/templates"\n'
        '\n[classifier]\nmodel_path = "~/rebound/model"\n'
        '\n[smtp]\nhost = "smtp.example.org"\ntls_ca_file = "~/certs/smtp.pem"\n'
    )
    settings = load_settings(write_config(tmp_path, text))
    assert settings.imap.tls_ca_file == home / "certs" / "ca.pem"
    assert settings.drafts.templates_dir == home / "rebound" / "templates"
    assert settings.classifier.model_path == home / "rebound" / "model"
    assert settings.smtp is not None and settings.smtp.tls_ca_file == home / "certs" / "smtp.pem"
    assert settings.database_url == f"sqlite:///{home}/rebound/rebound.db"


def test_home_is_expanded_in_the_config_path_from_the_environment(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(isolated))
    monkeypatch.setenv(ENV_CONFIG, "~/rebound.toml")
    assert find_config(None) == isolated / "rebound.toml"
