"""gunicorn for Minqing Map behind nginx (deploy/nginx): `gunicorn -c deploy/gunicorn.conf.py`.

Chosen by measurement on the 2-core machine (README, "Benchmarks": python -m bench.load); the
command line and WEB_CONCURRENCY / GUNICORN_THREADS override them.
"""

import os

wsgi_app = "app:create_app()"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]

# Threads, because a request mostly waits for PostGIS; processes, because Python holds one core
# per process. nginx takes slow clients off the threads, so few suffice.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))

# nginx keeps idle upstream connections for 60 s: gunicorn waits longer, so nginx, never gunicorn,
# closes an idle one (gunicorn's default 2 s reset connections nginx was about to reuse).
keepalive = 75

# gthread workers report alive from their main loop, not per request, so a long export in one
# thread does not get its worker killed; this bounds a worker that stopped altogether.
timeout = 120
graceful_timeout = 30

# A restart after this many requests (staggered by the jitter) bounds what a worker's caches and
# fragmentation may grow to; nginx retries nothing lost, as a worker finishes its requests first.
max_requests = 20_000
max_requests_jitter = 2_000

# nginx logs every request; gunicorn logs only errors.
accesslog = None
errorlog = "-"
loglevel = "warning"

# One control socket per user home would be shared by every gunicorn of that user; none is needed.
control_socket_disable = True
