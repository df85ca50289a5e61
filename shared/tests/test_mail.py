"""E-mail addresses and names as GAS writes them."""

from __future__ import annotations

import pytest

from gas_shared.runtime.mail import mail_name


@pytest.mark.parametrize("filename, shown", [
    ("calls.vcf", '"calls.vcf"'),
    ("Family_Trio-2.VCF.GZ", '"Family_Trio-2.vcf.gz"'),
    ("family <trio>.vcf", '"family trio.vcf"'),
    ("Win a prize at http://evil.example/claim?id=1 now.vcf", '"Win a prize at http evil example claim id 1 now.vcf"'),
    ("write to boss@bank.example.vcf", '"write to boss bank example.vcf"'),
    ("line\r\nBcc: x@evil.example.vcf", '"line Bcc x evil example.vcf"'),
    ("", "your file"), (None, "your file"), ("<>.vcf", "your file"),
])
def test_a_file_name_in_mail_carries_no_link_address_or_line(filename, shown):
    assert mail_name(filename) == shown


def test_a_long_file_name_is_cut():
    assert len(mail_name("a" * 500 + ".vcf")) == 60 + len(".vcf") + 2
