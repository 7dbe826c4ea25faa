from . import payment_provider
from . import payment_provider_official_account
from . import payment_transaction
from . import property_wechat_binding
from . import res_partner
from . import property_notification_channel
from . import property_notification
from . import property_notification_rule
