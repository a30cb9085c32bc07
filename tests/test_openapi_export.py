"""docs/openapi.yaml is the schema the server publishes, exported by
`manage.py export_openapi` (issue 16, item 3): CI fails when the committed
file is stale, and the export gives the same bytes whatever the process, the
settings (the test settings or the development ones) or the database it runs
on."""

import difflib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
# Exempt from Idempotency-Key (tests/test_idempotency.py says why).
CREDENTIALS = {"/api/v1/auth/token/", "/api/v1/auth/logout/"}
HOW = "docs/openapi.yaml is stale: run `DEBUG=1 .venv/bin/python manage.py export_openapi` and commit the file"


def differences(expected: str, actual: str) -> str:
    lines = difflib.unified_diff(expected.splitlines(), actual.splitlines(), "committed", "generated", lineterm="")
    return "\n".join(list(lines)[:80])


def test_the_committed_schema_is_the_one_the_command_exports(tmp_path):
    exported = tmp_path / "openapi.yaml"
    call_command("export_openapi", file=str(exported), stdout=io.StringIO())
    committed = COMMITTED.read_text(encoding="utf-8")
    generated = exported.read_text(encoding="utf-8")
    assert generated == committed, f"{HOW}\n{differences(committed, generated)}"


def test_the_export_is_the_same_in_another_process_with_the_development_settings(tmp_path):
    """Another hash seed (set and dict orders), settings.py with DEBUG instead
    of the test settings; `--check` is what a developer runs before committing."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "TESTING"}}
    env.update(DEBUG="1", PYTHONHASHSEED="4711", DJANGO_SETTINGS_MODULE="servicedesk.settings")
    run = subprocess.run([sys.executable, "manage.py", "export_openapi", "--check"], cwd=settings.BASE_DIR,
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"{HOW}\n{run.stdout}{run.stderr[-3000:]}"
    assert "is up to date" in run.stdout


def test_check_fails_on_a_stale_file(tmp_path):
    stale = tmp_path / "openapi.yaml"
    stale.write_text(COMMITTED.read_text(encoding="utf-8").replace("servicedesk API", "an older title"))
    with pytest.raises(Exception, match="is stale"):
        call_command("export_openapi", file=str(stale), check=True, stdout=io.StringIO())


def test_every_operation_documents_its_errors_with_their_bodies():
    """The central rules of servicedesk/core/schema.py, read from the file partners get."""
    schema = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    responses = schema["components"]["responses"]
    errors = schema["components"]["schemas"]
    assert errors["Error"]["required"] == ["detail", "code"]
    assert errors["TransitionError"]["required"] == ["detail", "code", "state", "allowed"]
    assert responses["Throttled"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            name = f"{method.upper()} {path}"
            assert {"400", "429"} <= codes, name
            if path != "/api/v1/auth/token/":
                assert {"401", "403"} <= codes, name
            if "{" in path:
                assert "404" in codes, name
            if "{" in path and method == "post":
                assert "409" in codes, name
            if method == "post" and path not in CREDENTIALS:
                assert "422" in codes, name
                assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"]), name
            for code in codes - {"200", "201", "202", "204"}:
                answer = operation["responses"][code]
                answer = responses[answer["$ref"].rsplit("/", 1)[1]] if "$ref" in answer else answer
                assert "application/json" in answer["content"], f"{name} {code}"
