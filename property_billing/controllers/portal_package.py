import logging

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import request

from .portal import PropertyPortal

_logger = logging.getLogger(__name__)


class PropertyPackagePortal(PropertyPortal):
    """Prepaid packages on the portal: buy one for a unit, renew one, pay online.

    Units and subscriptions are read in the owner's environment, so record
    rules limit them to his own. Only the partner who receives a unit's bills
    may buy or renew a package for it: the package's invoice is addressed to
    him. Subscriptions and their invoices are created as superuser, because
    portal users cannot create them.
    """

    def _get_package_units_domain(self):
        """Return the domain of the units the user may buy packages for."""
        partner = request.env.user.commercial_partner_id
        return [
            *self._get_property_units_domain(),
            ("billing_partner_id.commercial_partner_id", "=", partner.id),
        ]

    @http.route("/my/property/packages", type="http", auth="user", website=True)
    def portal_my_property_packages(self, **kw):
        Unit = request.env["property.unit"]
        Package = request.env["property.package"]
        Subscription = request.env["property.package.subscription"]
        units = Unit.search(self._get_package_units_domain())
        offers = []
        for unit in units:
            for package in Package.search([]):
                date_start = self._get_package_start(unit, package)
                if not self._is_package_offered(unit, package, date_start):
                    continue
                try:
                    price = Subscription.sudo()._compute_price(
                        package.sudo(), unit.sudo(), date_start
                    )
                except UserError:
                    # The unit does not have every fee the package prices.
                    continue
                offers.append(
                    {
                        "unit": unit,
                        "package": package,
                        "date_start": date_start,
                        "price": price,
                    }
                )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "property_packages",
                "offers": offers,
                "subscriptions": Subscription.search(
                    [], order="date_start desc"
                ).sudo(),
                "currency": request.env.company.currency_id,
                "error": kw.get("error"),
            }
        )
        return request.render("property_billing.portal_my_property_packages", values)

    def _is_package_offered(self, unit, package, date_start):
        """Tell whether owners may buy ``package`` for ``unit`` on the portal.

        Only packages that replace fees the unit pays are offered, so a parking
        pass is not offered for a flat.
        """
        if not package._is_sold_in(unit.community_id):
            return False
        Subscription = request.env["property.package.subscription"].sudo()
        return all(
            Subscription._get_unit_fee(unit, item, date_start)
            for item in package.sudo().fee_item_ids
        )

    @staticmethod
    def _parse_record_id(value):
        """Return ``value`` of a form as a record id, or None if it cannot be one."""
        try:
            record_id = int(value)
        except (TypeError, ValueError):
            return None
        # PostgreSQL ids are 32-bit integers: a larger number is no record.
        return record_id if 0 < record_id < 2**31 else None

    def _get_package_start(self, unit, package):
        """Return the first day of a new package: after what is paid or billed."""
        return (
            request.env["property.package.subscription"]
            .sudo()
            ._get_next_start(
                unit.sudo(),
                package.sudo(),
                fields.Date.context_today(request.env.user),
            )
        )

    @http.route(
        "/my/property/packages/buy",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_property_package_buy(self, unit_id=None, package_id=None, **kw):
        """Sell a package to one of the owner's units and open its invoice to pay."""
        unit_id = self._parse_record_id(unit_id)
        package_id = self._parse_record_id(package_id)
        if not unit_id or not package_id:
            return request.redirect("/my/property/packages?error=invalid")
        unit = request.env["property.unit"].search(
            [*self._get_package_units_domain(), ("id", "=", unit_id)]
        )
        package = request.env["property.package"].search([("id", "=", package_id)])
        if not unit or not package:
            return request.redirect("/my/property/packages")
        date_start = self._get_package_start(unit, package)
        if not self._is_package_offered(unit, package, date_start):
            return request.redirect("/my/property/packages?error=1")
        try:
            # A refused sale leaves no draft subscription behind.
            with request.env.cr.savepoint():
                subscription = (
                    request.env["property.package.subscription"]
                    .sudo()
                    .create(
                        {
                            "unit_id": unit.id,
                            "package_id": package.id,
                            "date_start": date_start,
                        }
                    )
                )
                subscription.action_confirm()
        except UserError as error:
            _logger.info(
                "package %s not sold to unit %s on the portal: %s",
                package.id,
                unit.id,
                error,
            )
            return request.redirect("/my/property/packages?error=1")
        return request.redirect(subscription.move_id.get_portal_url())

    @http.route(
        "/my/property/package/<int:subscription_id>/renew",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_property_package_renew(self, subscription_id, **kw):
        """Renew one of the owner's paid packages and open the new invoice."""
        subscription = request.env["property.package.subscription"].search(
            [("id", "=", subscription_id), ("state", "=", "paid")]
        )
        unit = request.env["property.unit"].search(
            [*self._get_package_units_domain(), ("id", "=", subscription.unit_id.id)]
        )
        if not subscription or not unit:
            return request.redirect("/my/property/packages")
        renewal = subscription.sudo()._get_renewal()
        if not renewal:
            try:
                with request.env.cr.savepoint():
                    renewal = subscription.sudo().action_renew()
            except UserError as error:
                _logger.info(
                    "package subscription %s not renewed on the portal: %s",
                    subscription.id,
                    error,
                )
                return request.redirect("/my/property/packages?error=1")
        return request.redirect(renewal.move_id.get_portal_url())
