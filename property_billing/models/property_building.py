from odoo import fields, models


class PropertyBuilding(models.Model):
    """A building (楼栋), garage or other block of units in a community."""

    _name = "property.building"
    _description = "Property Building"
    _order = "community_id, sequence, code, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Code used as the first part of unit codes, such as 1 in 1-2-301.",
    )
    sequence = fields.Integer(default=10)
    community_id = fields.Many2one(
        comodel_name="property.community",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    company_id = fields.Many2one(
        related="community_id.company_id", store=True, index=True
    )
    unit_ids = fields.One2many(
        comodel_name="property.unit",
        inverse_name="building_id",
        string="Units",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "code_community_uniq",
            "unique(code, community_id)",
            "A building code must be unique within its community.",
        ),
    ]
