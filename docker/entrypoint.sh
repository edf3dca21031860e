#!/bin/sh
# Container entrypoint: optionally migrate, then replace this shell with gunicorn.
#
# RUN_MIGRATIONS=1 runs `migrate --noinput` first. With several replicas, set it on one
# (or run migrations as a separate release step) so two instances never migrate at once.
# Any arguments run instead of gunicorn, e.g. `docker run IMAGE python manage.py createsuperuser`.
set -eu
cd "$(dirname "$0")/.."

if [ "${RUN_MIGRATIONS:-0}" = "1" ]; then
  python manage.py migrate --noinput
fi

if [ "$#" -gt 0 ]; then
  exec "$@"
fi
exec gunicorn --config docker/gunicorn.conf.py config.wsgi:application
