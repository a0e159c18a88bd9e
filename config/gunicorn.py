"""gunicorn settings for the web container: `gunicorn -c config/gunicorn.py config.wsgi:application`.

Requests are logged once, by the application (ops.middleware.RequestLogMiddleware: JSON, with the
request id, without query strings), so gunicorn's own access log is off. X-Forwarded-* headers are
believed only from FORWARDED_ALLOW_IPS: the Caddy proxy's fixed address in docker-compose.yml.
"""

import os

from ops.logconfig import logging_config

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = None
logconfig_dict = logging_config(fmt=os.environ.get("LOG_FORMAT", "json"), level=os.environ.get("LOG_LEVEL", "INFO"))
# gunicorn's own lines (start, workers booting, timeouts) in the same format, once.
logconfig_dict["loggers"]["gunicorn.error"] = {"handlers": ["console"], "propagate": False, "level": "INFO"}
