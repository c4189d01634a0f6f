"""The .xlsx writer (app/core/spreadsheets.py), read back with openpyxl as a spreadsheet program reads it."""

import io
import zipfile
from datetime import date, datetime, timezone

from openpyxl import load_workbook

from app.core.spreadsheets import write_xlsx


def _written(lines, title="進捗"):
    out = io.BytesIO()
    write_xlsx(lines, title, out)
    return out.getvalue()


def _sheet(lines, title="進捗"):
    return load_workbook(io.BytesIO(_written(lines, title))).active


def test_values_come_back_with_their_types_and_times_in_tokyo():
    sheet = _sheet([["名前", 3, 2.5, None, datetime(2026, 12, 2, 15, 30, tzinfo=timezone.utc), date(2026, 12, 2)]])
    name, whole, fraction, empty, moment, day = (cell for cell in sheet[1])
    assert (name.value, name.data_type) == ("名前", "s")
    assert (whole.value, fraction.value, empty.value) == (3, 2.5, None)
    assert moment.value == datetime(2026, 12, 3, 0, 30) and moment.number_format == "yyyy-mm-dd hh:mm"
    assert day.value == datetime(2026, 12, 2) and day.number_format == "yyyy-mm-dd"


def test_texts_that_look_like_formulas_stay_text_with_the_quote_prefix():
    sheet = _sheet([["=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "普通"]])
    cells = list(sheet[1])
    assert [c.value for c in cells] == ["=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "普通"]
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells] == [True, True, True, True, False]


def test_markup_line_breaks_and_leading_spaces_are_kept():
    text = '<b>&amp;</b> "引用"\r\n次の行'
    sheet = _sheet([[text, "  字下げ"]])
    assert sheet["A1"].value == text and sheet["B1"].value == "  字下げ"


def test_characters_xml_cannot_hold_are_left_out_and_a_long_text_is_cut_at_excels_limit():
    sheet = _sheet([["a\x00b\x1fc\ud800d", "字" * 40000]])
    assert sheet["A1"].value == "abcd"
    assert len(sheet["B1"].value) == 32767


def test_a_text_like_excels_own_escapes_is_escaped_itself():
    # Excel would read _x0041_ as "A"; written as _x005F_x0041_ it shows the text as typed.
    xml = zipfile.ZipFile(io.BytesIO(_written([["_x0041_"]]))).read("xl/worksheets/sheet1.xml").decode()
    assert "_x005F_x0041_" in xml


def test_columns_past_z_and_the_sheet_title():
    title = "成績表 <2026> & 進捗の長い長い長い長い長い長い長い長い題名"  # Excel keeps 31 characters of a title
    sheet = _sheet([list(range(30)), ["last"]], title=title)
    assert sheet.title == title[:31] and len(title) > 31
    assert sheet["Z1"].value == 25 and sheet["AD1"].value == 29 and sheet["A2"].value == "last"
    assert sheet.max_row == 2
