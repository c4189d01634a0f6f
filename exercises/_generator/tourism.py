"""Simulated data (模擬データ) for the module hokkaido-tourism: Shirakiri Town (白霧町, fictional) in
eastern Hokkaido and its DMO. Every number here is made up; only the shapes follow public patterns
(a summer peak in August, a trough in November, a smaller winter peak in February, the collapse of
FY2020-21 and a recovery that lags behind Hokkaido as a whole).

Four data sets, one per exercise that uses data:
    01-current-state/data/visitors_monthly.csv   monthly tourist counts FY2019-FY2024 (72 rows)
    03-data-analysis/data/inbound_stays.csv      foreign overnight guests by market FY2023-FY2024
    03-data-analysis/data/visitor_survey.csv     visitor survey, summer 2024 and winter 2025
    04-proposal/data/winter_bookings.csv         winter 2025-26 bookings by week and market (the event)

A few rows are spoiled on purpose (see PLANTED below); the briefs ask learners to find them and the
questions' answers are chosen so that they do not depend on how a learner handles them, except where
the derive rules (empty and non-numeric cells are skipped) match what a spreadsheet does anyway."""

from datetime import date, timedelta
from pathlib import Path

from common import rng, write_csv

SLUG = "hokkaido-tourism"

# Fiscal-year months in order (April to March).
MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)
YEARS = (2019, 2020, 2021, 2022, 2023, 2024)

# FY2019 baseline per month: domestic visitors (道内+道外) and foreign visitors, persons.
BASE_DOMESTIC = dict(zip(MONTHS, (30000, 58000, 56000, 82000, 104000, 72000, 60000, 21000, 27000, 33000, 50000, 29000)))
BASE_INBOUND = dict(zip(MONTHS, (3200, 2600, 2400, 5200, 5600, 3600, 6200, 2400, 7800, 10500, 12500, 5200)))
# Share of visitors from elsewhere in Japan (道外客) among domestic visitors, by month.
OUTSIDE_SHARE = dict(zip(MONTHS, (0.22, 0.26, 0.32, 0.36, 0.38, 0.36, 0.32, 0.20, 0.20, 0.22, 0.26, 0.20)))

# Multipliers on the baseline, per fiscal year and month: (Hokkaido residents, rest of Japan, foreign).
def _year_factors(year: int, month: int) -> tuple[float, float, float]:
    i = MONTHS.index(month)
    if year == 2019:
        dom = (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.92, 0.55)[i]
        inb = (1, 1, 1, 1, 1, 1, 1, 1, 1, 1.02, 0.6, 0.1)[i]
        return dom, dom, inb
    if year == 2020:
        dom = (0.25, 0.15, 0.4, 0.6, 0.62, 0.72, 0.85, 0.78, 0.5, 0.4, 0.45, 0.55)[i]
        return dom, dom * 0.5, 0.0
    if year == 2021:
        dom = (0.55, 0.4, 0.45, 0.65, 0.55, 0.5, 0.8, 0.85, 0.8, 0.55, 0.5, 0.7)[i]
        return dom, dom * 0.6, 0.0
    if year == 2022:
        dom = (0.75, 0.8, 0.85, 0.85, 0.82, 0.85, 0.9, 0.95, 0.88, 0.85, 0.88, 0.9)[i]
        inb = (0, 0, 0, 0.01, 0.01, 0.01, 0.12, 0.2, 0.35, 0.45, 0.55, 0.6)[i]
        return dom, dom * 0.8, inb
    if year == 2023:
        return 0.89, 0.80, 0.85
    return 0.93, 0.87, (1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.12, 1.12, 1.12, 1.08)[i]


MARKETS = ("台湾", "香港", "韓国", "中国", "タイ", "シンガポール", "欧米豪", "その他")
MARKET_SHARE = dict(zip(MARKETS, (0.28, 0.15, 0.14, 0.13, 0.08, 0.07, 0.09, 0.06)))
# Seasonal weight per market and month (April to March).
MARKET_SEASON = {
    "台湾": (1.0, 0.9, 0.8, 1.0, 1.0, 1.0, 1.2, 0.9, 1.0, 1.1, 1.2, 1.0),
    "香港": (0.9, 0.8, 0.7, 1.0, 1.0, 0.9, 1.2, 1.0, 1.4, 1.1, 1.0, 1.0),
    "韓国": (0.9, 0.9, 0.9, 1.3, 1.3, 1.0, 1.0, 0.8, 1.3, 1.3, 1.0, 0.9),
    "中国": (0.8, 0.8, 0.9, 1.5, 1.5, 1.0, 1.0, 0.7, 0.8, 0.9, 1.5, 0.8),
    "タイ": (1.5, 0.6, 0.4, 0.4, 0.4, 0.6, 1.0, 1.0, 2.0, 2.0, 2.0, 1.2),
    "シンガポール": (0.8, 0.8, 1.2, 0.8, 0.8, 0.8, 1.0, 1.2, 2.2, 1.2, 1.0, 1.0),
    "欧米豪": (0.7, 0.7, 1.0, 1.6, 1.6, 1.6, 1.6, 0.7, 1.0, 1.0, 1.0, 0.8),
    "その他": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
}
# Growth of FY2024 over FY2023 per market (before scaling to the month's total).
MARKET_GROWTH_2024 = dict(zip(MARKETS, (1.20, 1.15, 1.40, 1.05, 1.80, 1.25, 1.35, 1.20)))
# Nights per guest per market.
MARKET_NIGHTS = dict(zip(MARKETS, (1.5, 1.6, 1.3, 1.4, 1.7, 1.8, 2.1, 1.5)))

