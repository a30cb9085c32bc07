"""The assessment of a return by its category's rules (docs/returns.md,
seeds/004): the findings asked for, and the first rule that matches decides."""

from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.errors import ValidationFailed

from ..models import Decision, ReturnRequest, ReturnRule, in_term
from ..selectors import finding_rules, rules_for


def validate_findings(category: str, findings) -> dict:
    """The findings a category's rules ask for, each a boolean: a missing
    required one or a wrong type is a 400 naming `findings.<name>`."""
    if not isinstance(findings, dict):
        raise ValidationFailed(_("Give the findings as an object of true/false values."), field="findings",
                               code="findings_not_object")
    rules = finding_rules(category)
    clean = {}
    for rule in rules:
        value = findings.get(rule.finding)
        if value is None:
            if rule.finding_required:
                raise ValidationFailed(_("This finding is required for this category."),
                                       field=f"findings.{rule.finding}", code="finding_required")
            value = False
        if not isinstance(value, bool):
            raise ValidationFailed(_("Must be true or false."), field=f"findings.{rule.finding}",
                                   code="finding_not_boolean")
        clean[rule.finding] = value
    known = {r.finding for r in rules}
    for name, value in findings.items():
        if name not in known:
            clean[str(name)[:40]] = value  # kept as recorded, decides nothing
    return clean


def decide(obj: ReturnRequest, findings: dict) -> tuple[ReturnRule | None, str, str, str]:
    """Run the category's rules (the first that matches decides): the rule,
    the decision and the reason in English and Chinese. The term counts to
    the day the return was requested (docs/returns.md)."""
    on = timezone.localdate(obj.requested_at)
    product = obj.product
    for rule in rules_for(category=product.category.slug, requested_by=obj.requested_by):
        start = (
            product.purchase_date if rule.counted_from == ReturnRule.CountedFrom.PURCHASE else product.manufactured_on
        )
        if rule.kind == ReturnRule.Kind.FINDING:
            matched = findings.get(rule.finding, False) is rule.expected
        elif rule.kind == ReturnRule.Kind.PROOF:
            matched = start is None
        elif rule.kind == ReturnRule.Kind.TERM:
            matched = start is not None and in_term(start, rule.term_months, on)
        else:
            matched = True
        if matched:
            return rule, rule.decision, rule.reason, rule.reason_zh
    # No rule at all for this category: nothing to decide by (configuration).
    return (
        None,
        Decision.REJECTED,
        "No assessment rule applies; refer to customer service.",
        "没有适用的判定规则，请转客户服务部处理。",
    )
