from . import test_portal
from . import test_roster_import
from . import test_roster_parsing
