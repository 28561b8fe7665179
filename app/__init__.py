"""Minqing Map (民情地图): the people's sentiment map service."""

import secrets

from flask import Blueprint, Flask

from . import config


def create_app(test_config: dict | None = None) -> Flask:
    """Create the application: settings, extensions, blueprints, errors, CLI."""
    app = Flask(__name__)
    _configure(app, test_config)

    from . import entry, security_headers

    # Before every other hook, so neither CSRF, login nor any view sees a malformed request.
    entry.register(app)
    security_headers.register(app)

    from . import replica
    from .extensions import csrf, db, login_manager, migrate

    replica.register(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)

    for blueprint in _blueprints():
        app.register_blueprint(blueprint)

    from . import audit, cli, errors, front, i18n, jobs, localtime, versions

    front.register(app)
    errors.register(app)
    versions.register(app)
    audit.register(app)
    app.jinja_env.globals.update(_=i18n.gettext, language=i18n.language, submission_key=jobs.submission_key)
    app.jinja_env.filters["localtime"] = localtime.local
    cli.register(app)
    return app


def _configure(app: Flask, test_config: dict | None) -> None:
    """Settings: the defaults, then the environment, then a test's; a random key if none is set."""
    app.config.from_object(config.Defaults)
    app.config.update(config.from_environment())
    if test_config:
        app.config.update(test_config)
    if not app.config["SECRET_KEY"]:
        # Sessions then last only as long as this process: fine for `make run`, not for production.
        app.logger.warning("SECRET_KEY is not set; using a random one for this process")
        app.config["SECRET_KEY"] = secrets.token_hex(32)


def _blueprints() -> list[Blueprint]:
    """Every capability's routes (imported here, after the extensions exist)."""
    from . import (
        api,
        area_maps,
        auth,
        basemap,
        dashboard,
        demands,
        job_views,
        member_views,
        open311,
        pages,
        photos,
        tiles,
        work,
    )
    from .exports import views as exports
    from .importers import views as imports
    from .ogc import views as ogc
    from .printing import views as printing

    modules = (auth, pages, area_maps, dashboard, api, tiles, basemap, ogc, printing, exports, imports)
    modules += (job_views, work, demands, open311, photos, member_views)
    return [module.bp for module in modules]
