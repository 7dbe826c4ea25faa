"""WeChat Pay API v3 constants: endpoints, limits and state mappings."""

PROVIDER_CODE = "wechat_pay"
DEFAULT_API_URL = "https://api.mch.weixin.qq.com"

# Seconds to wait for WeChat Pay to connect and respond. Odoo's test framework
# raises any timeout below 10 seconds to 10.
REQUEST_TIMEOUT = 10.0

# Minutes an order can be paid. WeChat Pay's code_url lives 2 hours at most.
DEFAULT_ORDER_LIFETIME = 30
MAX_ORDER_LIFETIME = 120
# Minutes the reconciliation job waits after time_expire before closing an
# order, so that a payment made at the deadline is not closed under the payer.
CLOSE_MARGIN = 2
# Seconds between two queries of the same order from the payment page.
QUERY_INTERVAL = 5

# WeChat Pay refund rules for one order.
MAX_REFUNDS_PER_ORDER = 50
REFUND_WINDOW_DAYS = 365
# WeChat Pay's refund documentation requests about one minute between two
# refunds of one order.
REFUND_GAP_SECONDS = 60

# trade_state of an order query or payment notification -> transaction state.
TRADE_STATE_MAPPING = {
    "pending": ("NOTPAY", "USERPAYING"),
    "done": ("SUCCESS", "REFUND"),
    "cancel": ("CLOSED", "REVOKED"),
    "error": ("PAYERROR",),
}

# status / refund_status of a refund -> refund transaction state.
REFUND_STATUS_MAPPING = {
    "pending": ("PROCESSING",),
    "done": ("SUCCESS",),
    "cancel": ("CLOSED",),
    "error": ("ABNORMAL",),
}

PAYMENT_EVENT = "TRANSACTION.SUCCESS"
REFUND_EVENTS = ("REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED")

# Official Account (api.weixin.qq.com and open.weixin.qq.com).
DEFAULT_OA_API_URL = "https://api.weixin.qq.com"
DEFAULT_OA_OAUTH_URL = "https://open.weixin.qq.com"
# Seconds before its expiry that the cached access token is renewed; WeChat
# keeps the old stable token valid for 5 minutes after renewing it.
TOKEN_RENEW_MARGIN = 300
# errcodes of an access token that is invalid (40001) or expired (42001).
TOKEN_ERRCODES = (40001, 42001)
# Session key of a pending OAuth binding: {state, redirect, provider_id}.
OAUTH_SESSION_KEY = "wechat_oauth"
# Transaction trade type -> order endpoint under /v3/pay/transactions/.
TRADE_TYPE_ENDPOINTS = {"NATIVE": "native", "MWEB": "h5", "JSAPI": "jsapi"}
