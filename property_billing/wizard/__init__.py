from . import property_fee_assign_wizard
from . import property_roster_import
