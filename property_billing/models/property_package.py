from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class PropertyPackage(models.Model):
    """A prepaid package (包月/预缴): fee items paid for several months at once."""

    _name = "property.package"
    _description = "Property Prepaid Package"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    community_ids = fields.Many2many(
        comodel_name="property.community",
        string="Communities",
        check_company=True,
        help="Sold only in these communities; in every community when empty.",
    )
    months = fields.Integer(
        required=True, default=12, help="Whole months covered, from the 1st."
    )
    discount = fields.Float(
        string="Discount (%)",
        digits=(16, 2),
        help="Taken off the price of every line, such as 5 for 5 % off.",
    )
    line_ids = fields.One2many(
        comodel_name="property.package.line",
        inverse_name="package_id",
        string="Fee Items Covered",
        copy=True,
    )
    fee_item_ids = fields.Many2many(
        comodel_name="property.fee.item",
        compute="_compute_fee_item_ids",
        string="Fee Items",
    )
    portal_published = fields.Boolean(
        string="Sold on the Portal",
        help="Owners can buy this package for their units on the portal.",
    )

    @api.depends("line_ids.fee_item_id")
    def _compute_fee_item_ids(self):
        for package in self:
            package.fee_item_ids = package.line_ids.fee_item_id

    @api.constrains("months", "discount")
    def _check_terms(self):
        for package in self:
            if package.months < 1:
                raise ValidationError(
                    _(
                        "Package %(package)s covers %(months)s months: enter 1 "
                        "month or more.",
                        package=package.name,
                        months=package.months,
                    )
                )
            if not 0 <= package.discount < 100:
                raise ValidationError(
                    _(
                        "The discount of package %(package)s is %(discount)s %%: "
                        "enter a percentage from 0 to less than 100.",
                        package=package.name,
                        discount=package.discount,
                    )
                )

    def _is_sold_in(self, community):
        self.ensure_one()
        return not self.community_ids or community in self.community_ids
