"""Tables of plain values written for spreadsheets: CSV for Japanese Excel (UTF-8 with a byte order
mark, CRLF line ends, streamed row by row) or .xlsx (openpyxl).

A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return, which some programs
skip before looking) as a formula: names and titles come from users and content, so such a text is
written with a leading apostrophe in CSV, and as a quoted text cell (never a formula) in .xlsx."""

import csv
import io
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


def write_xlsx(lines: Iterable[list[Value]], sheet_title: str, out) -> None:
    """A workbook of one sheet, written row by row (openpyxl's write-only mode) to the file `out`."""
    # Imported when a workbook is asked for: openpyxl adds 12 MB to every worker that imports it.
    from openpyxl import Workbook
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    for line in lines:
        sheet.append([_xlsx_cell(sheet, value) for value in line])
    workbook.save(out)


def _xlsx_cell(sheet, value: Value):
    from openpyxl.cell import WriteOnlyCell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value.astimezone(TOKYO).replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        # openpyxl would store it as a formula: a text cell with Excel's quote prefix instead.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value
