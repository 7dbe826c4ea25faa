from . import property_fee_assign_wizard
from . import property_roster_import
from . import property_notice_print
from . import property_meter_reading_entry
from . import property_meter_reading_import
from . import property_meter_reading_correction
from . import property_late_fee_waive
from . import property_package_sell
