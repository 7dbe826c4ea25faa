from . import test_wechat_pay_tools
from . import test_wechat_pay_orders
from . import test_wechat_pay_notifications
from . import test_wechat_pay_refunds
from . import test_wechat_pay_h5
from . import test_wechat_pay_trade_bill
from . import test_wechat_pay_tour
from . import test_wechat_pay_jsapi
