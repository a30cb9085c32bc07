"""`manage.py export_openapi`: writes the OpenAPI schema the server publishes
at /api/schema/ to docs/openapi.yaml, committed beside the code
(docs/api.md, "The schema"). `--check` writes nothing and fails when the
file differs (tests/test_openapi_export.py does the same in CI).

The output is the same on every machine and run: English (the enums'
descriptions and messages are translated otherwise), validated, and
drf-spectacular sorts paths and components (core/schema.py sorts each
operation's answers)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.validation import validate_schema

DEFAULT_FILE = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"


def render_schema() -> str:
    """The whole schema as YAML text, as docs/openapi.yaml holds it."""
    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)  # an invalid OpenAPI document is an error; drf-spectacular's warnings go to stderr
    return OpenApiYamlRenderer().render(schema, renderer_context={}).decode()


class Command(BaseCommand):
    help = "Write the OpenAPI schema to docs/openapi.yaml (--check: only say whether it is up to date)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEFAULT_FILE), help="Where to write (default docs/openapi.yaml).")
        parser.add_argument("--check", action="store_true", help="Write nothing; fail if the file is stale.")

    def handle(self, *args, file, check, **options):
        path = Path(file)
        text = render_schema()
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(f"{path} is stale: run `manage.py export_openapi` and commit it.")
            self.stdout.write(f"{path} is up to date.")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {path}.")
