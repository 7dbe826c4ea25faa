def migrate(cr, version):
    """Drop the live-charge index so that the module update recreates it.

    The index leaves out the parts of shared costs, which are unique per
    unit and shared cost instead. ``init`` of property.billing.charge
    creates an index only when none of that name exists, so the old
    definition would otherwise stay. Dropping it again is harmless.
    """
    cr.execute("DROP INDEX IF EXISTS property_billing_charge_live_uniq")
