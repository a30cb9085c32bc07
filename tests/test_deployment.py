"""The production deployment (Dockerfile, docker-compose.yml, docs/deployment.md)
checked against the project, since Docker does not run where the tests run.

Read statically: every command a service or the image runs names something
that exists (the WSGI module, the Celery app, the beat scheduler, manage.py
commands, files); every variable compose sets is read by the settings or by
the program or image it is given to; every service has a health check or
waits for one that has.

Run for real: the compose commands themselves, with the compose environment
(DEBUG=0, the HTTPS settings on), against a scratch SQLite database:
`check --deploy` is clean, gunicorn answers the web health check and serves
pages with the collected static files, the Celery worker answers its health
check, and beat writes its schedule to the database."""

import importlib
import inspect
import json
import os
import re
import secrets
import shlex
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

REPO = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
# Services run from the project's image (the others run a public image).
APP_SERVICES = sorted(name for name, s in SERVICES.items() if "build" in s)
IMAGE_SERVICES = sorted(name for name, s in SERVICES.items() if "build" not in s)
WORKDIR = "/app"  # the Dockerfile's WORKDIR: the repository's root inside the image

# Variables the public images read (their documentation), by image name.
IMAGE_VARIABLES = {
    "postgres": {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_INITDB_ARGS", "PGDATA"},
    "redis": set(),
}

ENV_READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|env_bool|env_list|os\.environ\[)\(?\s*["']([A-Z][A-Z0-9_]*)["']"""
)
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def names_read_by(source: str) -> set[str]:
    return set(ENV_READ.findall(source))


SETTINGS_READS = names_read_by((REPO / "servicedesk" / "settings.py").read_text())


def gunicorn_reads() -> set[str]:
    import gunicorn.config

    return names_read_by(inspect.getsource(gunicorn.config))


def argv_of(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def healthcheck_argv(service) -> list[str]:
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        return shlex.split(test.replace("$$", "$"))
    if test[0] == "CMD-SHELL":
        return shlex.split(test[1].replace("$$", "$"))
    assert test[0] == "CMD", test
    return [part.replace("$$", "$") for part in test[1:]]


def repo_path(path: str) -> Path:
    """A path inside the image, as a path in the repository."""
    if path.startswith(WORKDIR + "/"):
        path = path[len(WORKDIR) + 1:]
    return REPO / path


def requirements() -> set[str]:
    names = set()
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            names.add(re.split(r"[\[<>=!~ ]", line, maxsplit=1)[0].lower())
    return names


def assert_runs_something_real(argv: list[str]):
    """The program exists in the image (installed from requirements.txt or
    Python itself) and what it is told to load exists in the project."""
    program = argv[0]
    if program == "python":
        target = argv[1]
        if target == "manage.py":
            assert argv[2] in get_commands(), f"manage.py has no command {argv[2]!r}"
        else:
            assert repo_path(target).is_file(), f"{target} is not in the repository"
    elif program == "gunicorn":
        assert "gunicorn" in requirements()
        targets = [a for a in argv[1:] if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", a)]
        assert len(targets) == 1, argv
        module, attribute = targets[0].split(":")
        application = getattr(importlib.import_module(module), attribute)
        assert callable(application)
    elif program == "celery":
        from celery import Celery
        from celery.app.utils import find_app
        from celery.utils.imports import symbol_by_name

        assert "celery" in requirements()
        app = find_app(argv[argv.index("-A") + 1])
        assert isinstance(app, Celery) and app.main == "servicedesk"
        subcommand = argv[argv.index("-A") + 2]
        assert subcommand in {"worker", "beat", "inspect"}, argv
        if "--scheduler" in argv:
            scheduler = symbol_by_name(argv[argv.index("--scheduler") + 1])
            assert inspect.isclass(scheduler)
            assert argv[argv.index("--scheduler") + 1] == settings.CELERY_BEAT_SCHEDULER
    else:
        pytest.fail(f"unexpected program {program!r} in {argv}")


# --- docker-compose.yml, read ------------------------------------------------


def test_compose_runs_the_database_broker_web_worker_and_beat():
    assert set(SERVICES) >= {"postgres", "redis", "web", "worker", "beat"}
    assert SERVICES["postgres"]["image"] == "postgres:16"
    assert SERVICES["redis"]["image"] == "redis:7"
    assert argv_of(SERVICES["web"]["command"])[:2] == ["gunicorn", "servicedesk.wsgi:application"]
    assert argv_of(SERVICES["worker"]["command"])[:4] == ["celery", "-A", "servicedesk", "worker"]
    assert argv_of(SERVICES["beat"]["command"])[:4] == ["celery", "-A", "servicedesk", "beat"]
    # Exactly one beat, or every periodic task is queued twice; no pid file,
    # since the image's user may not write to /app.
    assert "deploy" not in SERVICES["beat"] or SERVICES["beat"]["deploy"].get("replicas", 1) == 1
    assert "--pidfile=" in argv_of(SERVICES["beat"]["command"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_app_service_command_names_something_that_exists(name):
    assert_runs_something_real(argv_of(SERVICES[name]["command"]))


@pytest.mark.parametrize("name", [n for n in APP_SERVICES if "healthcheck" in SERVICES[n]])
def test_every_app_health_check_names_something_that_exists(name):
    assert_runs_something_real(healthcheck_argv(SERVICES[name]))


def test_the_settings_read_the_variables_this_test_expects():
    # Guards the parsing below: if this fails, ENV_READ no longer finds them.
    assert {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "TIME_ZONE"} <= SETTINGS_READS


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_variable_an_app_service_sets_is_read_by_the_settings(name):
    service = SERVICES[name]
    read = SETTINGS_READS | (gunicorn_reads() if argv_of(service["command"])[0] == "gunicorn" else set())
    assert set(service["environment"]) - read == set()
    # Production: DEBUG off, the secret from the operator, never a default.
    env = service["environment"]
    assert env["DEBUG"] == "0"
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]*\}", env["SECRET_KEY"]), env["SECRET_KEY"]
    assert {"DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "TIME_ZONE"} <= set(env)


@pytest.mark.parametrize("name", IMAGE_SERVICES)
def test_every_variable_an_image_service_sets_is_read_by_its_image(name):
    image = SERVICES[name]["image"].split(":")[0]
    assert set(SERVICES[name].get("environment", {})) <= IMAGE_VARIABLES[image]


def test_every_interpolated_variable_is_read_by_someone():
    text = (REPO / "docker-compose.yml").read_text()
    names = {m.group(1) for m in INTERPOLATION.finditer(text)}
    image_variables = set().union(*IMAGE_VARIABLES.values())
    assert names, "no ${VAR} found: the pattern no longer matches the file"
    assert names - SETTINGS_READS - image_variables - gunicorn_reads() == set()
    # The secrets have no default: compose refuses to start without them.
    for secret in ("SECRET_KEY", "POSTGRES_PASSWORD"):
        forms = {(m.group(2), m.group(3)) for m in INTERPOLATION.finditer(text) if m.group(1) == secret}
        assert forms and all(op == ":?" for op, _ in forms), (secret, forms)


def test_the_example_env_file_names_only_variables_compose_uses():
    text = (REPO / "docker-compose.yml").read_text()
    used = {m.group(1) for m in INTERPOLATION.finditer(text)}
    example = (REPO / "docker" / "env.example").read_text()
    named = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, flags=re.M))
    assert named <= used
    assert {"SECRET_KEY", "POSTGRES_PASSWORD", "ALLOWED_HOSTS", "SITE_URL"} <= named


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_is_health_checked_or_waits_for_one_that_is(name):
    service = SERVICES[name]
    depends = service.get("depends_on", {})
    assert isinstance(depends, dict), "depends_on needs conditions, not a bare list"
    for dependency, rule in depends.items():
        condition = rule["condition"]
        if condition == "service_healthy":
            assert "healthcheck" in SERVICES[dependency], dependency
        else:
            assert condition == "service_completed_successfully", (dependency, condition)
            assert SERVICES[dependency].get("restart") == "no", f"{dependency} is one-shot: restart must be no"
    assert "healthcheck" in service or any(r["condition"] == "service_healthy" for r in depends.values())
    if service.get("restart") != "no":
        assert service.get("restart") in {"always", "unless-stopped", "on-failure"}


def test_app_services_start_after_the_database_broker_and_migrations():
    for name in ("web", "worker", "beat"):
        depends = SERVICES[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert argv_of(SERVICES["migrate"]["command"]) == ["python", "manage.py", "migrate", "--noinput"]


def test_the_web_health_check_asks_for_healthz_which_the_app_serves():
    from django.urls import resolve

    argv = healthcheck_argv(SERVICES["web"])
    script = repo_path(argv[1]).read_text()
    assert "/healthz" in script
    assert resolve("/healthz").url_name == "healthz"


# --- Dockerfile and .dockerignore, read ----------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (REPO / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in text.splitlines() if line.strip()]


def test_dockerfile_builds_from_python_slim_with_runtime_requirements_only():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    runs = " ".join(arg for op, arg in instructions if op == "RUN")
    assert "pip install -r requirements.txt" in runs
    assert "requirements-dev" not in runs
    assert "gettext" in runs and "compilemessages" in runs
    assert "collectstatic --noinput" in runs
    assert ("WORKDIR", WORKDIR) in instructions
    users = [arg for op, arg in instructions if op == "USER"]
    assert users and users[-1] not in {"root", "0"}
    # The build-time key must not stay in the image's environment.
    assert not any(op == "ENV" and "SECRET_KEY" in arg for op, arg in instructions)


def test_dockerfile_copies_what_exists_and_runs_what_exists():
    for op, arg in dockerfile_instructions():
        if op in {"COPY", "ADD"}:
            parts = [p for p in shlex.split(arg) if not p.startswith("--")]
            for source in parts[:-1]:
                assert (REPO / source).exists(), f"COPY source {source} does not exist"
        if op in {"CMD", "ENTRYPOINT"}:
            assert_runs_something_real(json.loads(arg))


def dockerignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` (relative to the repository) out of
    the build context: a pattern matching the path or one of its folders."""
    patterns = [p.strip() for p in (REPO / ".dockerignore").read_text().splitlines()]
    patterns = [p for p in patterns if p and not p.startswith("#")]
    assert not any(p.startswith("!") for p in patterns), "extend dockerignored() for ! patterns"
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        if pattern.startswith("**/"):
            tail = pattern[3:]
            if any(
                fnmatch("/".join(parts[i:j]), tail) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)
            ):
                return True
        elif any(fnmatch(prefix, pattern) for prefix in prefixes):
            return True
    return False


def test_dockerignore_keeps_secrets_and_local_state_out_and_the_app_in():
    for path in (".env", ".git/config", ".venv/bin/python", "var/servicedesk.sqlite3", "staticfiles/x.css",
                 "servicedesk/__pycache__/settings.cpython-311.pyc"):
        assert dockerignored(path), path
    needed = ["manage.py", "requirements.txt", "servicedesk/settings.py", "servicedesk/wsgi.py", "static",
              "locale", "templates"]
    needed += [str(repo_path(a).relative_to(REPO)) for n in APP_SERVICES if "healthcheck" in SERVICES[n]
               for a in healthcheck_argv(SERVICES[n]) if a.startswith(WORKDIR + "/")]
    needed += [app.split(".")[0] for app in settings.INSTALLED_APPS if (REPO / app.split(".")[0]).is_dir()]
    for path in needed:
        assert not dockerignored(path), path


# --- the run and test commands ----------------------------------------------


def test_run_and_test_commands_exist_and_ci_runs_the_test_command():
    for name in ("bin/run", "bin/test", ".ci/run"):
        path = REPO / name
        assert path.is_file() and os.access(path, os.X_OK), name
    lines = [line.strip() for line in (REPO / ".ci/run").read_text().splitlines()]
    assert any(re.fullmatch(r"exec bin/test(\s.*)?", line) for line in lines)


# --- the compose commands, run ----------------------------------------------

INTERPOLATION_VALUES = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "POSTGRES_PASSWORD": "unused-here",
    "ALLOWED_HOSTS": "example.com",
    "SITE_URL": "https://example.com",
}


def interpolate(value: str) -> str:
    def one(match):
        name, op, default = match.group(1), match.group(2), match.group(3)
        if name in INTERPOLATION_VALUES:
            return INTERPOLATION_VALUES[name]
        if op == ":-":
            return default
        raise AssertionError(f"${{{name}}} has no default and no value here")

    return INTERPOLATION.sub(one, value)


def compose_environment(name, scratch: Path, **overrides) -> dict:
    """The service's environment as compose would give it, with the database
    a scratch SQLite file and no Redis unless asked (the host names postgres
    and redis exist only inside compose)."""
    # As in a container: only the service's own variables, nothing the test run set.
    env = {key: value for key, value in os.environ.items() if key in {"HOME", "LANG", "LC_ALL", "TMPDIR"}}
    env.update({key: interpolate(str(value)) for key, value in SERVICES[name]["environment"].items()})
    env.pop("REDIS_URL")
    env.update(
        DJANGO_SETTINGS_MODULE="servicedesk.settings",
        DATABASE_URL=f"sqlite:///{scratch / 'db.sqlite3'}",
        SERVICEDESK_VAR_DIR=str(scratch / "var"),
        STATIC_ROOT=str(scratch / "staticfiles"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    env.update(overrides)
    assert "TESTING" not in env and "DEBUG" in env
    return env


def run(argv, env, **kwargs):
    if argv[0] == "python":
        argv = [sys.executable, *argv[1:]]
    return subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A deployment's state, as the image build and the migrate service
    leave it: static files collected with the production storage, schema
    migrated (here on SQLite)."""
    path = tmp_path_factory.mktemp("deployment")
    env = compose_environment("migrate", path)
    collected = run(["python", "manage.py", "collectstatic", "--noinput"], env)
    assert collected.returncode == 0, collected.stderr
    migrated = run(argv_of(SERVICES["migrate"]["command"]), env)
    assert migrated.returncode == 0, migrated.stderr
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A compose command started as a subprocess, stopped at the end."""

    def __init__(self, argv, env, log: Path):
        self.log = log
        self.handle = log.open("w")
        self.proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=self.handle, stderr=subprocess.STDOUT)

    def wait_until(self, predicate, *, limit=90):
        """Poll `predicate` until it holds; readiness, not speed, is tested."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"exited {self.proc.returncode}:\n{self.log.read_text()[-3000:]}"
            if predicate():
                return True
            time.sleep(0.5)
        pytest.fail(f"not ready after {limit} s:\n{self.log.read_text()[-3000:]}")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.handle.close()


def test_check_deploy_is_clean_with_the_compose_environment(scratch):
    env = compose_environment("web", scratch)
    result = run(["python", "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr.strip() == ""


def http_get(port, path, headers):
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_web_command_passes_its_health_check_and_serves_pages_over_the_proxy(scratch, tmp_path):
    port = free_port()
    argv = [
        a if not a.startswith("--bind") else f"--bind=127.0.0.1:{port}" for a in argv_of(SERVICES["web"]["command"])
    ]
    env = compose_environment("web", scratch, WEB_CONCURRENCY="2")
    check_argv = [sys.executable, str(repo_path(healthcheck_argv(SERVICES["web"])[1])), f"http://127.0.0.1:{port}/healthz"]

    # Nothing listening yet: unhealthy.
    assert subprocess.run(check_argv, env=env, capture_output=True).returncode == 1

    web = Process(argv, env, tmp_path / "web.log")
    try:
        web.wait_until(lambda: subprocess.run(check_argv, env=env, capture_output=True).returncode == 0)

        # The health check names an allowed host; any other Host is refused.
        status, _, _ = http_get(port, "/healthz", {"Host": "localhost"})
        assert status == 400
        # Plain HTTP is redirected to HTTPS, except the health check.
        status, headers, _ = http_get(port, "/accounts/login/", {"Host": "example.com"})
        assert status == 301 and headers["Location"] == "https://example.com/accounts/login/"
        # Behind the TLS proxy: the page renders, with HSTS, and its static
        # files come from the collected, hashed copies.
        proxied = {"Host": "example.com", "X-Forwarded-Proto": "https"}
        status, headers, body = http_get(port, "/accounts/login/", proxied)
        assert status == 200, body[:2000]
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        static_urls = re.findall(rb'/static/[^"\']+\.[0-9a-f]{12}\.(?:css|js)', body)
        assert static_urls, body[:2000]
        for url in static_urls:
            status, _, _ = http_get(port, url.decode(), proxied)
            assert status == 200, url
    finally:
        web.stop()


def test_worker_command_passes_its_health_check(scratch, tmp_path, redis_url):
    # A database of its own on the Redis server, so no other test's tasks meet this worker.
    broker = urllib.parse.urlsplit(redis_url)._replace(path="/13").geturl()
    hostname = socket.gethostname()  # Docker sets HOSTNAME to the container's host name
    env = compose_environment("worker", scratch, REDIS_URL=broker, HOSTNAME=hostname)
    check = [a.replace("$HOSTNAME", hostname) for a in healthcheck_argv(SERVICES["worker"])]
    assert f"celery@{hostname}" in check  # it pings this container's worker, not any

    # No worker yet: unhealthy (with a shorter wait for the reply than compose's).
    assert run([*check[:-1], "2"] if check[-2] == "--timeout" else check, env).returncode != 0
    worker = Process(argv_of(SERVICES["worker"]["command"]), env, tmp_path / "worker.log")
    try:
        worker.wait_until(lambda: run(check, env).returncode == 0)
    finally:
        worker.stop()


# What the migrations schedule in django-celery-beat's tables (deadlines/0004,
# calls/0004), by task: (every, period, expire_seconds). Beat reads these rows,
# not CELERY_BEAT_SCHEDULE; a task scheduled nowhere else would never run.
PERIODIC_TASKS = {
    "deadlines.sweep": (15, "seconds", 60),  # the escalation sweep (contract: Escalation)
    "notifications.redeliver_pending": (60, "seconds", None),
    "calls.close_stale_rings": (60, "seconds", 60),
    "webhooks.deliver_due": (10, "seconds", 10),  # partner webhooks' retries and safety net
    "messaging.send_due": (30, "seconds", 30),  # messages to the customer: retries, claims of killed workers
    "core.purge_idempotency_keys": (1, "hours", 3600),  # Idempotency-Key answers past their 24 hours
    "measures.mail_monthly_report": (1, "hours", 3600),  # last month's after-sales report to managers, on the 1st
    "documents.remove_orphan_files": (1, "days", 3600),  # files a rolled-back transaction left behind
}


def test_the_migrations_schedule_the_periodic_tasks_and_the_worker_knows_them(scratch):
    with sqlite3.connect(scratch / "db.sqlite3", timeout=20) as db:
        rows = db.execute(
            "SELECT t.task, i.every, i.period, t.expire_seconds, t.enabled, t.one_off,"
            " t.crontab_id, t.solar_id, t.clocked_id"
            " FROM django_celery_beat_periodictask t"
            " LEFT JOIN django_celery_beat_intervalschedule i ON i.id = t.interval_id").fetchall()
    assert sorted(rows) == sorted(
        (task, every, period, expires, 1, 0, None, None, None)
        for task, (every, period, expires) in PERIODIC_TASKS.items())
    # The task names the worker registers when it starts (it imports every
    # app's tasks module the same way), with the worker's environment.
    registered = run(["python", "-c", "import json; from servicedesk.celery import app; "
                      "app.loader.import_default_modules(); print(json.dumps(sorted(app.tasks)))"],
                     compose_environment("worker", scratch))
    assert registered.returncode == 0, registered.stderr
    assert set(PERIODIC_TASKS) - set(json.loads(registered.stdout)) == set()


def test_beat_command_keeps_its_schedule_in_the_database(scratch, tmp_path):
    env = compose_environment("beat", scratch)
    expected = {"celery.backend_cleanup", *getattr(settings, "CELERY_BEAT_SCHEDULE", {})}

    def scheduled():
        with sqlite3.connect(scratch / "db.sqlite3", timeout=20) as db:
            return {row[0] for row in db.execute("SELECT name FROM django_celery_beat_periodictask")}

    beat = Process(argv_of(SERVICES["beat"]["command"]), env, tmp_path / "beat.log")
    try:
        beat.wait_until(lambda: expected <= scheduled())
    finally:
        beat.stop()


def test_the_deployment_guide_names_every_variable_the_settings_read():
    """docs/deployment.md is the operator's list: a variable added to the
    settings must be added to its table too."""
    guide = (REPO / "docs" / "deployment.md").read_text()
    missing = {name for name in SETTINGS_READS - {"TESTING"} if f"`{name}`" not in guide}
    assert missing == set(), f"add these to the Settings table of docs/deployment.md: {sorted(missing)}"


@pytest.mark.parametrize("document", ["README.md", "docs/deployment.md", "docs/api.md", "docs/architecture.md"])
def test_the_documents_link_only_to_files_that_exist(document):
    """A newcomer follows these links first: each relative one must lead somewhere."""
    text = (REPO / document).read_text()
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    relative = [link for link in links if not re.match(r"[a-z]+:", link)]
    missing = [link for link in relative if not ((REPO / document).parent / link).exists()]
    assert missing == [], f"{document} links to missing files: {missing}"
