#!/bin/sh
# Print the nginx site for Minqing Map: minqing.conf.template with its four values filled in.
#   sh deploy/nginx/render.sh > /etc/nginx/sites-available/minqing                  (a host install)
#   MINQING_UPSTREAM=app:8000 sh render.sh > /etc/nginx/sites-enabled/minqing       (docker compose)
# Only these four names are replaced: nginx's own $variables pass through untouched.
set -eu
export MINQING_LISTEN="${MINQING_LISTEN:-80}"
export MINQING_UPSTREAM="${MINQING_UPSTREAM:-127.0.0.1:8000}"
export MINQING_STATIC="${MINQING_STATIC:-/srv/minqing/app/static}"
export MINQING_CACHE="${MINQING_CACHE:-/var/cache/nginx/minqing}"
# shellcheck disable=SC2016  # the names are for envsubst, not the shell
exec envsubst '${MINQING_LISTEN} ${MINQING_UPSTREAM} ${MINQING_STATIC} ${MINQING_CACHE}' \
    < "$(dirname "$0")/minqing.conf.template"
