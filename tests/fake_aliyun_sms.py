"""A stand-in for Aliyun SMS (dysmsapi) on a loopback port, in a thread: it
checks each request's RPC signature on its own (not with the product's
code), keeps what it received, and answers what the test says: OK with a
BizId, an error code, an HTTP status, or nothing at all (a send hanging
until the worker is killed)."""

import base64
import hashlib
import hmac
import http.server
import json
import threading
import urllib.parse


def _encode(value):
    return urllib.parse.quote(value, safe="~")


def expected_signature(params: dict, secret: str) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(_encode(k) + "=" + _encode(v) for k, v in pairs)
    text = "POST&%2F&" + _encode(canonical)
    return base64.b64encode(hmac.new((secret + "&").encode(), text.encode(), hashlib.sha1).digest()).decode()


class FakeAliyunSms:
    def __init__(self, secret="test-secret"):
        self.secret = secret
        self.received = []  # the form's parameters, one dict per request
        self.answers = []  # (status, body) in turn; OK once empty
        self.hang = threading.Event()
        self.release = threading.Event()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                params = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
                params["_signature_ok"] = params.get("Signature") == expected_signature(params, fake.secret)
                fake.received.append(params)
                if fake.hang.is_set():
                    fake.release.wait(60)
                    return
                if not params["_signature_ok"]:
                    status, body = 400, {"Code": "SignatureDoesNotMatch", "Message": "signature not matched"}
                elif fake.answers:
                    status, body = fake.answers.pop(0)
                else:
                    status, body = 200, {"Code": "OK", "Message": "OK", "BizId": f"biz-{len(fake.received)}",
                                         "RequestId": "req"}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def config(self, **overrides):
        return {"ACCESS_KEY_ID": "test-id", "ACCESS_KEY_SECRET": self.secret, "SIGN_NAME": "好家电服务",
                "TEMPLATES": {"dispatched": "SMS_1", "scheduled": "SMS_2", "taken_back": "SMS_3",
                              "signed_off": "SMS_4"},
                "ENDPOINT": self.url, "REGION": "cn-hangzhou", **overrides}

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
