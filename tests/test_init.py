"""`rebound init`: the provider presets, the MX lookup (against a DNS server on loopback), and the file it writes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from click.testing import CliRunner, Result
from dns_server import DnsServer
from keyring_file_backend import ENV as KEYRING_ENV
from keyring_file_backend import FileKeyring

from agent import configfile, presets
from agent.cli import main
from agent.config import ImapSettings, Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def no_real_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[DnsServer]:
    """Every MX lookup goes to a DNS server on loopback that knows a few test domains, never to the internet."""
    with DnsServer(
        {
            "jobseeker.test": [(10, "alt1.aspmx.l.google.com"), (1, "aspmx.l.google.com")],
            "firma.test": [(0, "firma-test.mail.protection.outlook.com")],
            "own.test": [(10, "in1-smtp.messagingengine.com")],
            "selfhosted.test": [(10, "mx.selfhosted.test")],
        }
    ) as server:
        monkeypatch.setattr(presets, "default_resolver", server.resolver)
        yield server


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REBOUND_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


def init(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, ["init", *args], input=input, catch_exceptions=False)


def written(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def load(path: Path) -> Settings:
    """The written config through Rebound's own validation.

    Until the OAuth2 settings ([imap] auth, [imap.oauth2]) are part of agent/config.py, they are
    checked by the tests that read the file, and left out here; once config.py knows them, they
    are validated like every other key.
    """
    if "auth" in ImapSettings.model_fields:
        return load_settings(path)
    data = written(path)
    data["imap"].pop("auth", None)
    data["imap"].pop("oauth2", None)
    return Settings.model_validate(data)


# --- the presets ------------------------------------------------------------------------------


def test_every_preset_is_complete_and_every_domain_belongs_to_one() -> None:
    seen: dict[str, str] = {}
    for preset in presets.presets():
        assert preset.name and preset.imap.host and preset.smtp.host, preset.key
        assert preset.imap.security in ("ssl", "starttls") and preset.smtp.security in ("ssl", "starttls"), preset.key
        assert preset.domains or preset.mx, f"{preset.key} can never be found"
        assert preset.auth == "password" or preset.oauth_provider, preset.key
        assert preset.auth == "oauth2" or preset.password, f"{preset.key} says nothing about its password"
        for domain in preset.domains:
            assert domain not in seen, f"{domain} is in both {seen[domain]} and {preset.key}"
            seen[domain] = preset.key


@pytest.mark.parametrize(
    ("address", "key", "host", "port", "security"),
    [
        ("a@gmail.com", "gmail", "imap.gmail.com", 993, "ssl"),
        ("a@googlemail.com", "gmail", "imap.gmail.com", 993, "ssl"),
        ("a@outlook.com", "outlook", "outlook.office365.com", 993, "ssl"),
        ("a@Hotmail.COM", "outlook", "outlook.office365.com", 993, "ssl"),
        ("a@live.co.uk", "outlook", "outlook.office365.com", 993, "ssl"),
        ("a@icloud.com", "icloud", "imap.mail.me.com", 993, "ssl"),
        ("a@yahoo.com", "yahoo", "imap.mail.yahoo.com", 993, "ssl"),
        ("a@fastmail.com", "fastmail", "imap.fastmail.com", 993, "ssl"),
        ("a@gmx.de", "gmx_de", "imap.gmx.net", 993, "ssl"),
        ("a@gmx.com", "gmx_com", "imap.gmx.com", 993, "ssl"),
        ("a@web.de", "webde", "imap.web.de", 993, "ssl"),
        ("a@posteo.de", "posteo", "posteo.de", 993, "ssl"),
        ("a@mailbox.org", "mailbox_org", "imap.mailbox.org", 993, "ssl"),
        ("a@proton.me", "proton", "127.0.0.1", 1143, "starttls"),
        ("a@pm.me", "proton", "127.0.0.1", 1143, "starttls"),
    ],
)
def test_a_providers_own_domain_needs_no_dns(no_real_dns: DnsServer, address: str, key: str, host: str, port: int, security: str) -> None:
    match = presets.find(address)
    assert match.preset is not None and match.preset.key == key
    assert (match.preset.imap.host, match.preset.imap.port, match.preset.imap.security) == (host, port, security)
    assert no_real_dns.queries == []


@pytest.mark.parametrize(
    ("address", "key"),
    [("me@jobseeker.test", "google_workspace"), ("me@firma.test", "microsoft365"), ("me@own.test", "fastmail")],
)
def test_a_custom_domain_is_known_by_where_its_mail_goes(no_real_dns: DnsServer, address: str, key: str) -> None:
    match = presets.find(address)
    assert match.preset is not None and match.preset.key == key
    assert no_real_dns.queries == [presets.domain_of(address)]


def test_mx_hosts_come_most_preferred_first(no_real_dns: DnsServer) -> None:
    assert presets.mx_hosts("jobseeker.test") == ["aspmx.l.google.com", "alt1.aspmx.l.google.com"]


def test_an_unknown_server_or_no_mx_is_no_preset(no_real_dns: DnsServer) -> None:
    assert presets.find("me@selfhosted.test") == presets.Match(None, "no preset for selfhosted.test (its mail goes to mx.selfhosted.test)")
    assert presets.find("me@nowhere.test") == presets.Match(None, "no preset for nowhere.test (and no MX record found)")


def test_a_dns_server_that_never_answers_costs_only_the_timeout() -> None:
    with DnsServer({}, silent=True) as silent:
        assert presets.mx_hosts("jobseeker.test", silent.resolver(), timeout=0.3) == []
        assert silent.queries, "the resolver did ask"


def test_no_resolver_configuration_is_no_mx(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> Any:
        raise OSError("no /etc/resolv.conf")

    monkeypatch.setattr(presets, "default_resolver", broken)
    assert presets.find("me@jobseeker.test").preset is None


# --- the done-when checks, through the installed entry point ----------------------------------


def run_rebound(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REBOUND_CONFIG"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "agent", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_outlook_gets_oauth2_with_the_microsoft_preset(tmp_path: Path) -> None:
    proc = run_rebound("init", "--non-interactive", "--email", "a@outlook.com", "--name", "A B", "--config", "X", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = written(tmp_path / "X")
    assert data["imap"]["host"] == "outlook.office365.com"
    assert data["imap"]["auth"] == "oauth2"
    assert data["imap"]["oauth2"]["provider"] == "microsoft"
    assert "password" not in data["imap"] and "password_env" not in data["imap"]
    assert "client ID" in proc.stdout and "rebound auth" in proc.stdout


@pytest.mark.parametrize(("address", "host"), [("a@gmail.com", "imap.gmail.com"), ("a@fastmail.com", "imap.fastmail.com")])
def test_gmail_and_fastmail_hosts(tmp_path: Path, address: str, host: str) -> None:
    proc = run_rebound("init", "--non-interactive", "--email", address, "--name", "A B", "--config", "X", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = written(tmp_path / "X")
    assert data["imap"]["host"] == host and data["imap"]["password_env"] == "REBOUND_IMAP_PASSWORD"
    assert load(tmp_path / "X").imap.host == host


def test_an_existing_config_is_never_overwritten_without_force(tmp_path: Path) -> None:
    config = tmp_path / "X"
    config.write_text("# mine\n")
    proc = run_rebound("init", "--non-interactive", "--email", "a@gmail.com", "--name", "A B", "--config", "X", cwd=tmp_path)
    assert proc.returncode != 0
    assert proc.stderr.count("\n") == 1 and "--force" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert config.read_text() == "# mine\n"


def test_force_replaces_it_and_keeps_the_old_one(tmp_path: Path) -> None:
    config = tmp_path / "X"
    config.write_text("# mine\n")
    result = init("--non-interactive", "--force", "--email", "a@gmail.com", "--name", "A B", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert written(config)["imap"]["host"] == "imap.gmail.com"
    assert (tmp_path / "X.bak").read_text() == "# mine\n"


# --- every preset writes a config that loads --------------------------------------------------


@pytest.mark.parametrize("preset", presets.presets(), ids=lambda p: p.key)
def test_every_preset_writes_a_commented_config_that_loads(tmp_path: Path, preset: presets.Preset) -> None:
    address = f"jo@{preset.domains[0]}" if preset.domains else "jo@" + {"google_workspace": "jobseeker.test", "microsoft365": "firma.test"}[preset.key]
    config = tmp_path / "config.toml"
    extra = ["--client-id", "00000000-1111-2222-3333-444444444444"] if preset.auth == "oauth2" else []
    result = init("--non-interactive", "--email", address, "--name", "Jo Example", "--config", str(config), *extra)
    assert result.exit_code == 0, result.output
    settings = load(config)
    assert (settings.imap.host, settings.imap.effective_port, settings.imap.security) == (preset.imap.host, preset.imap.port, preset.imap.security)
    assert settings.imap.username == preset.username_for(address)
    assert (settings.profile.name, settings.profile.email) == ("Jo Example", address)
    assert settings.smtp is None, "the digest's [smtp] is offered commented out, not switched on"
    text = config.read_text()
    assert f'# drafts_folder = "{preset.drafts}"' in text
    assert f'# host = "{preset.smtp.host}"' in text
    assert sum("#" in line for line in text.splitlines()) >= 35, "commented like config.example.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    if preset.auth == "oauth2":
        data = written(config)
        assert data["imap"]["auth"] == "oauth2" and data["imap"]["oauth2"]["provider"] == preset.oauth_provider
        assert data["imap"]["oauth2"]["client_id"] == "00000000-1111-2222-3333-444444444444"
    else:
        assert settings.imap.password_env == "REBOUND_IMAP_PASSWORD" and settings.imap.password is None


def test_gmail_can_be_set_up_for_oauth2_instead(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    result = init("--non-interactive", "--email", "a@gmail.com", "--name", "A", "--auth", "oauth2", "--config", str(config))
    assert result.exit_code == 0, result.output
    data = written(config)
    assert data["imap"]["auth"] == "oauth2" and data["imap"]["oauth2"]["provider"] == "google"
    assert data["imap"]["oauth2"]["client_secret_env"] == "REBOUND_GOOGLE_CLIENT_SECRET"


def test_oauth2_where_no_preset_offers_it_is_refused(tmp_path: Path) -> None:
    result = init("--non-interactive", "--email", "a@posteo.de", "--name", "A", "--auth", "oauth2", "--config", str(tmp_path / "c.toml"))
    assert result.exit_code == 2 and "--auth" in result.stderr
    assert not (tmp_path / "c.toml").exists()


# --- a server no preset knows -----------------------------------------------------------------


def test_an_unknown_provider_without_host_is_refused_naming_host(tmp_path: Path) -> None:
    result = init("--non-interactive", "--email", "me@selfhosted.test", "--name", "A", "--config", str(tmp_path / "c.toml"))
    assert result.exit_code == 2 and "--host" in result.stderr
    assert not (tmp_path / "c.toml").exists()


def test_an_unknown_provider_with_host_and_security(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    result = init(
        "--non-interactive", "--email", "me@selfhosted.test", "--name", "A", "--host", "mail.selfhosted.test", "--security", "starttls",
        "--config", str(config),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    settings = load(config)
    assert (settings.imap.host, settings.imap.effective_port, settings.imap.security) == ("mail.selfhosted.test", 143, "starttls")
    assert settings.imap.username == "me@selfhosted.test"


def test_interactive_asks_for_what_it_cannot_guess(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    answers = "\n".join(["not-an-address", "me@selfhosted.test", "Sam Doe", "", "starttls", "2", "pass show mail/imap"]) + "\n"
    result = init("--config", str(config), input=answers)
    assert result.exit_code == 0, result.output
    assert "is not an email address" in result.output
    assert "IMAP server [imap.selfhosted.test]" in result.output
    settings = load(config)
    assert settings.imap.host == "imap.selfhosted.test" and settings.imap.security == "starttls"
    assert settings.imap.password_command == ["pass", "show", "mail/imap"]
    assert settings.profile.name == "Sam Doe"


def test_interactive_with_a_preset_asks_only_name_address_and_password_source(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    result = init("--config", str(config), input="a@gmail.com\nAlex Doe\n\nMY_GMAIL_PW\n")
    assert result.exit_code == 0, result.output
    assert "app password" in result.output and "myaccount.google.com/apppasswords" in result.output
    assert load(config).imap.password_env == "MY_GMAIL_PW"
    assert "export MY_GMAIL_PW=" in result.output


def test_interactive_outlook_asks_for_the_client_id(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    result = init("--config", str(config), input="a@hotmail.com\nAlex Doe\nabc-123\n")
    assert result.exit_code == 0, result.output
    assert written(config)["imap"]["oauth2"]["client_id"] == "abc-123"
    assert "register an app" not in result.output


# --- passwords: never in the file unless asked ------------------------------------------------


def test_by_default_no_password_is_written(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    assert init("--non-interactive", "--email", "a@gmail.com", "--name", "A", "--config", str(config)).exit_code == 0
    assert not any(line.startswith("password =") for line in config.read_text().splitlines())


def test_store_password_writes_it_only_when_asked(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    secret = 'p"w\\d \u00e9'
    result = init("--non-interactive", "--store-password", "--email", "a@gmail.com", "--name", "A", "--config", str(config), input=secret + "\n")
    assert result.exit_code == 0, result.output
    assert load(config).imap.resolve_password("imap") == secret
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert secret not in result.output


def test_password_sources_are_exclusive(tmp_path: Path) -> None:
    result = init("--non-interactive", "--email", "a@gmail.com", "--name", "A", "--password-env", "X", "--store-password", "--config", "c.toml")
    assert result.exit_code == 2 and "--password-env" in result.stderr and "--store-password" in result.stderr


def test_keyring_stores_it_and_password_command_reads_it_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "keyring.json"
    monkeypatch.setenv(KEYRING_ENV, str(store))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring_file_backend.FileKeyring")
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    try:
        config = tmp_path / "c.toml"
        result = init("--non-interactive", "--keyring", "--email", "a@icloud.com", "--name", "A", "--config", str(config), input="s3cret\n")
    finally:
        keyring.set_keyring(previous)
    assert result.exit_code == 0, result.output
    assert "s3cret" not in config.read_text()
    settings = load(config)
    assert settings.imap.password_command is not None and "keyring" in settings.imap.password_command
    # The command runs as Rebound would run it: a separate process that finds the keyring itself.
    assert settings.imap.resolve_password("imap") == "s3cret"


def test_keyring_without_a_keyring_is_one_line(tmp_path: Path) -> None:
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        result = init("--non-interactive", "--keyring", "--email", "a@gmail.com", "--name", "A", "--config", str(tmp_path / "c.toml"), input="x\n")
    finally:
        keyring.set_keyring(previous)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and "no keyring" in result.stderr
    assert not (tmp_path / "c.toml").exists()


# --- the file itself --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ['Zoë "Z" O\'Brien', "back\\slash", "tab\there", "line\nbreak", "del\x7f", "😀 emoji"])
def test_any_name_survives_the_round_trip(tmp_path: Path, name: str) -> None:
    config = configfile.from_preset("a@gmail.com", name, presets.by_domain("gmail.com"))  # type: ignore[arg-type]
    path = tmp_path / "c.toml"
    configfile.write(path, configfile.render(configfile.NewConfig(**{**config.__dict__, "password_env": "X"})))
    assert load(path).profile.name == name


def test_the_config_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "c.toml"
    configfile.write(path, "a = 1\n")
    assert path.read_text() == "a = 1\n" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["c.toml"], "no temporary file left behind"
    with pytest.raises(configfile.ConfigExists):
        configfile.write(path, "b = 2\n")
    assert path.read_text() == "a = 1\n"


@pytest.mark.parametrize("args", [["init", "-h"], ["init", "--config", "x.toml", "-h"], ["doctor", "-h"], ["-v", "doctor", "-h"]])
def test_help_for_the_new_commands(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and result.stdout.startswith("Usage: ") and "--config" in result.stdout


def test_global_options_after_init(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", "--non-interactive", "--email", "a@gmail.com", "--name", "A", "-v", "--config", "late.toml"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "late.toml").exists()