# PLANTED data problems (for mentors; also listed in the report of the module):
#   visitors_monthly.csv  2023年度 7月   訪日外国人_人 empty (recoverable: 計 − 道内 − 道外)
#                         2022年度 8月   入込客数計_人 has two digits swapped (≠ 道内+道外+訪日)
#                         2023年度 1月   宿泊延べ数_人泊 lost a digit (smaller than 宿泊客_人)
#   inbound_stays.csv     2023年度 6月 シンガポール, 2024年度 11月 欧米豪: 宿泊客数_人 empty
#                         2023年度 10月 香港: the row appears twice
#                         2023年度 1月 タイ: written in half-width katakana "ﾀｲ"
#                         2024年度 8月 中国: 宿泊客数_人 ten times too large (延数 < 客数)
#   visitor_survey.csv    one 訪日 answer with 一人あたり消費額_円 = "不明"
#                         one 道内 answer with 一人あたり消費額_円 a hundred times too large
#                         one answer with 満足度_5段階 = 6
#                         one 訪日 answer with 国・地域 empty
#   winter_bookings.csv   2026-01-05 その他海外: 前季同時点予約_室泊 empty


def _visitors(r) -> list[list]:
    rows = []
    for year in YEARS:
        for month in MONTHS:
            f_in, f_out, f_inb = _year_factors(year, month)
            domestic = BASE_DOMESTIC[month]
            outside = domestic * OUTSIDE_SHARE[month] * f_out * r.gauss(1, 0.03)
            inside = domestic * (1 - OUTSIDE_SHARE[month]) * f_in * r.gauss(1, 0.03)
            inbound = BASE_INBOUND[month] * f_inb * r.gauss(1, 0.05)
            inside, outside, inbound = (int(round(v, -1)) for v in (inside, outside, inbound))
            total = inside + outside + inbound
            overnight = int(round((inside * 0.2 + outside * 0.55 + inbound * 0.88) * r.gauss(1, 0.02)))
            nights = int(round(overnight * (1.28 + 0.6 * inbound / total) * r.gauss(1, 0.02)))
            rows.append([year, month, inside, outside, inbound, total, overnight, nights])
    return rows


def _swap_digits(n: int) -> int:
    s = list(str(n))
    i = 0 if s[0] != s[1] else 1
    s[i], s[i + 1] = s[i + 1], s[i]
    return int("".join(s))


def _plant_visitors(rows: list[list]) -> None:
    def row(year, month):
        return next(x for x in rows if x[0] == year and x[1] == month)
    row(2023, 7)[4] = None
    r = row(2022, 8)
    r[5] = _swap_digits(r[5])
    r = row(2023, 1)
    r[7] = r[7] // 10


def _inbound(r, visitors: list[list]) -> list[list]:
    rows = []
    for year in (2023, 2024):
        for month in MONTHS:
            inbound = next(x[4] for x in visitors if x[0] == year and x[1] == month)
            guests_total = inbound * 0.88
            i = MONTHS.index(month)
            weights = {m: MARKET_SHARE[m] * MARKET_SEASON[m][i] * (MARKET_GROWTH_2024[m] if year == 2024 else 1.0)
                       for m in MARKETS}
            scale = guests_total / sum(weights.values())
            for m in MARKETS:
                guests = max(0, int(round(weights[m] * scale * r.gauss(1, 0.08))))
                nights = int(round(guests * MARKET_NIGHTS[m] * r.gauss(1, 0.05)))
                rows.append([year, month, m, guests, nights])
    return rows


def _plant_inbound(rows: list[list]) -> list[list]:
    def find(year, month, market):
        return next(i for i, x in enumerate(rows) if x[0] == year and x[1] == month and x[2] == market)
    rows[find(2023, 6, "シンガポール")][3] = None
    rows[find(2024, 11, "欧米豪")][3] = None
    rows[find(2023, 1, "タイ")][2] = "ﾀｲ"
    rows[find(2024, 8, "中国")][3] *= 10
    i = find(2023, 10, "香港")
    rows.insert(i + 1, list(rows[i]))
    return rows


