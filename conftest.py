"""pytest settings for running this repository's tests with pytest-odoo.

Lets `pytest --odoo-database=DB --odoo-http property_billing/tests` work
without --odoo-addons-path: the addons path defaults to the addons of the Odoo
that this Python imports plus this repository.
"""

import os

import pytest

REPO_ROOT = os.path.dirname(os.path.abspath(__file__))


def _default_addons_path():
    import odoo

    package_dir = os.path.dirname(os.path.abspath(odoo.__file__))
    paths = [os.path.join(package_dir, "addons")]
    # A git checkout of Odoo keeps most addons in a top-level addons/ folder.
    checkout_addons = os.path.join(os.path.dirname(package_dir), "addons")
    if os.path.isfile(os.path.join(checkout_addons, "web", "__manifest__.py")):
        paths.append(checkout_addons)
    paths.append(REPO_ROOT)
    return ",".join(paths)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_cmdline_main(config):
    # Runs before pytest-odoo's own wrapper, which hands these options to Odoo.
    option = config.option
    if (
        getattr(option, "odoo_database", None)
        and not getattr(option, "odoo_addons_path", None)
        and not getattr(option, "odoo_config", None)
    ):
        option.odoo_addons_path = _default_addons_path()
    port = os.environ.get("PB_PYTEST_HTTP_PORT")
    if port:
        # pytest-odoo serves HttpCase tests on a random free port, and
        # setup/test.sh passes the port it chose instead.
        import pytest_odoo

        pytest_odoo._get_available_random_port = lambda: int(port)
    yield


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Odoo 18.0's test suite (odoo/tests/suite.py) points current_test at the
    # running test, and code that must not commit inside a test checks it.
    # pytest-odoo 2.3 sets it only for Odoo 19 and later.
    from odoo.modules import module
    from odoo.tests import BaseCase

    instance = getattr(item, "instance", None)
    if isinstance(instance, BaseCase):
        module.current_test = instance


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    from odoo.modules import module

    module.current_test = False
