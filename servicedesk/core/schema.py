"""The OpenAPI schema as the server answers (issue 16, item 3), in one
place for every endpoint, present and future.

The error answers: an endpoint documents only its success; what can go
wrong follows from what the operation is, by the rules below, with the body
each error has (contract: Error codes; docs/api.md, Errors).

| status | documented on | why it can happen there |
|---|---|---|
| 400 | every operation | a malformed address or query string (core/input_guard.py), bad filters or body |
| 401 | every operation whose view authenticates | no token, a wrong or expired one |
| 403 | every operation that is not open to anybody | the role may not do this |
| 404 | an object's address (a path parameter); a paginated list | no such object (or not visible); no such page |
| 409 | a POST on an object's address (its actions) | the state does not allow the action |
| 413 | an operation with a request body | a body over DATA_UPLOAD_MAX_MEMORY_SIZE |
| 422 | a POST of an idempotent view | an Idempotency-Key used again with another body |
| 429 | every operation with a throttle | too many requests (Retry-After) |

A view's own `extend_schema` responses stay as they are; an error answer it
names without a body gets the body here. `servicedesk.core.schema.AutoSchema`
is DRF's DEFAULT_SCHEMA_CLASS, so new endpoints get all this without a
decorator. The answers are sorted by status, so the exported schema
(docs/openapi.yaml, `manage.py export_openapi`) does not depend on the order a
view lists them in.

The fields of model serializers: as nullable and as blank in answers as
their model columns, and integers bounded as in PostgreSQL wherever the
schema is generated (`AutoSchema._map_serializer_field`)."""

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.backends.base.operations import BaseDatabaseOperations
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from .idempotency import HEADER, MAX_KEY_LENGTH, IdempotentPostMixin

ERROR = {
    "type": "object",
    "description": "An error that is not a field error: match on `code`, `detail` follows Accept-Language.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "A stable snake_case identifier (docs/api.md, Errors)."},
        "field": {"type": "string", "description": "Malformed input: the dotted path of the value in the body."},
        "parameter": {"type": "string", "description": "Malformed input: the query or form parameter's name."},
    },
    "required": ["detail", "code"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Field errors: every field in error by name, with its messages (nested for nested objects, "
                   "a list with one entry per item for lists).",
    "additionalProperties": {"anyOf": [
        {"type": "array", "items": {}},
        {"type": "object", "additionalProperties": {}},
    ]},
    "minProperties": 1,
}
TRANSITION_ERROR = {
    "type": "object",
    "description": "The current state does not allow the action. Some codes add what is missing "
                   "(`missing`) or the month a factory return rolled to (`month`).",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "state": {"type": "string", "description": "The object's state now."},
        "allowed": {"type": "array", "items": {"type": "string"},
                    "description": "The actions this state allows (whatever the role)."},
    },
    "required": ["detail", "code", "state", "allowed"],
}

COMPONENTS = {"Error": ERROR, "FieldErrors": FIELD_ERRORS, "TransitionError": TRANSITION_ERROR}

