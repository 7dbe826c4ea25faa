"""Browser detection that picks the WeChat Pay product for the owner."""

import re

# WeChat's in-app browser names itself MicroMessenger in its user agent.
_WECHAT_BROWSER = re.compile(r"MicroMessenger", re.IGNORECASE)
_MOBILE_BROWSER = re.compile(
    r"Mobile|Android|iPhone|iPad|iPod|HarmonyOS", re.IGNORECASE
)


def detect_browser(user_agent):
    """Return "wechat", "mobile" or "desktop" for a User-Agent header.

    A Native QR code cannot be scanned by the phone that shows it, so mobile
    browsers need H5 and WeChat's own browser needs JSAPI.
    """
    user_agent = user_agent or ""
    if _WECHAT_BROWSER.search(user_agent):
        return "wechat"
    if _MOBILE_BROWSER.search(user_agent):
        return "mobile"
    return "desktop"
