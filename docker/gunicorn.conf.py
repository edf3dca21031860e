"""gunicorn settings for the container, from the environment.

Sync workers (DESIGN.md): requests are short and database-bound; scale with WEB_CONCURRENCY per
instance and with more instances behind the load balancer.
"""

from __future__ import annotations

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10
# Workers fork from a loaded application: a restarted worker serves at once, and the import-time
# heap (frozen in when_ready) stays shared between them.
preload_app = True
# Heartbeat files in memory: a container's overlay filesystem can stall workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
errorlog = "-"
# Django trusts X-Forwarded-Proto itself (BEHIND_TLS_PROXY); this only affects gunicorn's logs.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server: object) -> None:
    """In the arbiter, the application loaded, before the first worker is forked."""
    from django.db import connections

    from perf.runtime.heap import settle_heap

    connections.close_all()  # no connection may be shared by forked workers
    settle_heap()


def post_worker_init(worker: object) -> None:
    """In each worker, before its loop: the loop runs with room on the frame stack."""
    from perf.runtime.stack_headroom import run_worker_with_headroom

    run_worker_with_headroom(worker)
