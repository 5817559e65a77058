# Rebound as a service: `docker run -v ./config:/config -v rebound-data:/data rebound`
FROM python:3.11-slim

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
RUN pip install '.[postgres]' && rm -rf /src

RUN useradd --system --create-home --uid 10001 rebound \
 && mkdir -p /config /data && chown rebound:rebound /data
USER rebound
WORKDIR /home/rebound
VOLUME ["/config", "/data"]

# Exec form: rebound is PID 1 and gets SIGTERM from `docker stop`; it stops within 2 seconds.
STOPSIGNAL SIGTERM
ENTRYPOINT ["rebound"]
CMD ["run"]
