"""Switch the demo database to one language, for `setup/demo.sh --lang`.

Runs inside `odoo shell`, which provides `env`. Reads the language code from
PB_DEMO_LANG (en_US or zh_CN). It installs the language with the translations
of every installed addon when it is not active yet. The demo records' names
(community, buildings, fee items, products, packages) come from the addons'
i18n/<lang>.po files. It then makes the language that of the administrator,
OdooBot (the user that `odoo shell` runs as) and the demo owners. Last, it
writes the demo values that Odoo does not translate: the company's name, the
addresses and the tenant's name. Exits with status 3 for another language and
when the demo data is missing.
"""

import os
import sys

# Values of untranslatable fields per language. en_US repeats the demo XML,
# so that `--lang en_US` switches a database back to English.
DEMO_VALUES = {
    "en_US": {
        "property_billing.demo_company": {"name": "Sunshine Property Management Co."},
        "property_billing.demo_company_partner": {
            "street": "88 Garden Road",
            "city": "Hangzhou",
        },
        "property_billing.demo_community": {
            "street": "88 Garden Road",
            "city": "Hangzhou",
        },
        "property_billing.demo_tenant": {"name": "Hangzhou Bright Tea House"},
    },
    "zh_CN": {
        "property_billing.demo_company": {"name": "阳光物业管理有限公司"},
        "property_billing.demo_company_partner": {
            "street": "花园路88号",
            "city": "杭州市",
        },
        "property_billing.demo_community": {"street": "花园路88号", "city": "杭州市"},
        "property_billing.demo_tenant": {"name": "杭州明茗茶馆"},
    },
}


def switch_demo_language(env, code):
    if code not in DEMO_VALUES:
        print(
            f"Language {code!r} has no demo values: use one of "
            + ", ".join(sorted(DEMO_VALUES))
            + ".",
            file=sys.stderr,
        )
        sys.exit(3)
    if not env.ref("property_billing.demo_community", raise_if_not_found=False):
        print(
            "The database has no property_billing demo data: install the addons "
            "with demo data first.",
            file=sys.stderr,
        )
        sys.exit(3)

    lang = env["res.lang"].with_context(active_test=False).search([("code", "=", code)])
    if not lang.active:
        env["res.lang"]._activate_lang(code)
        installed = env["ir.module.module"].search([("state", "=", "installed")])
        installed._update_translations([code])

    for xmlid, values in DEMO_VALUES[code].items():
        env.ref(xmlid).write(values)

    demo_partners = env["ir.model.data"].search(
        [
            ("module", "=", "property_billing"),
            ("model", "=", "res.partner"),
            ("name", "=like", "demo_owner_%"),
        ]
    )
    partners = env["res.partner"].browse(demo_partners.mapped("res_id"))
    partners |= env.ref("property_billing.demo_tenant")
    partners |= env.ref("base.user_admin").partner_id
    partners |= env.ref("base.user_root").partner_id
    partners.write({"lang": code})
    env.cr.commit()
    community = env.ref("property_billing.demo_community").with_context(lang=code)
    print(f"Demo language: {code} (community {community.name})")


switch_demo_language(env, os.environ["PB_DEMO_LANG"])  # noqa: F821  (odoo shell defines env)
