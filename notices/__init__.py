"""Rendering a challan for the citizen: values in, bytes or text out; no I/O, no database.

- `notices.notice.ChallanNotice` (+ `EvidenceImage`): everything printed, as plain values.
- `notices.pdf.render_challan_pdf(notice) -> bytes`: one A4 page, English and Urdu.
- `notices.sms.challan_sms_text(number, rule, SmsPrice, portal_domain, ...) -> str`, English + Urdu.
- `notices.qr.qr_png(url) / qr_drawing(url) / draw_qr(canvas, url, x, y, size)`.

Needs the Debian packages `fonts-noto-core` (the Urdu font) at run time and `poppler-utils`
for the tests.
"""
