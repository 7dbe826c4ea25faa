"""Fill the payment confirmations' amount left and fix their template.

The payment template printed the bill's amount due when the message was sent,
so a partial payment confirmed after a later payment read "paid in full". It
now prints the amount left right after the payment, stored on the message,
and keeps the space before "The bill is paid in full". The template is
``noupdate`` data, so its body is changed here, in every language (the
translations share the markup), only where it still has the old text.
"""

OLD_BODY_PARTS = (
    (
        '<t t-if="object.amount_residual">',
        '<t t-if="object.amount_left">',
    ),
    (
        "format_amount(object.amount_residual, object.currency_id)",
        "format_amount(object.amount_left, object.currency_id)",
    ),
    (
        '<t t-else="">The bill is paid in full.</t>',
        '<t t-else=""> The bill is paid in full.</t>',
    ),
)


def migrate(cr, version):
    # Messages queued before the upgrade: the bill's amount due now is the
    # best figure left, as the template printed before.
    cr.execute(
        """
        UPDATE property_notification notification
           SET amount_left = move.amount_residual
          FROM account_move move
         WHERE move.id = notification.move_id
           AND notification.stage = 'payment'
        """
    )
    cr.execute(
        """
        SELECT res_id FROM ir_model_data
         WHERE module = 'property_billing'
           AND name = 'mail_template_property_payment'
           AND model = 'mail.template'
        """
    )
    row = cr.fetchone()
    if not row:
        return
    for old, new in OLD_BODY_PARTS:
        cr.execute(
            """
            UPDATE mail_template
               SET body_html = (
                   SELECT jsonb_object_agg(lang, replace(body, %s, %s))
                     FROM jsonb_each_text(body_html) AS translation(lang, body)
               )
             WHERE id = %s AND body_html IS NOT NULL
            """,
            [old, new, row[0]],
        )