RESIDENCE = ("道内", "道外", "訪日")
AGES = ("20代", "30代", "40代", "50代", "60代", "70代以上")
COMPANIONS = ("ひとり", "夫婦・カップル", "家族", "友人", "団体ツアー")
PAYMENTS = ("現金", "クレジットカード", "QRコード決済", "交通系IC", "その他")
SOURCES = ("SNS", "旅行予約サイト", "公式観光サイト", "ガイドブック・雑誌", "テレビ・新聞", "知人の紹介", "旅行会社")
TROUBLES = ("二次交通が不便", "現金しか使えない店があった", "多言語の案内が少ない", "宿の予約が取りにくい",
            "飲食店が早く閉まる", "特になし", "その他")


def _pick(r, options: tuple, weights: tuple):
    return r.choices(options, weights=weights, k=1)[0]


def _survey_answer(r, season: str) -> list:
    residence = _pick(r, RESIDENCE, (50, 38, 12) if season == "夏" else (40, 25, 35))
    if residence == "訪日":
        winter = season == "冬"
        country = _pick(r, MARKETS, (28, 14, 13, 10, 16 if winter else 4, 8 if winter else 5, 7 if winter else 12, 4))
    else:
        country = "日本"
    age = _pick(r, AGES, {"道内": (8, 12, 18, 20, 24, 18), "道外": (14, 16, 18, 20, 20, 12),
                          "訪日": (30, 30, 20, 12, 6, 2)}[residence])
    companion = _pick(r, COMPANIONS, {"道内": (12, 35, 38, 12, 3), "道外": (15, 40, 25, 12, 8),
                                      "訪日": (8, 30, 27, 20, 15)}[residence])
    nights = _pick(r, (0, 1, 2, 3), {"道内": (55, 40, 5, 0), "道外": (0, 45, 35, 20),
                                      "訪日": (0, 30, 45, 25)}[residence])
    per_night = {"道内": 16000, "道外": 19000, "訪日": 23000}[residence]
    spend = r.uniform(3000, 8000) + nights * per_night * r.uniform(0.75, 1.25)
    spend = int(round(spend, -2))
    payment = _pick(r, PAYMENTS, {"道内": (45, 25, 22, 3, 5), "道外": (25, 45, 20, 8, 2),
                                  "訪日": (35, 45, 15, 0, 5)}[residence])
    source = _pick(r, SOURCES, {"道内": (25, 15, 15, 5, 15, 25, 0), "道外": (25, 35, 10, 15, 0, 10, 5),
                                "訪日": (45, 20, 5, 0, 0, 10, 20)}[residence])
    trouble_weights = {"道内": (15, 10, 0, 5, 15, 50, 5), "道外": (35, 12, 0, 5, 13, 30, 5),
                       "訪日": (25, 25, 25, 5, 5, 15, 0)}[residence]
    if season == "冬":
        trouble_weights = tuple(w * (2 if t == "宿の予約が取りにくい" else 1) for t, w in zip(TROUBLES, trouble_weights))
    trouble = _pick(r, TROUBLES, trouble_weights)
    satisfaction = 4 if r.random() < 0.5 else _pick(r, (2, 3, 5), (1, 3, 3))
    if trouble not in ("特になし", "その他") and satisfaction > 2 and r.random() < 0.45:
        satisfaction -= 1
    revisit = _pick(r, ("ある", "わからない", "ない"), (6, 3, 1) if satisfaction >= 4 else (2, 5, 3))
    return [season, residence, country, age, companion, nights, spend, payment, source, trouble, satisfaction, revisit]


def _survey(r) -> list[list]:
    rows = []
    for season in ("夏", "冬"):
        for _ in range(120):
            rows.append(_survey_answer(r, season))
    for number, row in enumerate(rows, start=1):
        row.insert(0, f"R{number:03d}")
    return rows


def _plant_survey(rows: list[list]) -> None:
    inbound = [x for x in rows if x[2] == "訪日"]
    residents = [x for x in rows if x[2] == "道内"]
    inbound[7][7] = "不明"
    residents[20][7] = residents[20][7] * 100
    rows[150][11] = 6
    inbound[30][3] = None


