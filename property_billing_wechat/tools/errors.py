"""Failures of calls to WeChat Pay API v3."""


class WeChatPayNetworkError(Exception):
    """No response: connection refused or dropped, or timed out.

    WeChat Pay may or may not have handled the request, so the caller keeps
    the request and re-sends it unchanged or queries.
    """


class WeChatPayApiError(Exception):
    """A response with an HTTP error status and a WeChat Pay error code."""

    def __init__(self, status, code, message, request_id=None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id


class WeChatOfficialAccountError(Exception):
    """An Official Account API answer with an errcode other than 0.

    The message names the errcode and errmsg only, never the URL, which
    carries the access token or the AppSecret.
    """

    def __init__(self, errcode, errmsg):
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
