from . import property_fee_assign_wizard
from . import property_roster_import
from . import property_notice_print
