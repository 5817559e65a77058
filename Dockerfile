# Rebound as a service: `docker run -v ./config:/config:ro -v rebound-data:/data -e TZ=Europe/Berlin rebound`
# (README, "Docker"). Bookworm: its slim image carries the time zone database that TZ needs.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    REBOUND_CONFIG=/config/config.toml \
    XDG_DATA_HOME=/data

WORKDIR /src
COPY pyproject.toml README.md ./
COPY agent ./agent
COPY templates ./templates
COPY models/pipeline ./models/pipeline
COPY models/rehearsal ./models/rehearsal
# A regular (non-editable) install: the templates and the trained pipeline ship inside the package;
# with the PostgreSQL driver, so the same image serves a `postgresql+psycopg://` [database] url.
# The last step fails the build if TZ could not be honoured (no time zone database in the image).
RUN pip install '.[postgres]' && rm -rf /src \
 && python -c "import zoneinfo; zoneinfo.ZoneInfo('Europe/Berlin')"

# A fixed uid and gid (10001), so a host folder can be given to this user alone:
# `sudo chown -R 10001:10001 config && chmod 700 config && chmod 600 config/config.toml`.
RUN groupadd --system --gid 10001 rebound \
 && useradd --system --uid 10001 --gid 10001 --create-home rebound \
 && mkdir -p /config /data && chown rebound:rebound /data && chmod 700 /data
USER rebound
WORKDIR /home/rebound
VOLUME ["/config", "/data"]

# Healthy while `rebound run` keeps its heartbeat (beside the database in /data): unhealthy once it
# has been failing, or silent past the wait it announced, for 3 × [imap] poll_seconds. The first
# pass reads 30 days of mail and loads the classifier, hence the long start period.
HEALTHCHECK --interval=60s --timeout=30s --start-period=5m --retries=3 CMD ["rebound", "health"]

# Exec form: rebound is PID 1 and gets SIGTERM from `docker stop`; it stops within 2 seconds.
STOPSIGNAL SIGTERM
ENTRYPOINT ["rebound"]
CMD ["run"]
