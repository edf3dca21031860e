# syntax=docker/dockerfile:1
# Ruamkhid production image: gunicorn serving config.wsgi, whitenoise serving static files.
#
#   docker build -t ruamkhid .
#   docker run -p 8000:8000 -e SECRET_KEY=... -e ALLOWED_HOSTS=api.example.org \
#     -e DATABASE_URL=postgres://... -e RUN_MIGRATIONS=1 ruamkhid
#
# Python 3.11 matches the interpreter requirements.lock was compiled for.

ARG PYTHON_IMAGE=python:3.11-slim

# --- builder: the locked dependencies in a virtualenv --------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build
COPY requirements.lock pyproject.toml ./
# Runtime dependencies from pyproject.toml, every version pinned by requirements.lock (used as
# constraints, so the lock's test and lint tools stay out of the image).
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > runtime.txt \
 && pip install --constraint requirements.lock --requirement runtime.txt \
 && pip check

# --- runtime -------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DEBUG=0 \
    PORT=8000 \
    WEB_CONCURRENCY=2 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media
RUN groupadd --system --gid 10001 ruamkhid \
 && useradd --system --uid 10001 --gid ruamkhid --home-dir /app --shell /usr/sbin/nologin ruamkhid
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# Source stays owned by root: the app user can read it but not change it.
COPY . .
# The key below exists only in this RUN's environment (never an ENV or ARG), so it is not in the
# image's configuration; with DEBUG=0 the settings refuse to start without a real SECRET_KEY.
RUN SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789abcdef \
    DEBUG=0 ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/media \
 && chown ruamkhid:ruamkhid /app/media \
 && chmod 0755 docker/entrypoint.sh
USER 10001:10001
EXPOSE 8000
# urllib, not curl: the slim image has no curl. A 503 (database down) raises, failing the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)" || exit 1
ENTRYPOINT ["/app/docker/entrypoint.sh"]
