from odoo import models

# Context key of the set of analytic account ids known to exist while a
# billing run posts its invoices.
EXISTING_ANALYTIC_ACCOUNTS_CONTEXT = "property_billing_existing_analytic_accounts"


class AccountAnalyticAccount(models.Model):
    _inherit = "account.analytic.account"

    def exists(self):
        """Skip the query for accounts a billing run checked before posting.

        Posting builds the analytic items of each journal item separately,
        and each one checks that its analytic accounts exist with a query.
        A billing run checks its community's accounts once and passes their
        ids in the context; other ids are checked as usual.
        """
        known = self.env.context.get(EXISTING_ANALYTIC_ACCOUNTS_CONTEXT)
        if known and known.issuperset(self._ids):
            return self
        return super().exists()
