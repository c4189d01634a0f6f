"""Tables of plain values written for spreadsheets: CSV for Japanese Excel (UTF-8 with a byte order
mark, CRLF line ends, streamed row by row) or .xlsx (Office Open XML, one sheet).

A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return, which some programs
skip before looking) as a formula: names and titles come from users and content, so such a text is
written with a leading apostrophe in CSV, and as a quoted text cell (never a formula) in .xlsx."""

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from app.core.timeutil import TOKYO

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TIME_FORMAT = "%Y-%m-%d %H:%M"  # Tokyo time; Excel reads it as a date and time

Value = str | int | float | datetime | date | None


def neutralised(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_value(value: Value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(TOKYO).strftime(TIME_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralised(value)
    return value


def csv_chunks(lines: Iterable[list[Value]], lines_per_chunk: int = 200) -> Iterator[bytes]:
    """UTF-8 with a byte order mark and CRLF (what Excel in Japanese opens without garbling), a chunk of
    lines at a time."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    for n, line in enumerate(lines, start=1):
        writer.writerow([_csv_value(v) for v in line])
        if n % lines_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue().encode("utf-8")


def csv_file(lines: Iterable[list[Value]]) -> bytes:
    """The whole CSV file at once, as csv_chunks writes it (for a small download remembered as written)."""
    return b"".join(csv_chunks(lines))


# The parts of a workbook of one sheet, as Excel writes the least of them. Our own few lines rather than
# openpyxl: a worker that imported it for one download kept 8 MB more for good (the memory budget is 150 MB);
# tests read the files back with openpyxl.
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PARTS = {
    "[Content_Types].xml":
        f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}styles+xml"/></Types>',
    "_rels/.rels":
        f'<Relationships xmlns="{_RELATIONSHIPS}"><Relationship Id="rId1" '
        f'Type="{_DOCUMENT}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/_rels/workbook.xml.rels":
        f'<Relationships xmlns="{_RELATIONSHIPS}">'
        f'<Relationship Id="rId1" Type="{_DOCUMENT}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_DOCUMENT}/styles" Target="styles.xml"/></Relationships>',
    # Cell styles by position: 0 plain, 1 a date and time, 2 a date, 3 a text with Excel's quote prefix
    # (shown and kept as text, never run as a formula).
    "xl/styles.xml":
        f'<styleSheet xmlns="{_MAIN}"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
        f'<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
        f'<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        f'<fills count="2"><fill><patternFill patternType="none"/></fill>'
        f'<fill><patternFill patternType="gray125"/></fill></fills>'
        f'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        f'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        f'<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        f'<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        f'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
        f'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
}
_DATETIME_STYLE, _DATE_STYLE, _QUOTED_STYLE = 1, 2, 3
_EXCEL_EPOCH = datetime(1899, 12, 30)  # day 0 of Excel's serial dates (1900 date system)
_CELL_MAX = 32767  # characters Excel keeps in one cell
# Characters XML 1.0 cannot hold at all (control characters, unpaired surrogates): left out of the file.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A carriage return as a character reference: XML readers turn a raw one into a line feed.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;"})
# Excel reads _x000D_ and the like in a text as an escaped character: such a text is escaped itself.
_EXCEL_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")


def _xml_text(value: str) -> str:
    text = _EXCEL_ESCAPE.sub(r"_x005F_\1", _NOT_IN_XML.sub("", value)[:_CELL_MAX])
    return text.translate(_ESCAPES)


def _column(index: int) -> str:
    """A, B, … Z, AA, AB, … for 0, 1, …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xlsx_cell(reference: str, value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        serial = (value.astimezone(TOKYO).replace(tzinfo=None) - _EXCEL_EPOCH).total_seconds() / 86400
        return f'<c r="{reference}" s="{_DATETIME_STYLE}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{reference}" s="{_DATE_STYLE}"><v>{(value - _EXCEL_EPOCH.date()).days}</v></c>'
    if isinstance(value, str):
        style = f' s="{_QUOTED_STYLE}"' if value.startswith(FORMULA_STARTS) else ""
        return f'<c r="{reference}" t="inlineStr"{style}><is><t xml:space="preserve">{_xml_text(value)}</t></is></c>'
    return f'<c r="{reference}"><v>{value!r}</v></c>'


def write_xlsx(lines: Iterable[list[Value]], sheet_title: str, out) -> None:
    """A workbook of one sheet, written row by row to the file `out`. Every text is a text cell (a text
    that starts like a formula gets Excel's quote prefix); times are Tokyo's, as Excel dates."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as workbook:
        for name, xml in _PARTS.items():
            workbook.writestr(name, _XML + xml)
        workbook.writestr("xl/workbook.xml", (
            f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_DOCUMENT}"><sheets>'
            f'<sheet name="{_xml_text(sheet_title[:31])}" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        with workbook.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'{_XML}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            for number, line in enumerate(lines, start=1):
                cells = "".join(_xlsx_cell(f"{_column(i)}{number}", value) for i, value in enumerate(line))
                sheet.write(f'<row r="{number}">{cells}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
