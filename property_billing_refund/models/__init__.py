from . import property_refund_policy
from . import property_refund_request
from . import property_refund_request_payment
from . import account_move
from . import account_payment
from . import payment_transaction
from . import property_notification_rule
from . import property_notification
