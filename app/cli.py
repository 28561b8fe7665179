"""Command-line tasks: load the demo county; manage users, their logins and API tokens."""

import secrets
import time
from datetime import UTC, datetime

import click
from flask import Flask, current_app
from sqlalchemy import select

from . import accounts, i18n, localtime, logins, queries, versions
from .extensions import db
from .models import ROLES, AdminUnit, User
from .queries import members as member_queries
from .queries import work as work_queries
from .queries.demand_load import load_demands

DEMO_USERS = (
    ("admin", "admin", "系统管理员"),
    ("leader", "leader", "县领导"),
    ("cadre", "cadre", "驻村第一书记"),
    ("gis", "gis", "GIS 技术员"),
)


PASSWORD_HELP = "The password (asked for twice when not given)."


@click.command("demo")
@click.option("--households", type=click.IntRange(min=1), default=None, help="Households to generate.")
@click.option("--seed", type=int, default=None, help="Random seed; the same seed gives the same county.")
@click.option("--if-empty", is_flag=True, help="Do nothing when a county is already loaded.")
def demo(households: int | None, seed: int | None, if_empty: bool) -> None:
    """Generate a synthetic county and load it, replacing the current one (one transaction)."""
    from geodata.demands import generate_demands
    from geodata.generator import generate_county
    from geodata.history import generate_history, with_years
    from geodata.members import generate_members
    from geodata.work import generate_work

    from .queries.asof import load_history

    if if_empty and queries.county() is not None:
        click.echo("A county is already loaded; leaving it (drop --if-empty to replace it).")
        return
    households = households or current_app.config["DEMO_HOUSEHOLDS"]
    seed = current_app.config["DEMO_SEED"] if seed is None else seed
    started = time.perf_counter()
    county = generate_county(households=households, seed=seed)
    members = generate_members(county.households, seed=seed)
    work = generate_work(county, seed=seed, as_of=localtime.today())
    history = generate_history(county, seed=seed)
    demands = generate_demands(county, work, seed=seed, as_of=localtime.today(), zone=localtime.zone().key)
    generated = time.perf_counter()
    with versions.acting(None, "demo"):
        counts = queries.load_county(with_years(county, history))
        member_queries.replace_members(members)
        load_history(history, zone=localtime.zone())
        worked = work_queries.load_work(work)
        work_queries.link_users_to_cadres()
        raised = load_demands(demands)
        db.session.commit()
    queries.analyze()
    work_queries.analyze()
    db.session.commit()
    click.echo(
        f"Loaded {counts['households']:,} households in {counts['natural_villages']:,} natural villages "
        f"and {counts['admin_units']:,} administrative units, {len(members):,} members, "
        f"{worked['cadres']:,} cadres and {worked['visits']:,} visits and {raised:,} demands "
        f"in the year to today (seed {seed}): "
        f"generated in {generated - started:.1f} s, loaded in {time.perf_counter() - generated:.1f} s."
    )


@click.command("demo-users")
def demo_users() -> None:
    """Create one demo user per role, printing each new password once."""
    villages = db.session.scalars(
        select(AdminUnit.code).where(AdminUnit.level == "village").order_by(AdminUnit.code).limit(2)
    ).all()
    for username, role, display_name in DEMO_USERS:
        if db.session.scalar(select(User).where(User.username == username)):
            click.echo(f"{username:8} exists (reset with: flask --app app users set-password {username})")
            continue
        password = secrets.token_urlsafe(9)
        scope = villages if role == "cadre" else ()
        accounts.create_user(username, password, role=role, villages=scope, display_name=display_name)
        where = f" villages {', '.join(scope)}" if scope else ""
        click.echo(f"{username:8} role {role:7} password {password}{where}")
    work_queries.link_users_to_cadres()
    db.session.commit()


@click.command("trends")
def trends() -> None:
    """Rebuild the dashboard's year-end figures from the household history (after backdating it)."""
    from .queries import trends as trend_queries

    trend_queries.rebuild()
    db.session.commit()


@click.group("users")
def users() -> None:
    """用户管理 · Manage users."""


def _user(username: str) -> User:
    user = accounts.find_user(username)
    if user is None:
        raise click.BadParameter(f"no user {username!r} / 没有用户 {username!r}", param_hint="USERNAME")
    return user


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="The user's role.")
@click.option("--village", "villages", multiple=True, help="Village code a cadre works in (repeatable).")
@click.option("--name", "display_name", default="", help="Name shown in the page header.")
@click.option(
    "--department", default=None, help="The department a department user answers demands for (as assigned)."
)
@click.password_option(help=PASSWORD_HELP)
def create_user(
    username: str,
    role: str,
    villages: tuple[str, ...],
    display_name: str,
    department: str | None,
    password: str,
) -> None:
    """创建用户 · Create USERNAME with a role (and villages, for a cadre)."""
    try:
        accounts.create_user(
            username,
            password,
            role=role,
            villages=list(villages),
            display_name=display_name,
            department=department,
        )
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    db.session.commit()
    click.echo(f"Created {username} ({role}).")


