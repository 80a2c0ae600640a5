"""ConnectionSettings: reading the environment and ``.env``, login modes, errors, secrets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from asymbl_sf.errors import ConfigurationError
from asymbl_sf.salesforce.settings import ConnectionSettings
from asymbl_sf.schema.api_version import DEFAULT_API_VERSION

ACCESS_TOKEN = "00D5g000004AbCd!AQ0AQFakeAccessTokenValue"
PASSWORD = "correct-horse-battery"
SECURITY_TOKEN = "SecTok1234567890"
CLIENT_SECRET = "C0nsumerSecretValue42"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "server.key"
    path.write_text("-----BEGIN PRIVATE KEY-----\nnot checked here\n-----END PRIVATE KEY-----\n")
    return path


def mode_envs(key_file: Path) -> dict[str, dict[str, str]]:
    return {
        "session": {
            "SF_INSTANCE_URL": "https://acme.my.salesforce.com",
            "SF_ACCESS_TOKEN": ACCESS_TOKEN,
        },
        "password": {
            "SF_USERNAME": "ops@acme.example",
            "SF_PASSWORD": PASSWORD,
            "SF_SECURITY_TOKEN": SECURITY_TOKEN,
        },
        "client_credentials": {
            "SF_CLIENT_ID": "3MVG9.client.id",
            "SF_CLIENT_SECRET": CLIENT_SECRET,
            "SF_DOMAIN": "acme.my",
        },
        "jwt": {
            "SF_CLIENT_ID": "3MVG9.client.id",
            "SF_USERNAME": "ops@acme.example",
            "SF_PRIVATE_KEY_FILE": str(key_file),
        },
        "local": {"ASYMBL_SF_ORG": "local"},
    }


def from_env(tmp_path: Path, env: dict[str, str]) -> ConnectionSettings:
    """Settings from ``env`` only: the ``.env`` looked at is one that does not exist."""
    return ConnectionSettings.from_env(env, dotenv_path=tmp_path / "absent.env")


def write_dotenv(path: Path, values: dict[str, str]) -> Path:
    path.write_text("".join(f'{name}="{value}"\n' for name, value in values.items()))
    return path


# -- login mode detection ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["session", "password", "client_credentials", "jwt", "local"])
def test_each_login_mode_is_detected_from_the_environment(
    tmp_path: Path, key_file: Path, mode: str
) -> None:
    settings = from_env(tmp_path, mode_envs(key_file)[mode])
    assert settings.login_mode() == mode


@pytest.mark.parametrize("mode", ["session", "password", "client_credentials", "jwt", "local"])
def test_each_login_mode_is_detected_from_a_dotenv_file(
    tmp_path: Path, key_file: Path, mode: str
) -> None:
    dotenv = write_dotenv(tmp_path / ".env", mode_envs(key_file)[mode])
    settings = ConnectionSettings.from_env({}, dotenv_path=dotenv)
    assert settings.login_mode() == mode


def test_the_dotenv_file_in_the_working_directory_is_read_by_default(
    tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_dotenv(tmp_path / ".env", mode_envs(key_file)["client_credentials"])
    monkeypatch.chdir(tmp_path)
    settings = ConnectionSettings.from_env({})
    assert settings.login_mode() == "client_credentials"
    assert settings.client_id == "3MVG9.client.id"


def test_the_environment_wins_over_the_dotenv_file(tmp_path: Path) -> None:
    dotenv = write_dotenv(
        tmp_path / ".env",
        {
            "SF_INSTANCE_URL": "https://from-dotenv.my.salesforce.com",
            "SF_ACCESS_TOKEN": "token-from-dotenv",
            "SF_API_VERSION": "60.0",
        },
    )
    settings = ConnectionSettings.from_env(
        {"SF_INSTANCE_URL": "https://from-env.my.salesforce.com"}, dotenv_path=dotenv
    )
    assert settings.instance_url == "https://from-env.my.salesforce.com"
    # what the environment does not set still comes from the file
    assert settings.access_token is not None
    assert settings.access_token.get_secret_value() == "token-from-dotenv"
    assert settings.api_version == "60.0"


def test_a_missing_dotenv_file_is_fine(tmp_path: Path) -> None:
    settings = ConnectionSettings.from_env(
        {"ASYMBL_SF_ORG": "local"}, dotenv_path=tmp_path / "nope.env"
    )
    assert settings.login_mode() == "local"


def test_unrelated_and_blank_variables_are_ignored(tmp_path: Path) -> None:
    settings = from_env(tmp_path, {"HOME": "/root", "SF_USERNAME": "   ", "SF_PASSWORD": ""})
    assert settings.username is None
    assert settings.password is None
    assert not settings.configured


def test_a_local_org_with_a_path_is_the_local_mode(tmp_path: Path) -> None:
    settings = from_env(tmp_path, {"ASYMBL_SF_ORG": f"local:{tmp_path / 'org'}"})
    assert settings.login_mode() == "local"


def test_local_org_wins_over_credentials(tmp_path: Path, key_file: Path) -> None:
    env = {**mode_envs(key_file)["session"], "ASYMBL_SF_ORG": "local"}
    assert from_env(tmp_path, env).login_mode() == "local"


@pytest.mark.parametrize("org", ["nonsense", "localhost", "production"])
def test_an_unknown_org_is_a_configuration_error(tmp_path: Path, org: str) -> None:
    with pytest.raises(ConfigurationError, match="ASYMBL_SF_ORG"):
        from_env(tmp_path, {"ASYMBL_SF_ORG": org}).login_mode()


def test_an_access_token_wins_over_other_credentials(tmp_path: Path, key_file: Path) -> None:
    env = {**mode_envs(key_file)["password"], **mode_envs(key_file)["session"]}
    assert from_env(tmp_path, env).login_mode() == "session"


def test_an_instance_url_next_to_complete_login_credentials_does_not_demand_a_token(
    tmp_path: Path, key_file: Path
) -> None:
    env = {**mode_envs(key_file)["jwt"], "SF_INSTANCE_URL": "https://acme.my.salesforce.com"}
    assert from_env(tmp_path, env).login_mode() == "jwt"


def test_password_login_does_not_need_a_security_token(tmp_path: Path) -> None:
    settings = from_env(tmp_path, {"SF_USERNAME": "ops@acme.example", "SF_PASSWORD": PASSWORD})
    assert settings.login_mode() == "password"


# -- half-filled settings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"SF_ACCESS_TOKEN": ACCESS_TOKEN}, {"SF_INSTANCE_URL"}),
        ({"SF_INSTANCE_URL": "https://acme.my.salesforce.com"}, {"SF_ACCESS_TOKEN"}),
        ({"SF_USERNAME": "ops@acme.example"}, {"SF_PASSWORD"}),
        ({"SF_PASSWORD": PASSWORD}, {"SF_USERNAME"}),
        ({"SF_SECURITY_TOKEN": SECURITY_TOKEN}, {"SF_USERNAME", "SF_PASSWORD"}),
        ({"SF_CLIENT_SECRET": CLIENT_SECRET, "SF_DOMAIN": "acme.my"}, {"SF_CLIENT_ID"}),
        ({"SF_CLIENT_ID": "id", "SF_CLIENT_SECRET": CLIENT_SECRET}, {"SF_DOMAIN"}),
        ({"SF_CLIENT_SECRET": CLIENT_SECRET}, {"SF_CLIENT_ID", "SF_DOMAIN"}),
        ({"SF_CLIENT_ID": "id", "SF_PRIVATE_KEY_FILE": "KEY"}, {"SF_USERNAME"}),
        ({"SF_USERNAME": "ops@acme.example", "SF_PRIVATE_KEY_FILE": "KEY"}, {"SF_CLIENT_ID"}),
        (
            {"SF_CLIENT_ID": "id"},
            {"SF_CLIENT_SECRET", "SF_DOMAIN", "SF_PRIVATE_KEY_FILE", "SF_USERNAME"},
        ),
        (
            {"SF_CLIENT_ID": "id", "SF_USERNAME": "ops@acme.example"},
            {"SF_CLIENT_SECRET", "SF_DOMAIN", "SF_PRIVATE_KEY_FILE"},
        ),
        (
            {"SF_CLIENT_ID": "id", "SF_DOMAIN": "acme.my"},
            {"SF_CLIENT_SECRET", "SF_PRIVATE_KEY_FILE", "SF_USERNAME"},
        ),
    ],
)
def test_half_filled_settings_name_exactly_what_is_missing(
    tmp_path: Path, key_file: Path, env: dict[str, str], missing: set[str]
) -> None:
    env = {k: str(key_file) if v == "KEY" else v for k, v in env.items()}
    settings = from_env(tmp_path, env)
    assert settings.configured  # so connect() reports it instead of using the local org
    with pytest.raises(ConfigurationError) as caught:
        settings.login_mode()
    assert set(re.findall(r"SF_[A-Z_]+", str(caught.value))) == missing


def test_no_credentials_at_all_is_a_configuration_error_pointing_at_the_docs(
    tmp_path: Path,
) -> None:
    settings = from_env(tmp_path, {})
    assert not settings.configured
    with pytest.raises(ConfigurationError, match=r"docs/connecting\.md"):
        settings.login_mode()


@pytest.mark.parametrize("domain", ["login", "test", "https://login.salesforce.com"])
def test_client_credentials_need_a_my_domain(tmp_path: Path, domain: str) -> None:
    settings = from_env(
        tmp_path, {"SF_CLIENT_ID": "id", "SF_CLIENT_SECRET": CLIENT_SECRET, "SF_DOMAIN": domain}
    )
    with pytest.raises(ConfigurationError, match="My Domain"):
        settings.login_mode()


def test_a_missing_private_key_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "keys" / "server.key"
    settings = from_env(
        tmp_path,
        {
            "SF_CLIENT_ID": "id",
            "SF_USERNAME": "ops@acme.example",
            "SF_PRIVATE_KEY_FILE": str(missing),
        },
    )
    with pytest.raises(ConfigurationError) as caught:
        settings.login_mode()
    message = str(caught.value)
    assert "SF_PRIVATE_KEY_FILE" in message
    assert "no such file" in message
    assert str(missing) in message


# -- values -----------------------------------------------------------------------------------


def test_the_api_version_is_pinned_by_default(tmp_path: Path) -> None:
    assert from_env(tmp_path, {}).api_version == DEFAULT_API_VERSION


@pytest.mark.parametrize(
    ("given", "used"), [("61.0", "61.0"), ("v60.0", "60.0"), (" 63.0 ", "63.0")]
)
def test_sf_api_version_overrides_the_pinned_version(tmp_path: Path, given: str, used: str) -> None:
    assert from_env(tmp_path, {"SF_API_VERSION": given}).api_version == used


def test_sf_api_version_from_the_dotenv_file(tmp_path: Path) -> None:
    dotenv = write_dotenv(tmp_path / ".env", {"SF_API_VERSION": "59.0"})
    assert ConnectionSettings.from_env({}, dotenv_path=dotenv).api_version == "59.0"


@pytest.mark.parametrize("bad", ["latest", "62", "sixty-two", "62.0.1"])
def test_a_malformed_api_version_is_a_configuration_error(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ConfigurationError, match="SF_API_VERSION"):
        from_env(tmp_path, {"SF_API_VERSION": bad})


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("login", "login"),
        ("test", "test"),
        ("acme.my", "acme.my"),
        ("acme.my.salesforce.com", "acme.my"),
        ("https://acme--uat.sandbox.my.salesforce.com/", "acme--uat.sandbox.my"),
        ("https://test.salesforce.com", "test"),
    ],
)
def test_sf_domain_is_accepted_as_a_name_or_a_url(tmp_path: Path, given: str, used: str) -> None:
    assert from_env(tmp_path, {"SF_DOMAIN": given}).domain == used


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("https://acme.my.salesforce.com", "https://acme.my.salesforce.com"),
        ("https://acme.my.salesforce.com/", "https://acme.my.salesforce.com"),
        ("acme.my.salesforce.com", "https://acme.my.salesforce.com"),
    ],
)
def test_sf_instance_url_gets_a_scheme(tmp_path: Path, given: str, used: str) -> None:
    assert from_env(tmp_path, {"SF_INSTANCE_URL": given}).instance_url == used


def test_the_private_key_file_is_a_path(tmp_path: Path, key_file: Path) -> None:
    settings = from_env(tmp_path, mode_envs(key_file)["jwt"])
    assert settings.private_key_file == key_file


# -- secrets ----------------------------------------------------------------------------------


def all_secrets_settings(tmp_path: Path) -> ConnectionSettings:
    return from_env(
        tmp_path,
        {
            "SF_INSTANCE_URL": "https://acme.my.salesforce.com",
            "SF_ACCESS_TOKEN": ACCESS_TOKEN,
            "SF_USERNAME": "ops@acme.example",
            "SF_PASSWORD": PASSWORD,
            "SF_SECURITY_TOKEN": SECURITY_TOKEN,
            "SF_CLIENT_ID": "3MVG9.client.id",
            "SF_CLIENT_SECRET": CLIENT_SECRET,
            "SF_DOMAIN": "acme.my",
        },
    )


def test_secrets_lists_every_secret(tmp_path: Path) -> None:
    secrets = all_secrets_settings(tmp_path).secrets()
    assert sorted(secrets) == sorted(
        [ACCESS_TOKEN, PASSWORD, SECURITY_TOKEN, CLIENT_SECRET, PASSWORD + SECURITY_TOKEN]
    )


def test_secrets_include_the_lines_of_the_private_key(tmp_path: Path) -> None:
    key = tmp_path / "server.key"
    key.write_text(
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
        "c2Vjb25kIGxpbmUgb2YgdGhlIGtleQ==\n-----END PRIVATE KEY-----\n"
    )
    settings = from_env(
        tmp_path,
        {"SF_CLIENT_ID": "id", "SF_USERNAME": "ops@acme.example", "SF_PRIVATE_KEY_FILE": str(key)},
    )
    assert settings.secrets() == [
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
        "c2Vjb25kIGxpbmUgb2YgdGhlIGtleQ==",
    ]
    assert from_env(tmp_path, {"SF_PRIVATE_KEY_FILE": str(tmp_path / "gone.key")}).secrets() == []


def test_a_secret_never_shows_in_a_validation_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ConnectionSettings.model_validate(
            {"access_token": ACCESS_TOKEN, "password": PASSWORD, "api_version": "latest"}
        )
    assert ACCESS_TOKEN not in str(caught.value) and PASSWORD not in str(caught.value)
    with pytest.raises(ValueError) as invalid:  # pydantic's own ValidationError
        ConnectionSettings.model_validate(
            {"access_token": ACCESS_TOKEN, "password": PASSWORD, "private_key_file": 42}
        )
    assert ACCESS_TOKEN not in str(invalid.value) and PASSWORD not in str(invalid.value)
    assert ACCESS_TOKEN not in repr(invalid.value)


def test_secrets_is_empty_without_secrets(tmp_path: Path) -> None:
    assert from_env(tmp_path, {"SF_USERNAME": "ops@acme.example"}).secrets() == []


def test_secrets_are_read_from_the_dotenv_file_too(tmp_path: Path) -> None:
    dotenv = write_dotenv(
        tmp_path / ".env", {"SF_CLIENT_ID": "id", "SF_CLIENT_SECRET": CLIENT_SECRET}
    )
    assert ConnectionSettings.from_env({}, dotenv_path=dotenv).secrets() == [CLIENT_SECRET]


def test_repr_and_str_never_contain_a_secret(tmp_path: Path) -> None:
    settings = all_secrets_settings(tmp_path)
    shown = [
        repr(settings),
        str(settings),
        f"{settings}",
        settings.model_dump_json(),
        repr(settings.model_dump()),
        repr(settings.password),
        str(settings.client_secret),
    ]
    for text in shown:
        for secret in (ACCESS_TOKEN, PASSWORD, SECURITY_TOKEN, CLIENT_SECRET):
            assert secret not in text
    # the non-secret parts are still there to help debugging
    assert "ops@acme.example" in repr(settings)
    assert "acme.my" in repr(settings)


def test_settings_are_immutable(tmp_path: Path) -> None:
    settings = all_secrets_settings(tmp_path)
    with pytest.raises(ValueError):
        settings.username = "someone@else.example"  # type: ignore[misc]
