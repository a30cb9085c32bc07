from django import template

from servicedesk.core.labels import DEADLINE_KINDS, LEVELS, SUBJECTS

register = template.Library()


@register.filter
def deadline_kind(kind):
    return DEADLINE_KINDS.get(kind, kind)


@register.filter
def escalation_level(level):
    return LEVELS.get(level, level)


@register.filter
def subject_type(model):
    return SUBJECTS.get(model, model)