def _cut_off(username: str, change, done: str) -> None:
    """Apply `change` to USERNAME's account, which ends their sessions and tokens, and say so."""
    try:
        revoked = change(_user(username))
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    db.session.commit()
    click.echo(f"{username}: {done}; every session ended, {revoked} token(s) revoked.")


@users.command("set-password")
@click.argument("username")
@click.password_option(help=PASSWORD_HELP)
def set_password(username: str, password: str) -> None:
    """修改密码（结束其全部会话并吊销其令牌）· Set USERNAME's password, ending their sessions and tokens."""
    _cut_off(username, lambda user: accounts.set_password(user, password), "password changed")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def set_role(username: str, role: str) -> None:
    """更改角色（结束其会话、吊销其令牌）· Give USERNAME another ROLE, ending their sessions and tokens."""
    _cut_off(username, lambda user: accounts.set_role(user, role), f"role now {role}")


@users.command("deactivate")
@click.argument("username")
def deactivate(username: str) -> None:
    """停用用户（结束其全部会话并吊销其令牌）· Deactivate USERNAME, ending their sessions and tokens."""
    _cut_off(username, lambda user: accounts.set_active(user, False), "deactivated")


@users.command("activate")
@click.argument("username")
def activate(username: str) -> None:
    """重新启用用户 · Let USERNAME log in again (their old tokens stay revoked)."""
    accounts.set_active(_user(username), True)
    db.session.commit()
    click.echo(f"{username} activated.")


@users.command("unlock")
@click.argument("username", required=False)
@click.option(
    "--address", default=None, help="同时解除该 IP 地址的限制 · Also lift the back-off of this address."
)
def unlock(username: str | None, address: str | None) -> None:
    """解除登录限制 · Lift the back-off after failed logins of USERNAME (and/or --address)."""
    if username is None and address is None:
        raise click.UsageError("name a USERNAME or an --address / 请指定用户名或 --address")
    dropped = logins.unlock(username=username, address=address)
    db.session.commit()
    click.echo(f"Unlocked ({dropped} failure count(s) cleared).")


@click.group("tokens")
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("username")
@click.option(
    "--name",
    required=True,
    help="用途，例如“GIS 办公室电脑上的 QGIS” · What the token is for, e.g. 'QGIS on the GIS office PC'.",
)
@click.option(
    "--days",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="有效天数（默认 TOKEN_DAYS，90）· Expire after this many days (default TOKEN_DAYS, 90).",
)
def create_token(username: str, name: str, days: float | None) -> None:
    """签发 API 令牌（只显示一次）· Issue an API token for USERNAME and print it once."""
    token = accounts.create_token(_user(username), name=name, days=days)
    db.session.commit()
    click.echo(token)


def _shown(moment) -> str:
    """Return a time as people in the county read it (TIME_ZONE), or a dash."""
    return localtime.local(moment) or "-"


@tokens.command("list")
@click.argument("username")
def list_tokens(username: str) -> None:
    """列出用户的令牌（县所在时区）· List USERNAME's tokens (times in the county's TIME_ZONE)."""
    now = datetime.now(UTC)
    click.echo(f"{'id':>5}  {'state':8} {'created':16}  {'expires':16}  {'last used':16}  name")
    for token in accounts.tokens_of(_user(username)):
        if token.revoked_at is not None:
            state = "revoked"
        elif token.expires_at is not None and token.expires_at <= now:
            state = "expired"
        else:
            state = "live"
        click.echo(
            f"{token.id:>5}  {state:8} {_shown(token.created_at):16}  {_shown(token.expires_at):16}  "
            f"{_shown(token.last_used_at):16}  {token.name}"
        )


@tokens.command("revoke")
@click.argument("token_id", type=int)
def revoke_token(token_id: int) -> None:
    """吊销令牌（立即生效）· Revoke token TOKEN_ID (see `tokens list`), at once."""
    token = accounts.revoke_token(token_id)
    if token is None:
        raise click.BadParameter(f"no token {token_id} / 没有令牌 {token_id}", param_hint="TOKEN_ID")
    db.session.commit()
    click.echo(f"Token {token_id} ({token.name}) of {token.user.username} revoked.")


def bilingual(command: click.Command) -> None:
    """Give `command`, its options and its subcommands help in Chinese first, then the English.

    The Chinese comes from the one catalogue (app/i18n.py), keyed by the English help;
    help already made bilingual is left alone, so this may run once per app.
    """
    if command.help in i18n.ZH:
        command.help = f"{i18n.ZH[command.help]}\n\n{command.help}"
    for param in command.params:
        if isinstance(param, click.Option) and param.help in i18n.ZH:
            param.help = f"{i18n.ZH[param.help]} {param.help}"
    for subcommand in getattr(command, "commands", {}).values():
        bilingual(subcommand)


def register(app: Flask) -> None:
    """Add the commands to `flask --app app`, their help in Chinese and English."""
    from .exports.cli import export
    from .importers.cli import import_group
    from .jobs_cli import prune_jobs, worker
    from .printing.cli import print_group

    for command in (
        demo,
        demo_users,
        trends,
        users,
        tokens,
        print_group,
        import_group,
        export,
        worker,
        prune_jobs,
    ):
        bilingual(command)
        app.cli.add_command(command)
