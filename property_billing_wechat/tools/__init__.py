from . import amounts
from . import devices
from . import errors
from . import orders
from . import signing
