from . import test_proration
from . import test_refund_request
from . import test_refund_provider
from . import test_refund_deadline
from . import test_portal_refund
from . import test_refund_partial
from . import test_i18n_zh_cn
