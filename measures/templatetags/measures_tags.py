from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def percent(value):
    """0.1234 -> 12.3%; a rate with no denominator -> an en dash."""
    return "–" if value is None else f"{value * 100:.1f}%"


@register.filter
def points(value):
    """A change of rate in percentage points, signed."""
    if value is None:
        return ""
    return _("%(sign)s%(n).1f pts") % {"sign": "+" if value > 0 else ("−" if value < 0 else "±"),
                                       "n": abs(value) * 100}


@register.filter
def trend_class(value):
    if not value:
        return "flat"
    return "up" if value > 0 else "down"


@register.filter
def get_item(mapping, key):
    return mapping.get(str(key)) if mapping else None


@register.filter
def complaint_category(value):
    from complaints.models import Complaint

    return dict(Complaint.Category.choices).get(value, value)
