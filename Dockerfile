# The bot as a container: the wheel, installed with its dependencies from the hashed lock.
#   docker build -t liverbot .
#   docker run -e BOT_TOKEN=... -v liverbot-data:/data liverbot
# No token or secret is baked in: pass them at run time (compose.yaml reads them from .env).

FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN pip install --no-cache-dir "build>=1.2" && python -m build --wheel --outdir /dist .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_DB_PATH=/data/usage.sqlite3
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock \
    && rm /tmp/requirements.lock
COPY --from=build /dist/ /tmp/dist/
RUN pip install --no-cache-dir --no-deps /tmp/dist/liverbot-*.whl && rm -r /tmp/dist \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin \
       liverbot \
    && install -d -o liverbot -g liverbot -m 0700 /data
USER liverbot
WORKDIR /data
VOLUME ["/data"]
# Webhook mode (BOT_WEBHOOK_URL set): the server's /healthz must answer {"ok": true}.
# Polling mode has no port to ask; the check then only proves the interpreter starts.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import json, os, sys, urllib.request\nif not os.environ.get('BOT_WEBHOOK_URL'):\n    sys.exit(0)\nurl = 'http://127.0.0.1:%s/healthz' % os.environ.get('BOT_PORT', '8443')\nwith urllib.request.urlopen(url, timeout=4) as reply:\n    sys.exit(0 if json.load(reply).get('ok') else 1)\n"]
CMD ["liverbot", "run"]
