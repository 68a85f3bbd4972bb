"""flask commands: users, units, demo data, the storage check, backup and restore."""

import sys
from collections.abc import Callable
from contextlib import nullcontext
from functools import wraps
from gettext import ngettext
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from app.models import Role
from app.services import accounts, backup, board, demo, jobs, moderation, privacy, upkeep
from app.services.errors import ServiceError
from app.web.errors import message_of

user_cli = AppGroup("user", help="Manage users.")
unit_cli = AppGroup("unit", help="Manage units.")
storage_cli = AppGroup("storage", help="Check stored files.")
supervisor_cli = AppGroup("supervisor", help="Choose which supervisors answer for a unit.")
retention_cli = AppGroup("retention", help="Delete deeds older than RETENTION_MONTHS.")
unit_cli.add_command(supervisor_cli)


def init_app(app: Flask) -> None:
    """Register the command groups."""
    for group in (user_cli, unit_cli, storage_cli, retention_cli):
        app.cli.add_command(group)
    for command in (demo_command, backup_command, restore_command):
        app.cli.add_command(command)


def read_password(from_stdin: bool) -> str:
    """Read a password from the first line of stdin, or ask for it twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def counted(count: int, singular: str, plural: str) -> str:
    """A count and its noun in English, the language of these admin commands ("1 deed")."""
    return f"{count} {ngettext(singular, plural, count)}"


def fail(message: object) -> None:
    """Print the error and exit with status 1."""
    raise click.ClickException(str(message))


def reports_refusals(command: Callable) -> Callable:
    """Print a service's refusal in words and exit with status 1, instead of a traceback."""

    @wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except backup.BackupRefused as error:  # already in the operator's words
            fail(error)
        except ServiceError as error:
            fail(message_of(error))

    return wrapped


