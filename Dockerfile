FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/bot.db WEB_HOST=0.0.0.0 WEB_PORT=8080 \
    LOG_FILE=/data/bot.log EXPORT_DIR=/data/exports

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY messages ./messages
RUN pip install --no-cache-dir ".[postgres]" \
    && useradd --system --uid 10001 --home-dir /app bot \
    && mkdir -p /data && chown bot /data

USER bot
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import os,urllib.request;urllib.request.urlopen('http://127.0.0.1:'+os.environ.get('WEB_PORT','8080')+'/healthz',timeout=4)"
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
