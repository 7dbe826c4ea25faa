import time
from datetime import datetime

from cryptography.exceptions import InvalidTag

from odoo.tests import TransactionCase, tagged

from ..tools import amounts, orders, signing, templates
from .wechat_pay_emulator import WeChatPayEmulator, _private_pem, _public_pem


@tagged("post_install", "-at_install")
class TestWeChatPayTools(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cny = cls.env.ref("base.CNY")
        # Not started: only its keys and checks are used.
        cls.emulator = WeChatPayEmulator()
        cls.merchant_key = signing.load_private_key(
            _private_pem(cls.emulator.merchant_key)
        )

    def test_amount_to_fen_exact(self):
        cases = [
            (19.90, 1990),
            (263.90, 26390),
            (1111.11, 111111),
            (0.29, 29),
            (19.99, 1999),
            (4.35, 435),
            (8.2, 820),
            (0.01, 1),
            (257.80, 25780),
            (100000.07, 10000007),
        ]
        for amount, fen in cases:
            with self.subTest(amount=amount):
                self.assertEqual(amounts.amount_to_fen(amount, self.cny), fen)

    def test_amount_to_fen_rounds_currency(self):
        self.assertEqual(amounts.amount_to_fen(19.905, self.cny), 1991)
        self.assertEqual(amounts.amount_to_fen(19.904, self.cny), 1990)
        jpy = self.env.ref("base.JPY")
        self.assertEqual(amounts.amount_to_fen(1500, jpy), 1500)

    def test_fen_to_amount(self):
        self.assertEqual(amounts.fen_to_amount(26390, self.cny), 263.90)
        self.assertEqual(amounts.fen_to_amount(1, self.cny), 0.01)

    def test_out_trade_no_format(self):
        numbers = {orders.generate_out_trade_no("PB1A2B3C") for _i in range(200)}
        self.assertEqual(len(numbers), 200)
        for number in numbers:
            self.assertTrue(orders.is_valid_out_trade_no(number), number)
            self.assertRegex(number, r"^PB1A2B3C[0-9]{10}[0-9a-f]{14}$")
            self.assertEqual(len(number), 32)
        self.assertTrue(orders.is_valid_out_trade_no(orders.generate_out_trade_no("P")))

    def test_out_trade_no_rejects_bad_values(self):
        for prefix in ("", "TOOLONG99", "A/B", "中文"):
            with self.subTest(prefix=prefix), self.assertRaises(ValueError):
                orders.generate_out_trade_no(prefix)
        for value in ("12345", "INV/2024/00001", "a" * 33, "ab cdef"):
            with self.subTest(value=value):
                self.assertFalse(orders.is_valid_out_trade_no(value))

    def test_out_refund_no_stable(self):
        self.assertEqual(orders.generate_out_refund_no("PBX123456", 1), "PBX123456R01")
        self.assertEqual(orders.generate_out_refund_no("PBX123456", 12), "PBX123456R12")

    def test_time_expire_china_offset(self):
        text = orders.format_time_expire(datetime(2026, 12, 31, 16, 30, 15, 999))
        self.assertEqual(text, "2027-01-01T00:30:15+08:00")
        self.assertEqual(
            orders.parse_rfc3339("2027-01-01T00:30:15+08:00"),
            datetime(2026, 12, 31, 16, 30, 15),
        )
        with self.assertRaises(ValueError):
            orders.parse_rfc3339("2027-01-01T00:30:15")

    def test_authorization_accepted_by_emulator(self):
        body = '{"mchid":"1900000109","amount":{"total":1990}}'
        path = "/v3/pay/transactions/out-trade-no/PBX1234567?mchid=1900000109"
        header = signing.build_authorization(
            self.emulator.mchid,
            self.emulator.merchant_serial,
            self.merchant_key,
            "POST",
            path,
            body,
        )
        self.emulator.check_authorization("POST", path, header, body.encode())
        # The same header for another body, path or method must fail.
        for method, other_path, other_body in (
            ("POST", path, body.replace("1990", "1991")),
            ("POST", path.replace("?mchid=1900000109", ""), body),
            ("GET", path, body),
        ):
            with (
                self.subTest(method=method, path=other_path),
                self.assertRaisesRegex(Exception, "signature verification failed"),
            ):
                self.emulator.check_authorization(
                    method, other_path, header, other_body.encode()
                )

    def test_authorization_stale_timestamp(self):
        header = signing.build_authorization(
            self.emulator.mchid,
            self.emulator.merchant_serial,
            self.merchant_key,
            "GET",
            "/v3/x",
            "",
            timestamp=time.time() - 301,
        )
        with self.assertRaisesRegex(Exception, "more than 5 minutes"):
            self.emulator.check_authorization("GET", "/v3/x", header, b"")

    def _keys(self):
        return {
            self.emulator.public_key_id: signing.load_public_key(
                _public_pem(self.emulator.public_key_key)
            )
        }

    def test_notification_signature_checks(self):
        resource = {"out_trade_no": "PBX1234567"}
        headers, body = self.emulator.build_notification(
            "TRANSACTION.SUCCESS", "transaction", resource
        )
        serial = signing.verify_wechatpay_signature(headers, body, self._keys())
        self.assertEqual(serial, self.emulator.public_key_id)
        faults = {
            "tampered": {"tamper": True},
            "stale": {"age": 301},
            "wrong key": {"wrong_key": True},
            "probe": {"probe": True},
            "certificate serial unknown": {"mode": "certificate"},
        }
        for name, options in faults.items():
            headers, body = self.emulator.build_notification(
                "TRANSACTION.SUCCESS", "transaction", resource, **options
            )
            with self.subTest(name), self.assertRaises(signing.SignatureError):
                signing.verify_wechatpay_signature(headers, body, self._keys())
        headers, body = self.emulator.build_notification(
            "TRANSACTION.SUCCESS", "transaction", resource
        )
        del headers["Wechatpay-Nonce"]
        with self.assertRaisesRegex(signing.SignatureError, "missing"):
            signing.verify_wechatpay_signature(headers, body, self._keys())

    def test_stale_timestamp_future(self):
        headers, body = self.emulator.build_notification(
            "TRANSACTION.SUCCESS", "transaction", {}, age=-400
        )
        with self.assertRaisesRegex(signing.SignatureError, "stale"):
            signing.verify_wechatpay_signature(headers, body, self._keys())

    def test_decrypt_resource(self):
        import json

        headers, body = self.emulator.build_notification(
            "TRANSACTION.SUCCESS", "transaction", {"amount": {"total": 1990}}
        )
        resource = json.loads(body)["resource"]
        plaintext = signing.decrypt_resource(
            self.emulator.apiv3_key,
            resource["nonce"],
            resource["ciphertext"],
            resource["associated_data"],
        )
        self.assertEqual(json.loads(plaintext), {"amount": {"total": 1990}})
        with self.assertRaises(InvalidTag):
            signing.decrypt_resource(
                "x" * 32, resource["nonce"], resource["ciphertext"], "transaction"
            )
        with self.assertRaises(InvalidTag):
            signing.decrypt_resource(
                self.emulator.apiv3_key,
                resource["nonce"],
                resource["ciphertext"],
                "refund",
            )

    def test_normalize_single_line_pem(self):
        pem = _private_pem(self.emulator.merchant_key)
        single_line = " ".join(pem.split("\n"))
        key = signing.load_private_key(single_line)
        self.assertEqual(
            key.public_key().public_numbers(),
            self.emulator.merchant_key.public_key().public_numbers(),
        )
        with self.assertRaises(ValueError):
            signing.load_private_key("not a key")

    def test_template_fields_and_values(self):
        self.assertEqual(
            templates.parse_fields(" thing1=community, amount3=amount "),
            [("thing1", "community"), ("amount3", "amount")],
        )
        for text in ("", "thing1", "thing1=password", "Thing1=bill", "1=bill"):
            with self.subTest(text=text), self.assertRaises(ValueError):
                templates.parse_fields(text)
        self.assertEqual(templates.format_value("amount3", 19.9), "19.90元")
        self.assertEqual(templates.format_value("amount3", 263.9), "263.90元")
        self.assertEqual(templates.format_value("amount3", 0.285), "0.29元")
        self.assertEqual(templates.format_value("amount3", 5, 0), "5元")
        self.assertEqual(
            templates.format_value("time4", datetime(2026, 3, 31, 9, 0)), "2026-03-31"
        )
        self.assertEqual(
            templates.format_value("thing1", "阳光花园" * 6), "阳光花园" * 4 + "阳光花…"
        )
        self.assertEqual(len(templates.format_value("thing1", "x" * 40)), 20)
        self.assertEqual(
            templates.format_value("character_string2", "INV/2026/00001 (A)"),
            "INV/2026/00001--A-",
        )
        self.assertEqual(
            templates.format_value("character_string2", "9" * 40), "9" * 32
        )
        self.assertEqual(templates.format_value("thing1", None), "")
