# syntax=docker/dockerfile:1
# One image per service and one for the gateway, all from this file and the one uv.lock:
#
#   docker build --build-arg SERVICE=accounts -t dorfmarktplatz/accounts .
#   docker build --build-arg SERVICE=gateway  -t dorfmarktplatz/gateway  .
#
# The build stage installs through deploy/image/install.sh, the README's bootstrap (uv pinned by hash,
# `uv sync --frozen`) narrowed to one service; tests/deploy/test_image.py runs that script in CI. The
# runtime stage gets only the finished virtualenv: no uv, no pip, no compiler; a numeric non-root user;
# nothing written below / at run time (run it with a read-only root filesystem and a tmpfs on /tmp).
# The same image serves (the default command) and migrates or seeds (see docker-compose.yml).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
# The uv cache is a mounted volume: copy out of it rather than hard-link across filesystems.
ENV UV_LINK_MODE=copy
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    test -n "${SERVICE}" && sh deploy/image/install.sh /opt/dorf "${SERVICE}"

FROM ${PYTHON_IMAGE} AS service
ARG SERVICE
RUN python -m pip uninstall --yes --quiet pip setuptools wheel \
 && groupadd --system --gid 10001 dorf \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin dorf
COPY --from=build /opt/dorf/venv /opt/dorf/venv
ENV PATH=/opt/dorf/venv/bin:/usr/local/bin:/usr/bin:/bin \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SERVICE_NAME=${SERVICE}
USER 10001:10001
WORKDIR /tmp
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"]
CMD ["/bin/sh", "-c", "exec python -m launcher.serve \"$SERVICE_NAME\" --host 0.0.0.0 --port 8000"]
