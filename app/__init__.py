"""Minqing Map (民情地图): the people's sentiment map service."""

import secrets

from flask import Flask

from . import config


def create_app(test_config: dict | None = None) -> Flask:
    """Create the application: settings, extensions, blueprints, errors, CLI."""
    app = Flask(__name__)
    app.config.from_object(config.Defaults)
    app.config.update(config.from_environment())
    if test_config:
        app.config.update(test_config)
    if not app.config["SECRET_KEY"]:
        # Sessions then last only as long as this process: fine for `make run`, not for production.
        app.logger.warning("SECRET_KEY is not set; using a random one for this process")
        app.config["SECRET_KEY"] = secrets.token_hex(32)

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

    from . import api, area_maps, auth, dashboard, pages

    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(area_maps.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(api.bp)

    from . import basemap, tiles

    app.register_blueprint(tiles.bp)
    app.register_blueprint(basemap.bp)

    from .ogc import views as ogc

    app.register_blueprint(ogc.bp)

    from .printing import views as printing

    app.register_blueprint(printing.bp)

    from .exports import views as exports

    app.register_blueprint(exports.bp)

    from .importers import views as imports

    app.register_blueprint(imports.bp)

    from . import job_views

    app.register_blueprint(job_views.bp)

    from . import work

    app.register_blueprint(work.bp)

    from . import demands

    app.register_blueprint(demands.bp)

    from . import open311

    app.register_blueprint(open311.bp)
    from . import photos

    app.register_blueprint(photos.bp)

    from . import member_views

    app.register_blueprint(member_views.bp)

    from . import audit, errors, front, i18n, jobs, localtime, versions

    front.register(app)
    errors.register(app)
    versions.register(app)
    audit.register(app)
    app.jinja_env.globals.update(_=i18n.gettext, language=i18n.language, submission_key=jobs.submission_key)
    app.jinja_env.filters["localtime"] = localtime.local

    from . import cli

    cli.register(app)
    return app
