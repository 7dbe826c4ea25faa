from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.res_partner import _tz_get


class PropertyCommunity(models.Model):
    """A residential community (小区) or project managed by the company."""

    _name = "property.community"
    _description = "Property Community"
    _inherit = ["mail.thread"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True, translate=True)
    code = fields.Char(
        required=True,
        tracking=True,
        help="Short code printed on bills and used in unit codes of imports.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    street = fields.Char()
    street2 = fields.Char()
    city = fields.Char()
    zip = fields.Char()
    state_id = fields.Many2one(
        comodel_name="res.country.state",
        string="State",
        domain="[('country_id', '=?', country_id)]",
    )
    country_id = fields.Many2one(comodel_name="res.country", string="Country")
    tz = fields.Selection(
        selection=_tz_get,
        string="Time Zone",
        required=True,
        default="Asia/Shanghai",
        help="Time zone in which the community's due dates and days are counted.",
    )
    analytic_account_id = fields.Many2one(
        comodel_name="account.analytic.account",
        string="Analytic Account",
        check_company=True,
        copy=False,
        ondelete="restrict",
        help="Set on every invoice line billed for the community. "
        "Created with the community when left empty.",
    )
    journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Sales Journal",
        check_company=True,
        domain="[('type', '=', 'sale')]",
        help="Journal of the community's bills; the company's first sales journal "
        "when empty.",
    )
    payment_term_id = fields.Many2one(
        comodel_name="account.payment.term",
        string="Payment Terms",
        check_company=True,
        help="Sets the due date of bills. When empty, bills fall due the number "
        "of days after the invoice date given in Due Days.",
    )
    due_days = fields.Integer(
        default=15,
        help="Days between the invoice date and the due date when no payment "
        "terms are set.",
    )
    building_ids = fields.One2many(
        comodel_name="property.building",
        inverse_name="community_id",
        string="Buildings",
    )
    unit_ids = fields.One2many(
        comodel_name="property.unit",
        inverse_name="community_id",
        string="Units",
    )
    building_count = fields.Integer(compute="_compute_counts")
    unit_count = fields.Integer(compute="_compute_counts")

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "A community code must be unique per company.",
        ),
    ]

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    def _compute_counts(self):
        building_counts = dict(
            self.env["property.building"]._read_group(
                [("community_id", "in", self.ids)], ["community_id"], ["__count"]
            )
        )
        unit_counts = dict(
            self.env["property.unit"]._read_group(
                [("community_id", "in", self.ids)], ["community_id"], ["__count"]
            )
        )
        for community in self:
            community.building_count = building_counts.get(community, 0)
            community.unit_count = unit_counts.get(community, 0)

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("due_days")
    def _check_due_days(self):
        for community in self:
            if community.due_days < 0:
                raise ValidationError(
                    _(
                        "Due days of community %(community)s cannot be negative "
                        "(%(days)s): enter 0 or more days.",
                        community=community.display_name,
                        days=community.due_days,
                    )
                )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        communities = super().create(vals_list)
        communities.filtered(
            lambda c: not c.analytic_account_id
        )._create_analytic_account()
        return communities

    def _create_analytic_account(self):
        plan = self.env.ref(
            "property_billing.account_analytic_plan_community", raise_if_not_found=False
        )
        if not plan:
            plan = (
                self.env["account.analytic.plan"]
                .sudo()
                .create({"name": _("Communities")})
            )
        # Billing managers need not be analytic accounting users to create a
        # community, so its analytic account is created as a system step.
        accounts = self.env["account.analytic.account"].sudo()
        for community in self:
            community.analytic_account_id = accounts.create(
                {
                    "name": community.name,
                    "code": community.code,
                    "plan_id": plan.id,
                    "company_id": community.company_id.id,
                }
            )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_sale_journal(self):
        self.ensure_one()
        if self.journal_id:
            return self.journal_id
        journal = self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(self.company_id),
                ("type", "=", "sale"),
            ],
            limit=1,
        )
        if not journal:
            raise ValidationError(
                _(
                    "Company %(company)s has no sales journal, so community "
                    "%(community)s cannot be billed. Install a chart of accounts "
                    "or create a sales journal.",
                    company=self.company_id.name,
                    community=self.display_name,
                )
            )
        return journal

    def action_view_units(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "property_billing.property_unit_action"
        )
        action["domain"] = [("community_id", "=", self.id)]
        action["context"] = {"default_community_id": self.id}
        return action
