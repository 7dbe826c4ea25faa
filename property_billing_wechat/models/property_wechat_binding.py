from odoo import fields, models


class PropertyWeChatBinding(models.Model):
    """The openid of an owner under one WeChat app id.

    WeChat gives each user a different openid under each app id, so a partner
    has one binding per Official Account. Bindings are created only by the
    OAuth callback for the logged-in owner; portal users have no access to
    this model.
    """

    _name = "property.wechat.binding"
    _description = "WeChat Binding of an Owner"
    _order = "partner_id, id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Owner",
        required=True,
        index=True,
        readonly=True,
        ondelete="cascade",
    )
    appid = fields.Char(
        string="App ID",
        required=True,
        readonly=True,
        help="The Official Account the openid belongs to.",
    )
    openid = fields.Char(string="OpenID", required=True, readonly=True)

    _sql_constraints = [
        (
            "partner_appid_uniq",
            "unique(partner_id, appid)",
            "An owner has one WeChat binding per app id.",
        ),
        (
            "appid_openid_uniq",
            "unique(appid, openid)",
            "A WeChat user can be bound to one owner only.",
        ),
    ]

    def _get_openid(self, partner, appid):
        """Return the openid of ``partner`` (or of its company) for ``appid``."""
        binding = self.sudo().search(
            [
                ("partner_id", "in", (partner | partner.commercial_partner_id).ids),
                ("appid", "=", appid),
            ],
            order="id desc",
            limit=1,
        )
        return binding.openid or ""
