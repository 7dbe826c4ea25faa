from . import amounts
from . import bills
from . import devices
from . import errors
from . import orders
from . import signing
from . import templates
