def migrate(cr, version):
    """Drop the live-charge index so that the module update recreates it.

    From 18.0.1.2.0 the index leaves out the parts of shared costs, which are
    unique per unit and shared cost instead. ``init`` of
    property.billing.charge creates an index only when none of that name
    exists, so the old definition would otherwise stay.
    """
    cr.execute("DROP INDEX IF EXISTS property_billing_charge_live_uniq")
