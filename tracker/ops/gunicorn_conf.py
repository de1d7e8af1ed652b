"""gunicorn settings for scripts/serve (`gunicorn -c python:tracker.ops.gunicorn_conf`): bind,
workers, threads and timeout from the tracker's settings (TRACKER_WEB_*), an access log line per
request with its request id and time, and no preloading (each worker opens its own database
connections after the fork)."""

import os
from pathlib import Path

from tracker.config import load_settings

_instance = (
    os.environ.get("TRACKER_INSTANCE_PATH") or Path(__file__).resolve().parents[2] / "instance"
)
_settings = load_settings(str(_instance))

wsgi_app = "tracker:create_app()"
bind = [os.environ.get("TRACKER_SERVE_BIND") or str(_settings.web_bind)]
workers = int(_settings.web_workers)
threads = int(_settings.web_threads)
worker_class = "gthread"
timeout = int(_settings.web_timeout)
graceful_timeout = 30
keepalive = 5
preload_app = False
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "tracker-web"
accesslog = "-"
errorlog = "-"
# client, request line, status, bytes, milliseconds, the app's request id, user agent
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s "%(a)s"'
control_socket_disable = True  # several installations on one host must not share one socket
