"""gunicorn settings, read from the same GAS_* environment as the app."""

from gas_shared.runtime.settings import load
from web.settings import WebSettings

_settings = load(WebSettings)

bind = f"{_settings.http_host}:{_settings.http_port}"
workers = _settings.web_workers
worker_class = "gthread"
threads = 4
timeout = 60
graceful_timeout = 25  # inside Kubernetes' default 30 s termination grace
control_socket_disable = True  # one fixed socket path per user would collide between stacks; unused
accesslog = "-"
# The path without its query: a sign-in callback's query holds the Globus code and state, and the explorer's
# the user's filters.
access_log_format = ('{"remote": "%(h)s", "request": "%(m)s %(U)s", "status": %(s)s, "bytes": "%(b)s", '
                     '"ms": %(M)s}')
