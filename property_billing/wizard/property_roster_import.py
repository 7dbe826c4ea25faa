from odoo import fields, models


class PropertyRosterImport(models.TransientModel):
    _name = "property.roster.import"
    _description = "Import a Unit and Owner Roster"

    community_id = fields.Many2one(comodel_name="property.community", required=True)
    line_ids = fields.One2many(
        comodel_name="property.roster.import.line", inverse_name="wizard_id"
    )


class PropertyRosterImportLine(models.TransientModel):
    _name = "property.roster.import.line"
    _description = "Roster Import Row"

    wizard_id = fields.Many2one(comodel_name="property.roster.import", ondelete="cascade")
