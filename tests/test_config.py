"""Settings: the README table matches app/config.py; the environment is read by create_app."""

import logging
import re
from pathlib import Path

import pytest
from flask import Flask

from app import configure, create_app
from app.config import SETTINGS, ConfigError

README = Path(__file__).resolve().parent.parent / "README.md"
BY_ENV = {setting.env: setting for setting in SETTINGS}


def readme_table() -> dict[str, tuple[str, str, str]]:
    """README's configuration rows: variable -> (app.config key, default, meaning), unquoted."""
    section = README.read_text(encoding="utf-8").split("\n## Configuration\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]
    table = {}
    for row in rows:
        variable, key, default, meaning = (cell.strip() for cell in row.strip("|").split("|"))
        assert variable not in table, f"{variable} is documented twice"
        table[variable.strip("`")] = (key.strip("`"), default.replace("`", ""), meaning)
    return table


@pytest.fixture
def clean_env(monkeypatch):
    """No setting comes from the environment the tests were started in."""
    for name in [*BY_ENV, "SECRET_KEY", "TEKOTAULU_DATABASE_URL"]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def build(tmp_path, **settings):
    """create_app with a throwaway database, folder and secret, plus the given test settings."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            **settings,
        }
    )


def bare_flask(tmp_path) -> Flask:
    """A Flask object whose instance folder is tmp_path, to run configure() on alone."""
    return Flask("app", instance_path=str(tmp_path / "instance"), instance_relative_config=True)


# --- README and the settings table ------------------------------------------------------------


def test_every_setting_is_documented():
    """Each variable app/config.py reads has a README row."""
    missing = sorted(set(BY_ENV) - set(readme_table()))
    assert not missing, f"add these to README's configuration table: {missing}"


def test_every_documented_variable_exists():
    """Each README row names a variable app/config.py reads."""
    unknown = sorted(set(readme_table()) - set(BY_ENV))
    assert not unknown, f"README documents variables app/config.py does not read: {unknown}"


def test_documented_keys_defaults_and_meanings_match():
    """README gives each variable the config key and default of the table, and says what it is."""
    documented = readme_table()
    for setting in (s for s in SETTINGS if s.env in documented):
        key, default, meaning = documented[setting.env]
        assert key == setting.key, setting.env
        assert default == setting.documented_default, setting.env
        assert meaning, setting.env


def test_one_environment_name_per_setting():
    """DATABASE_URL for the database, TEKOTAULU_* for the rest; no key read from two names."""
    keys = [setting.key for setting in SETTINGS]
    assert len(keys) == len(set(keys))
    assert len(BY_ENV) == len(SETTINGS)
    assert BY_ENV["DATABASE_URL"].key == "SQLALCHEMY_DATABASE_URI"
    assert BY_ENV["TEKOTAULU_SECRET_KEY"].key == "SECRET_KEY"
    others = set(BY_ENV) - {"DATABASE_URL"}
    assert all(re.fullmatch(r"TEKOTAULU_[A-Z0-9_]+", env) for env in others)


def test_defaults_need_no_environment(clean_env, tmp_path):
    """With nothing set, an app has the table's defaults, parsed."""
    config = build(tmp_path).config
    assert config["MAX_CONTENT_LENGTH"] == 25 * 1024 * 1024
    assert config["RENDITION_SIZES"][0] == ("large", 1920)
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["KEEP_ORIGINAL"] is False
    assert config["BABEL_DEFAULT_TIMEZONE"] == "Europe/Helsinki"
    assert config["S3_ENDPOINT_URL"] is None


# --- Read when create_app runs ----------------------------------------------------------------


def test_environment_is_read_when_create_app_runs(clean_env, tmp_path):
    """A variable set after app.config was imported still reaches the next app, and only it."""
    clean_env.setenv("TEKOTAULU_BOARD_PAGE_SIZE", "7")
    assert build(tmp_path).config["BOARD_PAGE_SIZE"] == 7
    clean_env.delenv("TEKOTAULU_BOARD_PAGE_SIZE")
    assert build(tmp_path).config["BOARD_PAGE_SIZE"] == 24


@pytest.mark.parametrize(
    ("env", "raw", "key", "value"),
    [
        ("TEKOTAULU_MAX_UPLOAD_MB", "40", "MAX_CONTENT_LENGTH", 40 * 1024 * 1024),
        ("TEKOTAULU_SECURE_COOKIES", "0", "SESSION_COOKIE_SECURE", False),
        ("TEKOTAULU_KEEP_ORIGINAL", " Yes ", "KEEP_ORIGINAL", True),
        ("TEKOTAULU_RATELIMIT_ENABLED", "off", "RATELIMIT_ENABLED", False),
        ("TEKOTAULU_RENDITION_SIZES", "big:1000, tiny:100", "RENDITION_SIZES",
         (("big", 1000), ("tiny", 100))),
        ("TEKOTAULU_TIMEZONE", "Europe/Stockholm", "BABEL_DEFAULT_TIMEZONE", "Europe/Stockholm"),
        ("TEKOTAULU_CARD_MAX_WIDTH", "480", "CARD_MAX_WIDTH", 480),
        ("TEKOTAULU_S3_REGION", "eu-north-1", "S3_REGION", "eu-north-1"),
        ("TEKOTAULU_S3_ENDPOINT_URL", "", "S3_ENDPOINT_URL", None),
    ],
)
def test_environment_values_are_typed(clean_env, tmp_path, env, raw, key, value):
    """Numbers, switches, sizes and names arrive in the type the app uses."""
    clean_env.setenv(env, raw)
    assert build(tmp_path).config[key] == value


@pytest.mark.parametrize(
    ("env", "raw"),
    [
        ("TEKOTAULU_MAX_UPLOAD_MB", "abc"),
        ("TEKOTAULU_BOARD_PAGE_SIZE", "2.5"),
        ("TEKOTAULU_SECURE_COOKIES", "maybe"),
        ("TEKOTAULU_RENDITION_SIZES", "large=1920"),
        ("TEKOTAULU_RENDITION_SIZES", ","),
        ("TEKOTAULU_TIMEZONE", "Europe/Juva"),
        ("TEKOTAULU_SESSION_IDLE_MINUTES", "0"),
        ("TEKOTAULU_ORPHAN_GRACE_MINUTES", "-5"),
        ("TEKOTAULU_TWO_FACTOR_ROLES", "admin,boss"),
    ],
)
def test_a_bad_value_stops_the_start_naming_the_variable(clean_env, tmp_path, env, raw):
    """create_app refuses a value it cannot use, saying which variable and what it expected."""
    clean_env.setenv(env, raw)
    with pytest.raises(ConfigError, match=re.escape(f"{env}={raw!r}: expected")):
        build(tmp_path)


def test_every_bad_value_is_named_at_once(clean_env, tmp_path):
    """Two mistakes are reported together, not one per restart."""
    clean_env.setenv("TEKOTAULU_MAX_UPLOAD_MB", "abc")
    clean_env.setenv("TEKOTAULU_RETENTION_MONTHS", "two years")
    with pytest.raises(ConfigError) as raised:
        build(tmp_path)
    assert "TEKOTAULU_MAX_UPLOAD_MB" in str(raised.value)
    assert "TEKOTAULU_RETENTION_MONTHS" in str(raised.value)


def test_retired_names_are_not_read_and_say_so(clean_env, tmp_path, caplog):
    """SECRET_KEY and TEKOTAULU_DATABASE_URL no longer count; a warning names the new variable."""
    clean_env.setenv("SECRET_KEY", "old-name")
    clean_env.setenv("TEKOTAULU_DATABASE_URL", "sqlite:///old-name.db")
    app = bare_flask(tmp_path)
    with caplog.at_level(logging.WARNING):
        configure(app, None)
    assert app.config["SECRET_KEY"] != "old-name"
    assert "old-name" not in app.config["SQLALCHEMY_DATABASE_URI"]
    assert "set TEKOTAULU_SECRET_KEY instead" in caplog.text
    assert "set DATABASE_URL instead" in caplog.text


def test_secret_key_and_database_url_come_from_their_one_name(clean_env, tmp_path):
    """TEKOTAULU_SECRET_KEY signs sessions; DATABASE_URL chooses the database (psycopg 3)."""
    clean_env.setenv("TEKOTAULU_SECRET_KEY", "from-env")
    clean_env.setenv("DATABASE_URL", "postgresql://db.example/tekotaulu")
    app = bare_flask(tmp_path)
    configure(app, None)
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db.example/tekotaulu"
    assert not (tmp_path / "instance" / "secret_key").exists()


# --- Precedence: defaults < environment < instance/config.py < test mapping --------------------


def test_environment_overrides_defaults_and_test_mapping_overrides_environment(
    clean_env, tmp_path
):
    """The mapping a test passes wins over the environment, which wins over the defaults."""
    clean_env.setenv("TEKOTAULU_BOARD_PAGE_SIZE", "7")
    clean_env.setenv("TEKOTAULU_RETENTION_MONTHS", "12")
    config = build(tmp_path, BOARD_PAGE_SIZE=3).config
    assert config["BOARD_PAGE_SIZE"] == 3
    assert config["RETENTION_MONTHS"] == 12


def test_instance_config_overrides_the_environment(clean_env, tmp_path):
    """instance/config.py wins over the environment, which still wins over the defaults."""
    clean_env.setenv("TEKOTAULU_BOARD_PAGE_SIZE", "7")
    clean_env.setenv("TEKOTAULU_RETENTION_MONTHS", "12")
    app = bare_flask(tmp_path)
    Path(app.instance_path).mkdir()
    Path(app.instance_path, "config.py").write_text("BOARD_PAGE_SIZE = 5\n")
    configure(app, None)
    assert app.config["BOARD_PAGE_SIZE"] == 5
    assert app.config["RETENTION_MONTHS"] == 12
    assert app.config["RECENT_LOGIN_MINUTES"] == 15


def test_a_test_mapping_skips_instance_config(clean_env, tmp_path):
    """With a test mapping, instance/config.py is not read at all."""
    app = bare_flask(tmp_path)
    Path(app.instance_path).mkdir()
    Path(app.instance_path, "config.py").write_text("BOARD_PAGE_SIZE = 5\n")
    configure(app, {"SECRET_KEY": "test"})
    assert app.config["BOARD_PAGE_SIZE"] == 24


def test_instance_folder_defaults(clean_env, tmp_path):
    """Unset, the database, uploads and a private secret live in the instance folder."""
    app = bare_flask(tmp_path)
    configure(app, None)
    instance = tmp_path / "instance"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'app.db'}"
    assert app.config["UPLOAD_FOLDER"] == str(instance / "uploads")
    secret = instance / "secret_key"
    assert app.config["SECRET_KEY"] == secret.read_text().strip()
    assert secret.stat().st_mode & 0o777 == 0o600


def test_role_names_in_settings_are_the_models_roles():
    """TWO_FACTOR_ROLES is checked against a copy of the role names (config imports no models)."""
    from app.config import ROLE_NAMES
    from app.models import Role

    assert list(ROLE_NAMES) == [role.value for role in Role]