DESCRIPTIONS = {
    "400": "Bad input: field errors by name, or `detail` and `code`",
    "401": "Not authenticated: no token, a wrong one, or one that expired",
    "403": "The role may not do this",
    "404": "No such object, or not one this user may see",
    "409": "The state does not allow it: `state` and the `allowed` actions",
    "413": "The body is over the size limit",
    "422": "The Idempotency-Key was used with another body",
    "429": "Too many requests: wait Retry-After seconds",
}
RESPONSE_NAMES = {"400": "BadRequest", "401": "NotAuthenticated", "403": "PermissionDenied", "404": "NotFound",
                  "409": "InvalidTransition", "413": "TooLarge", "422": "IdempotencyKeyReused",
                  "429": "Throttled"}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        if self._is_idempotent_post():
            operation.setdefault("parameters", []).append({
                "in": "header", "name": HEADER, "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
                "description": "A repeat with the same key within 24 hours answers what the first answered.",
            })
        responses = operation["responses"]
        for code, response in responses.items():
            if code in DESCRIPTIONS and "content" not in response:  # the view named it, without a body
                response.update(self._error_response(code, response.get("description")))
        for code in self._error_codes(operation):
            if code not in responses:
                responses[code] = self._response_component(code)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """A field of a model serializer as its model column is (issue 16:
        null answered where a string was documented, "" outside an enum):

        - in answers, nullable when the column, or a relation on the way to
          it, may be null (a declared `AwareDateTimeField(read_only=True)` or
          `source="owner.username"` does not say so), and "" among the
          choices when the column may be blank (DRF drops `allow_blank` from
          read-only fields);
        - an integer's bounds those of the production database
          (PostgreSQL), not of the one the schema happens to be generated
          on (SQLite's are 64-bit), so docs/openapi.yaml is the same
          wherever it is exported."""
        column, nullable = column_behind(field)
        changed = {}
        if column is not None and direction == "response":
            if nullable and not field.allow_null:
                changed["allow_null"] = True
            if (getattr(column, "blank", False) and getattr(column, "choices", None)
                    and isinstance(field, serializers.ChoiceField)
                    and not field.allow_blank):
                changed["allow_blank"] = True
        if column is not None and isinstance(field, serializers.IntegerField):
            changed.update(production_bounds(field, column))
        saved = {name: getattr(field, name) for name in changed}
        for name, value in changed.items():
            setattr(field, name, value)
        try:
            return super()._map_serializer_field(field, direction, bypass_extensions)
        finally:
            for name, value in saved.items():
                setattr(field, name, value)

    def _is_idempotent_post(self) -> bool:
        return self.method == "POST" and isinstance(self.view, IdempotentPostMixin)

    def _error_codes(self, operation) -> list[str]:
        view = self.view
        try:
            open_to_all = all(isinstance(p, AllowAny) for p in view.get_permissions())
        except Exception:  # noqa: BLE001 - permissions that need a real request: not open to all
            open_to_all = False
        has_object = "{" in self.path
        paginated = self.method == "GET" and self._is_list_view() and self._get_paginator() is not None
        codes = ["400"]
        if view.get_authenticators():
            codes.append("401")
        if not open_to_all:
            codes.append("403")
        if has_object or paginated:
            codes.append("404")
        if has_object and self.method == "POST":
            codes.append("409")
        if "requestBody" in operation:
            codes.append("413")
        if self._is_idempotent_post():
            codes.append("422")
        if view.get_throttles():
            codes.append("429")
        return codes

    def _schema_component(self, name):
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name,
                                      schema=COMPONENTS[name])
        self.registry.register_on_missing(component)
        return component.ref

    def _error_response(self, code, description=None):
        if code == "400":
            schema = {"anyOf": [self._schema_component("FieldErrors"), self._schema_component("Error")]}
        elif code == "409":
            schema = self._schema_component("TransitionError")
        else:
            schema = self._schema_component("Error")
        response = {"description": description or DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": schema}}}
        if code == "429":
            response["headers"] = RETRY_AFTER
        return response

    def _response_component(self, code):
        """One shared answer per status under components/responses, referred to by every operation."""
        name = RESPONSE_NAMES[code]
        component = ResolvedComponent(name=name, type=ResolvedComponent.RESPONSE, object=name,
                                      schema=self._error_response(code))
        self.registry.register_on_missing(component)
        return component.ref


def column_behind(field):
    """(the model column a serializer field reads, whether it may be null
    on the way), following the field's source through relations; (None,
    False) when it reads no column (a property, a method, a list)."""
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    path = getattr(field, "source_attrs", None)
    if model is None or not path or isinstance(field, (serializers.ListSerializer, serializers.ManyRelatedField)):
        return None, False
    nullable, column = False, None
    for attr in path:
        if model is None:
            return None, False
        try:
            column = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None, False
        if column.many_to_many or column.one_to_many:
            return None, False
        # A null column, or a reverse one-to-one with no row (DRF answers null for it).
        nullable = nullable or column.null or (column.one_to_one and column.auto_created)
        model = column.related_model
    return column, nullable


def production_bounds(field, column) -> dict:
    """The integer field's min_value/max_value where they are the bounds of
    this database's column type, replaced by PostgreSQL's."""
    try:
        internal = column.get_internal_type()
        here = connection.ops.integer_field_range(internal)
    except (KeyError, AttributeError):
        return {}
    production = BaseDatabaseOperations.integer_field_ranges.get(internal)
    if production is None or here == production:
        return {}
    changed = {}
    if field.min_value == here[0]:
        changed["min_value"] = production[0]
    if field.max_value == here[1]:
        changed["max_value"] = production[1]
    return changed
