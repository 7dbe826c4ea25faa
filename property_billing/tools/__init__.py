from . import amounts
from . import periods