@user_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.EMPLOYEE.value)
@click.option("--display-name", default="", help="Name shown on the board.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@reports_refusals
def create_user(username: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Create a user."""
    password = read_password(password_stdin)
    user = accounts.create_user(username, password, role=Role(role), display_name=display_name)
    click.echo(f"Created {user.role.value} {user.username}")


@user_cli.command("list")
def list_users() -> None:
    """List users with role and state."""
    for user in accounts.list_users():
        state = "active" if user.active else "inactive"
        click.echo(f"{user.username}\t{user.role.value}\t{state}\t{user.display_name}")


@user_cli.command("deactivate")
@click.argument("username")
@reports_refusals
def deactivate_user(username: str) -> None:
    """Stop a user from logging in."""
    accounts.set_active(username, False)
    click.echo(f"Deactivated {username}")


@unit_cli.command("create")
@click.argument("name")
@click.option("--municipality", required=True, help="Juva, Rantasalmi or Sulkava.")
@reports_refusals
def create_unit(name: str, municipality: str) -> None:
    """Create a unit in a municipality."""
    unit = accounts.create_unit(name, municipality)
    click.echo(f"Created unit {unit.name} ({unit.municipality.name})")


@unit_cli.command("list")
def list_units() -> None:
    """List units by municipality."""
    for unit in board.places().units:
        click.echo(f"{unit.id}\t{unit.municipality_name}\t{unit.name}")


@click.command("demo")
@with_appcontext  # app.cli groups add it; a plain command needs it (flask test runner)
@click.option("--if-empty", is_flag=True,
              help="Do nothing when the instance has users (but print the demo logins again).")
@click.option("--deeds", "deed_count", default=40, show_default=True)
def demo_command(if_empty: bool, deed_count: int) -> None:
    """Fill an empty instance with demo units, users (random passwords) and deeds."""
    logins_file = current_app.config["DEMO_LOGINS_FILE"]
    if accounts.has_users():
        if not if_empty:
            fail("The instance already has users; demo data goes only into an empty instance.")
        click.echo("Instance has data; demo data not added.")
        if logins_file:
            print_logins(demo.working_logins(logins_file), logins_file)
        return
    if current_app.config["SESSION_COOKIE_SECURE"]:
        fail("Secure cookies are on (TEKOTAULU_SECURE_COOKIES=1), as in production: demo data "
             "is only for a trial on this computer (scripts/run.sh sets it to 0).")
    if not logins_file:
        fail("No DEMO_LOGINS_FILE to keep the demo passwords in.")
    created = demo.fill(logins_file, deed_count)
    current_app.config["DEMO_INSTANCE"] = True
    click.echo(f"Demo data: {counted(created.users, 'user', 'users')}, "
               f"{counted(created.units, 'unit', 'units')}, "
               f"{counted(created.deeds, 'deed', 'deeds')}.")
    print_logins(list(created.logins), logins_file)


def print_logins(logins: list[demo.DemoLogin], logins_file: str) -> None:
    """Print the demo logins, one user a line, and where they are kept."""
    if not logins:
        return
    click.echo(f"Demo logins for this instance (also in {logins_file}):")
    width = max(len(login.username) for login in logins)
    for login in logins:
        click.echo(f"  {login.username:<{width}}  {login.password}  {login.role.value}")


@storage_cli.command("check")
@click.option("--fix", is_flag=True, help="Delete orphan files older than ORPHAN_GRACE_MINUTES.")
@reports_refusals  # --fix while another server sweeps
def storage_check(fix: bool) -> None:
    """Find files without a row and rows without a file."""
    with jobs.exclusive("storage-sweep") if fix else nullcontext():
        report = upkeep.check_storage(fix=fix)
    for key in report.orphans:
        click.echo(f"orphan file: {key}" + (" (deleted)" if fix else ""))
    for key in report.new_orphans:  # an upload may be about to commit them: never a failure
        click.echo(f"orphan file: {key} (too new to delete)")
    for key in report.missing:
        click.echo(f"missing file: {key}")
    click.echo(f"{counted(report.checked, 'file', 'files')} checked, "
               f"{counted(len(report.orphans), 'orphan', 'orphans')}, "
               f"{len(report.missing)} missing, {len(report.new_orphans)} too new to delete.")
    if report.missing or (report.orphans and not fix):
        sys.exit(1)


@user_cli.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@reports_refusals
def set_password(username: str, password_stdin: bool) -> None:
    """Give a user a new password (for a forgotten one)."""
    password = read_password(password_stdin)
    accounts.set_password(username, password)
    click.echo(f"Password changed for {username}")


@supervisor_cli.command("add")
@click.argument("unit_id", type=int)
@click.argument("username")
@reports_refusals
def add_supervisor(unit_id: int, username: str) -> None:
    """Make a supervisor answer for a unit (they may then hide its deeds)."""
    unit, user = moderation.add_supervisor(unit_id, username)
    click.echo(f"{user.username} supervises {unit.name}")


@supervisor_cli.command("remove")
@click.argument("unit_id", type=int)
@click.argument("username")
@reports_refusals
def remove_supervisor(unit_id: int, username: str) -> None:
    """Stop a user supervising a unit."""
    moderation.remove_supervisor(unit_id, username)
    click.echo(f"{username} no longer supervises unit {unit_id}")


@supervisor_cli.command("list")
@click.argument("unit_id", type=int, required=False)
def list_supervisors(unit_id: int | None) -> None:
    """List units and their supervisors."""
    for unit, user in moderation.supervisions(unit_id):
        click.echo(f"{unit.id}\t{unit.name}\t{user.username}")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@click.option("--months", type=int, default=None,
              help="Override RETENTION_MONTHS for this run "
                   f"(1-{privacy.RETENTION_MONTHS_MAX}).")
@reports_refusals  # a period of months that makes no sense, given here or in the settings
def retention_run(dry_run: bool, months: int | None) -> None:
    """Delete deeds (and their photo files) stored longer than the retention period."""
    months = current_app.config["RETENTION_MONTHS"] if months is None else months
    with nullcontext() if dry_run else jobs.exclusive("retention"):
        expired = privacy.run_retention(months, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    for item in expired:
        click.echo(f"{verb} deed {item.id}\t{item.created_at:%Y-%m-%d}\t{item.unit}\t{item.author}")
    click.echo(f"{counted(len(expired), 'deed', 'deeds')} older than "
               f"{counted(months, 'month', 'months')} "
               f"{'would be deleted' if dry_run else 'deleted'}.")


@click.command("backup")
@with_appcontext
@click.argument("dest", type=click.Path(path_type=Path))
@reports_refusals  # DEST in use, another server backing up, a failing disk or storage
def backup_command(dest: Path) -> None:
    """Back up the database and every stored file into DEST (a new or empty folder)."""
    report = backup.back_up(dest)
    for key in report.vanished:
        click.echo(f"skipped file: {key} (deleted while the backup ran)")
    click.echo(f"Backed up the {report.database} database (revision {report.revision}) and "
               f"{counted(report.files, 'file', 'files')} ({megabytes(report.size)}) "
               f"to {report.folder}.")


@click.command("restore")
@with_appcontext
@click.argument("src", type=click.Path(path_type=Path, exists=True, file_okay=False))
@reports_refusals  # a non-empty instance, a damaged backup, another kind of database
def restore_command(src: Path) -> None:
    """Restore a backup made by `flask backup` into this empty instance."""
    report = backup.restore(src)
    click.echo(f"Restored the {report.database} database (revision {report.revision}) and "
               f"{counted(report.files, 'file', 'files')} ({megabytes(report.size)}) "
               f"from {src}.")
    if report.upgraded_to:
        click.echo(f"Upgraded the database to revision {report.upgraded_to}.")
    if report.vanished:
        click.echo(f"{counted(report.vanished, 'file was', 'files were')} deleted while the "
                   "backup ran (a deed erased or edited then); `flask storage check` lists any "
                   "rows of the backup that still name them.")


def megabytes(size: int) -> str:
    """A size in bytes as megabytes, for people ("12.3 MB")."""
    return f"{size / 1_000_000:.1f} MB"
