"""Check an addon's zh_CN translation against the terms Odoo would export.

The terms come from Odoo's own exporter (``TranslationModuleReader``, the code
behind ``--i18n-export``) run on the test database, so the checks cover every
``_()`` string, field label, selection value, view text, mail template and
data-record name of the installed addon. The zh_CN language does not need to
be installed: the check reads ``i18n/zh_CN.po`` and the ``.pot`` from disk.
"""

import contextlib
import logging
import re
from pathlib import Path

import polib

from odoo.modules.module import get_module_path
from odoo.tools.translate import TRANSLATED_ATTRS, TranslationModuleReader

LANG = "zh_CN"
# printf and str.format placeholders and QWeb {{ }} expressions.
PLACEHOLDER_RE = re.compile(r"%\(\w+\)[sdfr]|%[sdfr%]|\{\{.*?\}\}|\{\w*\}", re.DOTALL)
TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")
ATTRIBUTE_RE = re.compile(r"([\w:.-]+)\s*=\s*(\"[^\"]*\"|'[^']*')")
TAG_NAME_RE = re.compile(r"</?\s*([\w:.-]+)")


def _normalize_placeholder(placeholder):
    """Return a placeholder in a form that ignores translated attributes.

    Attributes such as ``title`` or ``placeholder`` inside a term are
    translated with it, so only the tag and its other attributes must match.
    """
    if not placeholder.startswith("<"):
        return placeholder
    tag = TAG_NAME_RE.match(placeholder).group(1)
    kept = sorted(
        f"{name}={value}"
        for name, value in ATTRIBUTE_RE.findall(placeholder)
        if name not in TRANSLATED_ATTRS
    )
    closing = "/" if placeholder.startswith("</") else ""
    return f"<{closing}{tag} {' '.join(kept)}>"


def placeholders(text, with_tags=True):
    """Return the sorted placeholders, and tags if asked, of a term or translation."""
    found = PLACEHOLDER_RE.findall(text)
    if with_tags:
        found += TAG_RE.findall(text)
    return sorted(_normalize_placeholder(p) for p in found)


@contextlib.contextmanager
def capture_errors(logger_name):
    """Collect the messages of the ERROR records that a logger emits."""
    messages = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


class ZhCNTranslationMixin:
    """Tests that an addon's i18n/zh_CN.po and .pot cover its terms.

    Mix into a ``TransactionCase`` and set ``_i18n_module`` to the addon's
    name. Each failure lists every term at fault with its source location, as
    the .pot would write it.
    """

    _i18n_module = None
    # Odoo's test loader skips inherited test methods without this flag.
    allow_inherited_tests_method = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        module = cls._i18n_module
        i18n_dir = Path(get_module_path(module)) / "i18n"
        cls.pot_path = i18n_dir / f"{module}.pot"
        cls.po_path = i18n_dir / f"{LANG}.po"
        # The reader logs an ERROR and skips the file when Babel cannot parse
        # it (an f-string inside _() for instance), so its terms would vanish.
        with capture_errors("odoo.tools.translate") as logs:
            reader = TranslationModuleReader(cls.env.cr, modules=[module])
            cls.terms = {}
            # A text used only by plain-text fields ('model' terms, such as a
            # help) has no tags: "<" in "payment:<payment entry id>" is text.
            cls.plain_text_terms = set()
            cls.markup_terms = set()
            for _module, ttype, name, res_id, source, _value, _comments in reader:
                cls.terms.setdefault(source, f"{ttype}:{name}:{res_id}")
                if ttype == "model":
                    cls.plain_text_terms.add(source)
                else:
                    cls.markup_terms.add(source)
            cls.plain_text_terms -= cls.markup_terms
        cls.extraction_logs = logs

    def _read_catalog(self, path):
        self.assertTrue(path.is_file(), f"{path} is missing")
        return {entry.msgid: entry.msgstr for entry in polib.pofile(str(path))}

    def _format_terms(self, terms):
        return "\n".join(
            f"  {self.terms[msgid]}\n    {msgid!r}{suffix}" for msgid, suffix in terms
        )

    def _placeholders_differ(self, msgid, msgstr):
        with_tags = msgid not in self.plain_text_terms
        return placeholders(msgid, with_tags) != placeholders(msgstr, with_tags)

    def test_terms_extracted(self):
        self.assertTrue(self.terms, f"Odoo exports no term of {self._i18n_module}")
        self.assertEqual(
            len(self.extraction_logs),
            0,
            "Odoo could not extract the terms of some files:\n"
            + "\n".join(self.extraction_logs),
        )

    def test_pot_up_to_date(self):
        pot = self._read_catalog(self.pot_path)
        missing = [(msgid, "") for msgid in sorted(self.terms) if msgid not in pot]
        self.assertEqual(
            len(missing),
            0,
            f"{len(missing)} terms are missing from {self.pot_path}; export it "
            f"again with --i18n-export:\n{self._format_terms(missing)}",
        )

    def test_zh_cn_translated(self):
        po = self._read_catalog(self.po_path)
        missing = [(msgid, "") for msgid in sorted(self.terms) if not po.get(msgid)]
        self.assertEqual(
            len(missing),
            0,
            f"{len(missing)} terms have no translation in {self.po_path}:\n"
            f"{self._format_terms(missing)}",
        )

    def test_zh_cn_placeholders_kept(self):
        po = self._read_catalog(self.po_path)
        mismatched = [
            (msgid, f"\n    -> {po[msgid]!r}")
            for msgid in sorted(self.terms)
            if po.get(msgid) and self._placeholders_differ(msgid, po[msgid])
        ]
        self.assertEqual(
            len(mismatched),
            0,
            f"{len(mismatched)} translations in {self.po_path} change the "
            f"placeholders or tags of their term:\n{self._format_terms(mismatched)}",
        )
