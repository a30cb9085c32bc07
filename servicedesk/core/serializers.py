"""Serializer fields built once per class (issue 18).

DRF's ModelSerializer builds its fields for every serializer instance: a deep
copy of the declared fields and, for each model field, the field class and its
keyword arguments from the model's metadata. For a work order that was about a
fifth of a create's Python. `FieldsBuiltOnce` builds them once per class (on
first use) and gives each instance copies, which DRF then binds to it as
usual: plain fields are copied shallowly, nested serializers deeply (they bind
children of their own), so no instance shares a bound field, its parent or
its context with another. Only for serializers whose fields do not depend on
the instance, the data or the context."""

import copy

from rest_framework import serializers


class FieldsBuiltOnce:
    def get_fields(self):
        cls = type(self)
        prototype = cls.__dict__.get("_fields_prototype")
        if prototype is None:
            prototype = super().get_fields()
            cls._fields_prototype = prototype
        return {
            name: copy.deepcopy(field) if isinstance(field, serializers.BaseSerializer) else copy.copy(field)
            for name, field in prototype.items()
        }
