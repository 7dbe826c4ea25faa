from . import property_refund_report
