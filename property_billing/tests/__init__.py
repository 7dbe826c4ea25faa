from . import test_billing_run
from . import test_fee_assign
from . import test_periods
from . import test_portal
from . import test_roster_import
from . import test_roster_parsing
from . import test_security
from . import test_payment_notice
