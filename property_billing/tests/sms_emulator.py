"""A local stand-in for Odoo's IAP SMS service, for tests.

It serves, on 127.0.0.1, the JSON-RPC route ``/api/sms/3/send`` that Odoo 18's
``sms/tools/sms_api.py`` calls. It checks a JSON-RPC 2.0 "call", the account
token, non-empty contents and numbers in E.164 form, and returns for each
number one of the states that ``sms_api.py`` documents ('success',
'unregistered', 'wrong_number_format', 'insufficient_credit',
'server_error'). The real service's own checks are not published, so these
are the ones its documented states imply.
"""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

E164 = re.compile(r"\+[1-9]\d{7,14}")


class SmsEmulator:
    """An SMS service on 127.0.0.1 that records the messages it accepted.

    :param str account_token: the only token it accepts
    :param int credit: SMS it accepts before it returns 'insufficient_credit'
    """

    def __init__(self, account_token, credit=100):
        self.account_token = account_token
        self.credit = credit
        self.sent = []
        self.requests = []
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's method name)
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                status, body = emulator._handle(self.path, payload)
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

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def _handle(self, path, payload):
        self.requests.append(payload)
        if path != "/api/sms/3/send":
            return 404, {"error": "not found"}
        if payload.get("jsonrpc") != "2.0" or payload.get("method") != "call":
            return 400, {"error": "not a JSON-RPC 2.0 call"}
        params = payload.get("params") or {}
        results = []
        for message in params.get("messages") or []:
            content = message.get("content")
            for number in message.get("numbers") or []:
                results.append(
                    {"uuid": number.get("uuid"), "state": self._state(content, number)}
                )
        return 200, {"jsonrpc": "2.0", "id": payload.get("id"), "result": results}

    def _state(self, content, number):
        params = self.requests[-1]["params"]
        if params.get("account_token") != self.account_token:
            return "unregistered"
        if not isinstance(content, str) or not content.strip():
            return "server_error"
        if not E164.fullmatch(number.get("number") or ""):
            return "wrong_number_format"
        if self.credit <= 0:
            return "insufficient_credit"
        self.credit -= 1
        self.sent.append({"number": number["number"], "content": content})
        return "success"


def iap_jsonrpc_to_emulator(url, method="call", params=None, timeout=15):
    """Post a JSON-RPC call like ``iap_tools.iap_jsonrpc``, minus its test block.

    Odoo refuses IAP calls from test threads; the emulator is on 127.0.0.1,
    so the test sends the same request the real client sends.
    """
    payload = {"jsonrpc": "2.0", "method": method, "params": params, "id": "test"}
    response = requests.post(url, json=payload, timeout=timeout)
    response.raise_for_status()
    return response.json().get("result")
