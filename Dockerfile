# The production image. The web app (gunicorn), the Celery worker and Celery
# beat all run from it; docker-compose.yml chooses the command. See
# docs/deployment.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext: compilemessages runs msgfmt to turn locale/*.po into .mo files.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Runtime dependencies only (requirements-dev.txt is for the tests).
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Translations and static files are built into the image. The key below only
# lets the settings load for these two commands; it is not in the image's
# environment and never used at run time, where SECRET_KEY must be set.
# SERVICEDESK_VAR_DIR keeps the embedded-mode folders out of /app.
RUN export SECRET_KEY=build-only-not-a-secret SERVICEDESK_VAR_DIR=/tmp/build-var \
 && if [ -d locale ]; then python manage.py compilemessages --ignore=.venv; fi \
 && python manage.py collectstatic --noinput \
 && rm -rf /tmp/build-var

# The code stays owned by root and read-only to the user the processes run as.
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /app servicedesk
USER servicedesk

EXPOSE 8000
# No control socket: its default place, $HOME/.gunicorn, is not writable here.
CMD ["gunicorn", "servicedesk.wsgi:application", "--bind=0.0.0.0:8000", "--access-logfile=-", "--no-control-socket"]