BOOKING_MARKETS = ("国内", "台湾", "香港", "韓国", "中国", "タイ", "その他海外")
# inbound_stays.csv markets that the DMO's booking tally groups as その他海外
OTHER_OVERSEAS = ("シンガポール", "欧米豪", "その他")
ROOMS = 420  # rooms in the lakeside hot-spring area; 420 x 7 = 2,940 room-nights a week
TOWN_ROOMS = 760  # every lodging in the town; the lakeside area holds 55 % of them
LAKESIDE_SHARE = 0.55  # the lakeside area's share of the town's guest-nights, in winter as over the year
# Guests per occupied room: couples and families at home, larger family and friend groups from Thailand.
GUESTS_PER_ROOM = {"国内": 2.1, "タイ": 2.5}
GUESTS_PER_ROOM_OVERSEAS = 2.3


def guests_per_room(market: str) -> float:
    return GUESTS_PER_ROOM.get(market, GUESTS_PER_ROOM_OVERSEAS)


def _week_shape(day: date) -> float:
    """Demand of a winter week against the other weeks of its month, 1.0 = an ordinary week."""
    if day.month == 12:
        return 2.2 if day.day >= 22 else 0.8
    if day.month == 1:
        return 1.6 if day.day <= 4 else 1.0
    if day.month == 2:
        return 1.7 if 2 <= day.day <= 15 else 1.3
    return 1.0


def _bookings(r, visitors: list[list], inbound: list[list]) -> list[list]:
    """Room-nights per week and market in the lakeside area: this season's bookings on 20 October 2025,
    last season's bookings on the same day, and last season's final result. Last season's result is the
    town's FY2024 guest-nights of the week's month (visitors_monthly.csv, inbound_stays.csv) times the
    lakeside share, over the guests per room. Domestic guests book late (the final is about 1.9 times the
    October figure), foreign guests early (about 1.25 times)."""
    weeks = [date(2025, 12, 1) + timedelta(weeks=week) for week in range(17)]
    month_shape = {}
    for day in weeks:
        month_shape[day.month] = month_shape.get(day.month, 0) + _week_shape(day)
    rows = []
    for day in weeks:
        nights = {m: 0 for m in BOOKING_MARKETS}
        for year, month, market, _guests, market_nights in inbound:
            if year == 2024 and month == day.month:
                nights["その他海外" if market in OTHER_OVERSEAS else market] += market_nights
        town_nights = next(x[7] for x in visitors if x[0] == 2024 and x[1] == day.month)
        nights["国内"] = town_nights - sum(nights.values())
        if (day.month == 1 and day.day >= 19) or (day.month == 2 and day.day <= 22):
            thai = 4.0 if day.month == 2 and day.day <= 15 else 2.5
        else:
            thai = 1.5
        growth = {"国内": 1.0, "台湾": 1.15, "香港": 1.1, "韓国": 1.3, "中国": 1.0, "タイ": thai, "その他海外": 1.2}
        for market in BOOKING_MARKETS:
            pickup = 1.9 if market == "国内" else 1.25
            share = _week_shape(day) / month_shape[day.month]
            before = nights[market] * LAKESIDE_SHARE * share / guests_per_room(market) / pickup * r.gauss(1, 0.08)
            final = int(round(before * pickup * r.gauss(1, 0.04)))
            now = int(round(before * growth[market] * r.gauss(1, 0.08)))
            rows.append([day.isoformat(), market, now, int(round(before)), final])
    next(x for x in rows if x[0] == "2026-01-05" and x[1] == "その他海外")[3] = None
    return rows


def generate(out_root: Path) -> None:
    r = rng(SLUG)
    base = out_root / SLUG

    visitors = _visitors(r)
    clean_inbound = _inbound(r, visitors)
    # last winter's bookings follow from the town's own figures, before any planted problem
    clean_visitors = [list(x) for x in visitors]
    inbound = _plant_inbound([list(x) for x in clean_inbound])
    _plant_visitors(visitors)
    write_csv(base / "01-current-state" / "data" / "visitors_monthly.csv",
              ["年度", "月", "道内客_人", "道外客_人", "訪日外国人_人", "入込客数計_人", "宿泊客_人", "宿泊延べ数_人泊"],
              visitors)
    write_csv(base / "03-data-analysis" / "data" / "inbound_stays.csv",
              ["年度", "月", "国・地域", "宿泊客数_人", "宿泊客延数_人泊"], inbound)

    survey = _survey(r)
    _plant_survey(survey)
    write_csv(base / "03-data-analysis" / "data" / "visitor_survey.csv",
              ["回答ID", "調査時期", "居住地", "国・地域", "年代", "同行者", "泊数", "一人あたり消費額_円",
               "主な支払い方法", "旅行前の主な情報源", "最も困ったこと", "満足度_5段階", "再訪意向"], survey)

    write_csv(base / "04-proposal" / "data" / "winter_bookings.csv",
              ["週の開始日", "市場", "今季予約_室泊", "前季同時点予約_室泊", "前季実績_室泊"],
              _bookings(r, clean_visitors, clean_inbound))
