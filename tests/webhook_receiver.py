"""A partner's webhook receiver on a loopback port, in a thread: it keeps
every POST (headers, raw body) and answers what the test tells it to
(a status per request, or no answer at all)."""

import http.server
import threading


class Receiver:
    def __init__(self):
        self.received = []  # {"headers": {...}, "body": bytes, "status": int}
        self.statuses = []  # answered in turn; 200 once empty
        self.hang = threading.Event()  # set: read the request, never answer
        self.release = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.hang.is_set():
                    receiver.received.append({"headers": dict(self.headers), "body": body, "status": None})
                    receiver.release.wait(30)
                    return
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.received.append({"headers": dict(self.headers), "body": body, "status": status})
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
