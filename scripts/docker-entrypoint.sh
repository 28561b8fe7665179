#!/bin/sh
# Container entry point: bring the schema up to date, then hand over to the command (gunicorn by default).
set -eu
cd /srv/minqing
flask --app app db upgrade
exec "$@"
