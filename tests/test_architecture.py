"""The shape of the code: imports run one way, services know nothing of HTTP, one error family."""

import ast
import inspect
from pathlib import Path

import pytest

import app.services
from app import images
from app.services.errors import ServiceError

APP = Path(__file__).resolve().parent.parent / "app"
BLUEPRINTS = ("account", "admin", "api", "auth", "board", "deeds", "devices", "pages", "projection",
              "review", "workshops", "insight")

# Higher layers may import lower ones, never the other way round.
LAYERS = {
    "blueprints": 3,  # app.<blueprint>.*, app.cli
    "web": 2,  # app.web.*
    "services": 1,  # app.services.*, app.permissions
    "base": 0,  # models, storage, images, extensions, database, config, i18n, labels
}
# The HTTP machinery a service must not reach for: it gets plain values and raises ServiceError.
HTTP_NAMES = {
    "flask": {"request", "send_file", "url_for", "abort", "jsonify", "redirect", "session",
              "make_response", "flash", "g", "render_template"},
    "flask_login": {"current_user"},
}
HTTP_MODULES = ("werkzeug", "flask_wtf")
NOT_HTTP = ("werkzeug.security",)  # password hashing


def module_name(path: Path) -> str:
    """app/services/deeds.py -> app.services.deeds."""
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(name: str) -> str:
    """Which layer an app module belongs to."""
    parts = name.split(".")
    if len(parts) > 1 and (parts[1] in BLUEPRINTS or parts[1] == "cli"):
        return "blueprints"
    if len(parts) > 1 and parts[1] == "web":
        return "web"
    if len(parts) > 1 and parts[1] in ("services", "permissions"):
        return "services"
    return "base"


def imports(path: Path) -> list[tuple[str, set[str]]]:
    """(module, names imported from it) for every import in a file, relative ones resolved."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, set()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module_name(path).split(".")
                package = package[: len(package) - node.level + (path.name == "__init__.py")]
                base = ".".join([*package, base] if base else package)
            names = {alias.name for alias in node.names}
            found.append((base, names))
            # "from app import images" imports the module app.images
            found += [(f"{base}.{name}", set()) for name in names if base == "app"]
    return found


def app_files() -> list[Path]:
    """Every Python file of the app package but create_app's own module (it wires all)."""
    return sorted(p for p in APP.rglob("*.py") if p != APP / "__init__.py")


def test_imports_run_one_way():
    """Blueprints -> web -> services -> models/storage/images, never back up."""
    upward = []
    for path in app_files():
        here = module_name(path)
        for target, _names in imports(path):
            if target == "app" or not target.startswith("app."):
                continue
            if LAYERS[layer(target)] > LAYERS[layer(here)]:
                upward.append(f"{here} imports {target}")
    assert upward == []


@pytest.mark.parametrize("path", sorted((APP / "services").glob("*.py")), ids=lambda p: p.name)
def test_services_know_nothing_of_http(path):
    """No request, url_for, send_file, BadRequest... under app/services/."""
    offending = []
    for target, names in imports(path):
        if target in NOT_HTTP:
            continue
        if target.startswith(HTTP_MODULES) or names & HTTP_NAMES.get(target, set()):
            offending.append(f"{target}: {sorted(names) or 'module'}")
    assert offending == []


def test_images_and_storage_know_nothing_of_the_app_above_them():
    """images.py is pure Pillow; storage knows keys and bytes, not models or services."""
    for path in [APP / "images.py", *sorted((APP / "storage").glob("*.py"))]:
        here = module_name(path)
        for target, _names in imports(path):
            assert not target.startswith(("app.models", "app.services", "app.web")), (here, target)
        if path.name == "images.py":
            assert not any(t.startswith(("flask", "app.")) for t, _ in imports(path))


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_routes_never_touch_the_database_or_pillow(blueprint):
    """Routes parse, call a service and answer; db, SQL, Pillow and files are below them."""
    for path in sorted((APP / blueprint).glob("*.py")):
        for target, names in imports(path):
            assert target not in ("app.images", "app.storage", "app.database", "sqlalchemy"), path
            assert not (target == "app.extensions" and "db" in names), path
            assert not target.startswith("PIL"), path


def test_every_service_exception_is_a_service_error():
    """Services raise one family of exceptions; the web layer maps each reason in one place."""
    for module in app.services.__dict__.values():
        if not inspect.ismodule(module) or not module.__name__.startswith("app.services"):
            continue
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == module.__name__:
                assert issubclass(cls, ServiceError), f"{module.__name__}.{cls.__name__}"


def raised_reasons() -> set[str]:
    """Every reason a service names: Refused("..."), NotFound("...") and so on."""
    reasons = set()
    for path in [*(APP / "services").glob("*.py"), APP / "permissions.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                    and node.exc.args and isinstance(node.exc.args[0], ast.Constant)):
                reasons.add(node.exc.args[0].value)
            # A refusal collected rather than raised (a row's error in the staff import).
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in {"Refused", "NotFound", "NotAllowed"}
                    and node.args and isinstance(node.args[0], ast.Constant)):
                reasons.add(node.args[0].value)
            if (isinstance(node, ast.JoinedStr) and node.values
                    and isinstance(node.values[0], ast.Constant)
                    and node.values[0].value == "photo_"):
                reasons.update(f"photo_{r}" for r in images.REASONS)
    return reasons


def test_every_refusal_has_words_and_a_status():
    """Each reason a service raises has its message and status in the one table, none stale."""
    from app.web.errors import REFUSALS

    generic = {"not_found", "not_allowed", "refused"}
    assert raised_reasons() - set(REFUSALS) == set(), "reasons without words"
    assert set(REFUSALS) - raised_reasons() - generic == set(), "words for reasons never raised"


def test_templates_ask_the_capability_table_not_roles():
    """No role string compared in a template: they call can(...), as routes and services do."""
    templates = Path(__file__).resolve().parent.parent / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text()
        assert ".role ==" not in text and ".role in" not in text, path
