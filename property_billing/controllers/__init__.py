from . import portal
from . import portal_notification
from . import portal_package
from . import portal_advance
from . import statement
from . import portal_meter
