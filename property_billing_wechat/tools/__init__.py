from . import amounts
from . import errors
from . import orders
from . import signing
