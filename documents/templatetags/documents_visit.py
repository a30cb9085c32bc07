from django import template

from documents.visit import visit_records as _visit_records

register = template.Library()


@register.simple_tag(takes_context=True)
def visit_records(context):
    """{% visit_records as rec %}: the photos, parts, documents and sign-off form of the visit's order."""
    return _visit_records(context)
