"""Aliyun SMS (阿里云短信服务, dysmsapi, API version 2017-05-25): SendSms
with an approved template per event, signed with the RPC signature
version 1.0 (HMAC-SHA1 over the sorted, percent-encoded parameters, keyed
with the AccessKey secret and "&"). Settings: SERVICEDESK_ALIYUN_SMS
(docs/customers-messages.md)."""

import base64
import datetime
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

from django.conf import settings

from . import Backend, Outgoing, SendFailed

TIMEOUT_SECONDS = 10
# Answers after which trying again cannot help; everything else (throttling,
# the provider's own faults, no answer) is retried.
PERMANENT_CODES = {
    "isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT", "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "isv.INVALID_PARAMETERS", "isv.PARAM_LENGTH_LIMIT",
    "isv.INVALID_JSON_PARAM", "isv.BLACK_KEY_CONTROL_LIMIT", "isv.ACCOUNT_NOT_EXISTS", "isv.ACCOUNT_ABNORMAL",
    "InvalidAccessKeyId.NotFound", "SignatureDoesNotMatch", "isv.DENY_IP_RANGE",
}


def percent_encode(value: str) -> str:
    """RFC 3986 as Aliyun's POP signature wants it: space %20, * %2A, ~ kept."""
    return urllib.parse.quote(str(value), safe="~")


def signature(params: dict, secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items())
                         if k != "Signature")
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms(Backend):
    def __init__(self, config: dict | None = None):
        self.config = config or settings.SERVICEDESK_ALIYUN_SMS

    def request_params(self, message: Outgoing, *, now=None, nonce=None) -> dict:
        config = self.config
        template = config["TEMPLATES"].get(message.event)
        if not template:
            raise SendFailed(f"no Aliyun template code for the event {message.event!r}", permanent=True)
        now = now or datetime.datetime.now(datetime.UTC)
        params = {
            "AccessKeyId": config["ACCESS_KEY_ID"], "Action": "SendSms", "Format": "JSON",
            "RegionId": config.get("REGION") or "cn-hangzhou", "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex, "SignatureVersion": "1.0",
            "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": "2017-05-25",
            "PhoneNumbers": message.to, "SignName": config["SIGN_NAME"], "TemplateCode": template,
            "TemplateParam": json.dumps(message.params, ensure_ascii=False, separators=(",", ":")),
            "OutId": message.reference,
        }
        params["Signature"] = signature(params, config["ACCESS_KEY_SECRET"])
        return params

    def send(self, message: Outgoing) -> str:
        body = urllib.parse.urlencode(self.request_params(message), quote_via=urllib.parse.quote).encode()
        request = urllib.request.Request(
            self.config.get("ENDPOINT") or "https://dysmsapi.aliyuncs.com/", data=body, method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise SendFailed(f"no answer from Aliyun SMS: {getattr(exc, 'reason', exc)!r}"[:1000]) from exc
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise SendFailed(f"HTTP {status}: not JSON") from None
        code = answer.get("Code", "")
        if status == 200 and code == "OK":
            return answer.get("BizId", "")
        error = f"HTTP {status} {code}: {answer.get('Message', '')}"[:1000]
        raise SendFailed(error, permanent=code in PERMANENT_CODES)
