from odoo.tests import TransactionCase, tagged

from odoo.addons.property_billing.tests.common_i18n import ZhCNTranslationMixin


@tagged("post_install", "-at_install")
class TestZhCNTranslation(ZhCNTranslationMixin, TransactionCase):
    _i18n_module = "property_billing_refund"
