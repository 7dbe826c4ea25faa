"""Bill the demo community for the current month, for setup/demo.sh.

Runs inside `odoo shell`, which provides `env`, and prints a summary of the
billing run on stdout, then the demo owners' portal logins on a last line
`OWNER_LOGINS=owner,owner2,owner3`. When a run of the same month is already
done, it reports that run instead of billing twice. Exits with status 3 when the demo data is
missing and 4 when the run does not end in state "done".
"""

import sys

from odoo import fields
from odoo.tools import format_amount

from odoo.addons.property_billing.tools import periods

OWNER_USER_XMLIDS = (
    "property_billing.demo_owner_user",
    "property_billing.demo_owner_user_2",
    "property_billing.demo_owner_user_3",
)
DEMO_XMLIDS = ("property_billing.demo_community", *OWNER_USER_XMLIDS)


def bill_demo_community(env):
    records = {xmlid: env.ref(xmlid, raise_if_not_found=False) for xmlid in DEMO_XMLIDS}
    missing = [xmlid for xmlid, record in records.items() if not record]
    if missing:
        print(
            "The demo data has no record with XML id "
            + ", ".join(missing)
            + ": the property_billing demo file does not define it yet.",
            file=sys.stderr,
        )
        sys.exit(3)
    community = records["property_billing.demo_community"]
    owner_users = [records[xmlid] for xmlid in OWNER_USER_XMLIDS]

    enable_demo_payments(env, community.company_id)
    today = fields.Date.context_today(community)
    period_start = periods.month_start(today)
    period_end = periods.month_end(today)
    runs = env["property.billing.run"].with_company(community.company_id)
    run = runs.search(
        [
            ("community_id", "=", community.id),
            ("period_start", "=", period_start),
            ("period_end", "=", period_end),
            ("state", "=", "done"),
            # A later run of the same month bills nothing: report the first.
            ("invoice_ids", "!=", False),
        ],
        order="id",
        limit=1,
    )
    if run:
        print(f"Billing run {run.name} already billed this month; not billing again.")
    else:
        run = runs.create(
            {
                "community_id": community.id,
                "period_start": period_start,
                "period_end": period_end,
            }
        )
        run.action_generate()
        env.cr.commit()
    if run.state != "done":
        print(
            f"Billing run {run.name} ended in state '{run.state}', not 'done': "
            "open it in Property Billing > Billing Runs to see why.",
            file=sys.stderr,
        )
        sys.exit(4)

    print(f"Billing run {run.name}: {community.name}, {period_start} to {period_end}")
    print(f"  units billed:     {run.billed_unit_count}")
    print(f"  invoices created: {run.invoice_count}")
    total = format_amount(env, run.amount_total, run.currency_id)
    print(f"  total amount:     {total}")
    # Read by setup/demo.sh, which prints the logins after the summary.
    print("OWNER_LOGINS=" + ",".join(user.login for user in owner_users))


def enable_demo_payments(env, company):
    """Publish Odoo's demo payment provider for the demo community's company.

    payment_demo installs its provider for the main company only, and
    providers are per company, so owners of the demo company would see no way
    to pay without this copy.
    """
    providers = env["payment.provider"].sudo()
    provider = providers.search(
        [("code", "=", "demo"), ("company_id", "=", company.id)], limit=1
    )
    if not provider:
        template = env.ref("payment.payment_provider_demo")
        provider = template.sudo().copy({"company_id": company.id})
    provider.write({"state": "test", "is_published": True})
    env.cr.commit()


bill_demo_community(env)  # noqa: F821  (odoo shell defines env)
