from . import property_collection_report
from . import property_arrears_report
from . import property_statement_report
