"""Offer WeChat Pay through the local emulator in the demo, for setup/demo.sh.

Runs inside `odoo shell`, which provides `env`. Reads the provider values that
the emulator wrote to the JSON file named by PB_WECHAT_CREDENTIALS, and enables
a WeChat Pay provider with them for the demo community's company, with JSAPI
and the emulator's Official Account, and adds the WeChat channel to the demo
notification schedule with the emulator's template ids. The emulator
generates new keys at each start, so this runs at each start of the demo.
"""

import json
import os
import sys

from odoo import Command


def enable_wechat_pay(env):
    community = env.ref("property_billing.demo_community", raise_if_not_found=False)
    if not community:
        print("The demo data has no community: WeChat Pay not enabled.", file=sys.stderr)
        sys.exit(3)
    company = community.company_id
    with open(os.environ["PB_WECHAT_CREDENTIALS"], encoding="utf-8") as file:
        values = json.load(file)
    providers = env["payment.provider"].sudo()
    provider = providers.search(
        [("code", "=", "wechat_pay"), ("company_id", "=", company.id)], limit=1
    )
    if not provider:
        template = env.ref("property_billing_wechat.payment_provider_wechat_pay")
        provider = template.sudo().copy({"company_id": company.id})
    journal = env["account.journal"].search(
        [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
    )
    provider.write({**values, "journal_id": journal.id})
    provider.write({"state": "enabled", "is_published": True})
    method = env.ref("payment.payment_method_wechat_pay")
    provider.payment_method_ids = [Command.set(method.ids)]
    env["ir.config_parameter"].sudo().set_param(
        "web.base.url", f"http://localhost:{os.environ['PB_HTTP_PORT']}"
    )
    env["ir.config_parameter"].sudo().set_param(
        "account_payment.enable_portal_payment", True
    )
    add_wechat_channel(env)
    env.cr.commit()
    print(f"WeChat Pay: enabled for {company.name} through {values['wechat_pay_api_url']}")


def add_wechat_channel(env):
    """Send the demo schedule's messages on WeChat too, to owners who bind it."""
    channel = env.ref("property_billing_wechat.property_notification_channel_wechat")
    templates = {
        "demo_notification_rule_before_7": ("TPL_BILL_DUE", False),
        "demo_notification_rule_before_1": ("TPL_BILL_DUE", False),
        "demo_notification_rule_on_due": ("TPL_BILL_DUE", False),
        "demo_notification_rule_after_due": ("TPL_BILL_DUE", False),
        "demo_notification_rule_payment": (
            "TPL_PAYMENT",
            "thing1=community,character_string2=bill,amount3=amount",
        ),
    }
    for xml_id, (template_id, template_fields) in templates.items():
        rule = env.ref(f"property_billing.{xml_id}", raise_if_not_found=False)
        if not rule:
            continue
        values = {
            "channel_ids": [Command.link(channel.id)],
            "wechat_template_id": template_id,
        }
        if template_fields:
            values["wechat_template_fields"] = template_fields
        rule.sudo().write(values)


enable_wechat_pay(env)  # noqa: F821  (odoo shell defines env)
