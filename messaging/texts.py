"""The message of each event, in the customer's language (Chinese unless
SERVICEDESK_MESSAGE_LANGUAGE says otherwise). English msgids, translated in
the root catalogue. `params` are the template's variables, also sent to
providers that send approved templates (Aliyun: TemplateParam)."""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import links
from .models import Event

_TIME = "%Y-%m-%d %H:%M"


def _at(value):
    return timezone.localtime(value).strftime(_TIME) if value else ""


def params_for(order, event: str) -> dict:
    params = {"number": order.number or str(order.pk)}
    if event == Event.DISPATCHED:
        params["technician"] = order.technician.user.display_name if order.technician_id else ""
    elif event == Event.SCHEDULED:
        params["time"] = _at(order.appointment_at)
        if order.appointment_end:
            params["end"] = timezone.localtime(order.appointment_end).strftime("%H:%M")
    elif event == Event.TAKEN_BACK:
        params["date"] = _at(order.promised_by)
    elif event == Event.SIGNED_OFF:
        link = links.url_for("survey", order)
        if link:
            params["link"] = link
    return params


def _template(event: str, params: dict) -> str:
    if event == Event.DISPATCHED:
        return _("Your service request %(number)s has been dispatched: technician %(technician)s will come to you "
                 "and will call you first to agree on the time.")
    if event == Event.SCHEDULED:
        if "end" in params:
            return _("Your service request %(number)s: the technician will come between %(time)s and %(end)s; "
                     "please keep your phone at hand.")
        return _("Your service request %(number)s: the technician will come at %(time)s; please keep your phone at "
                 "hand.")
    if event == Event.TAKEN_BACK:
        return _("Your product (service request %(number)s) was taken back for repair; we promise to finish it by "
                 "%(date)s.")
    if "link" in params:
        return _("Thank you: service request %(number)s is done. Please tell us how we did: %(link)s")
    return _("Thank you: service request %(number)s is done. We will call you to ask how we did.")


def render(event: str, params: dict) -> str:
    with translation.override(settings.SERVICEDESK_MESSAGE_LANGUAGE):
        return _template(event, params) % params
