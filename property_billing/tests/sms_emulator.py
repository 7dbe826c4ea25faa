"""A local stand-in for Odoo's IAP SMS service, for tests.

It serves, on 127.0.0.1, the JSON-RPC route ``/api/sms/3/send`` that Odoo 18's
``sms/tools/sms_api.py`` calls, and returns for each number one of the states
that ``sms_api.py`` documents ('success', 'unregistered',
'wrong_number_format', 'insufficient_credit', 'server_error'). The real
service's own checks are not published, so these are the ones its documented
states imply: the account token ('unregistered'), numbers in E.164 form
('wrong_number_format') and a non-empty text.

A request that is not the call ``sms_api.py`` makes (another route, no JSON-RPC
2.0 "call", a missing token, message, text, number or UUID) gets a JSON-RPC
error, which Odoo's IAP client raises, and is recorded in ``errors``: leaving
the ``with`` block then fails the test, unless ``expect_errors`` is set.
"""

import json
import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch

from odoo.addons.iap.tools import iap_tools

E164 = re.compile(r"\+[1-9]\d{7,14}")
SEND_ROUTE = "/api/sms/3/send"


class SmsEmulator:
    """An SMS service on 127.0.0.1 that records the messages it accepted.

    :param str account_token: the only token it accepts
    :param int credit: SMS it accepts before it returns 'insufficient_credit'
    :param bool expect_errors: let the test send invalid requests without
        failing when the block ends
    :param bool drop_results: answer valid requests with an empty result
        list, as a faulty service would
    """

    def __init__(
        self, account_token, credit=100, expect_errors=False, drop_results=False
    ):
        self.account_token = account_token
        self.credit = credit
        self.expect_errors = expect_errors
        self.drop_results = drop_results
        self.sent = []
        self.requests = []
        self.errors = []
        self.lock = threading.Lock()
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's method name)
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                with emulator.lock:
                    status, body = emulator._handle(self.path, raw)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        if exc_type is None and self.errors and not self.expect_errors:
            raise AssertionError(
                "the SMS emulator rejected requests: " + "; ".join(self.errors)
            )

    def _handle(self, path, raw):
        if path != SEND_ROUTE:
            self.errors.append(f"unknown route {path}")
            return 404, {"error": f"{path} not found"}
        try:
            payload = json.loads(raw)
        except ValueError:
            self.errors.append("body is not JSON")
            return 400, {"error": "body is not JSON"}
        self.requests.append(payload)
        problem = self._check_call(payload)
        if problem:
            self.errors.append(problem)
            return 200, {
                "jsonrpc": "2.0",
                "id": payload.get("id") if isinstance(payload, dict) else None,
                "error": {
                    "code": 200,
                    "message": "Odoo Server Error",
                    "data": {"name": "odoo.exceptions.UserError", "message": problem},
                },
            }
        params = payload["params"]
        results = []
        for message in params["messages"]:
            for number in message["numbers"]:
                state = self._state(params, message["content"], number["number"])
                results.append({"uuid": number["uuid"], "state": state})
        if self.drop_results:
            results = []
        return 200, {"jsonrpc": "2.0", "id": payload["id"], "result": results}

    def _check_call(self, payload):
        """Return what makes ``payload`` no valid send call, or None."""
        if not isinstance(payload, dict):
            return "the request is not a JSON object"
        if payload.get("jsonrpc") != "2.0" or payload.get("method") != "call":
            return "the request is not a JSON-RPC 2.0 call"
        if not payload.get("id"):
            return "the request has no id"
        params = payload.get("params")
        if not isinstance(params, dict):
            return "the request has no params"
        token = params.get("account_token")
        if not isinstance(token, str) or not token:
            return "the request has no account token"
        for key in ("dbuuid", "webhook_url"):
            if key not in params:
                return f"the request has no {key}"
        messages = params.get("messages")
        if not isinstance(messages, list) or not messages:
            return "the request has no messages"
        for message in messages:
            problem = self._check_message(message)
            if problem:
                return problem
        return None

    def _check_message(self, message):
        """Return what makes ``message`` no valid message of a send call, or None."""
        if not isinstance(message, dict):
            return "a message is not an object"
        if not isinstance(message.get("content"), str):
            return "a message has no text"
        numbers = message.get("numbers")
        if not isinstance(numbers, list) or not numbers:
            return "a message has no numbers"
        for number in numbers:
            if not isinstance(number, dict):
                return "a number is not an object"
            if not isinstance(number.get("uuid"), str) or not number["uuid"]:
                return "a number has no uuid"
            if not isinstance(number.get("number"), str):
                return "a number has no number"
        return None

    def _state(self, params, content, number):
        if params["account_token"] != self.account_token:
            return "unregistered"
        if not content.strip():
            return "server_error"
        if not E164.fullmatch(number):
            return "wrong_number_format"
        if self.credit <= 0:
            return "insufficient_credit"
        self.credit -= 1
        self.sent.append({"number": number, "content": content})
        return "success"

    @contextmanager
    def routed(self, env):
        """Send the SMS of ``env`` to this emulator through Odoo's own IAP client.

        Odoo's ``iap_jsonrpc`` rejects calls from test threads, so the test
        flag is lifted for the call, and only for a URL of this emulator: no
        request leaves 127.0.0.1.
        """
        env["ir.config_parameter"].sudo().set_param("sms.endpoint", self.url)
        real_jsonrpc = iap_tools.iap_jsonrpc

        def jsonrpc_to_emulator(url, method="call", params=None, timeout=15):
            if not url.startswith(self.url + "/"):
                raise AssertionError(f"an IAP call to {url} left the test")
            thread = threading.current_thread()
            testing = getattr(thread, "testing", False)
            thread.testing = False
            try:
                return real_jsonrpc(url, method=method, params=params, timeout=timeout)
            finally:
                thread.testing = testing

        with patch(
            "odoo.addons.sms.tools.sms_api.iap_tools.iap_jsonrpc", jsonrpc_to_emulator
        ):
            yield self
