"""Simulated data (模擬データ) for the module kushiro-fisheries (釧路の水産DX).

The port town 霧浜町, its fishers' cooperative, market, boats, buyers and carriers are fictional.
Every number written here is simulated. The shapes follow public facts on the Kushiro area only
roughly (sardine up, saury and autumn salmon down, a poor pollock spell in 2022–23).

Planted data problems (for mentors; the briefs only say that data quality must be checked):

landings_monthly.csv
  - 2019 / 9 / マイワシ is entered twice (the copy sits at the end of the 2019 block).
  - 2021 / 10 / 秋サケ: 水揚金額_千円 is empty.
  - 2018 / 12 / スケトウダラ: 水揚量_t was typed in kilograms (1,000 times too large).
  - 2022 / 12 / サンマ: both values are "－" instead of numbers (no landings that month).

auction_lots.csv
  - 2025-09-24 and 2025-09-25: 魚体温度_℃ is empty for every lot (thermometer battery).
  - the first 秋サケ lot from 2025-10-14 on has 魚体温度_℃ 45.0 (typed for 4.5).
  - three lots are 不落 (unsold): 落札単価_円kg is the text "不落" and 買受人 is empty.
  - one サンマ lot has a 水揚時刻 later than its セリ時刻.
  - one マイワシ lot is entered twice (same ロット番号).

shipments.csv
  - five shipments have no logger data: 到着時品温_℃ and 温度逸脱 are empty.
  - one shipment is entered twice (same 出荷番号).
  - one 所要時間_h is negative (sign typed wrongly).
  - クレーム is written "有" twice instead of "あり".
"""

import datetime as dt
from pathlib import Path

from common import rng, write_csv

SLUG = "kushiro-fisheries"
YEARS = list(range(2016, 2026))

# Annual landings (t) and prices (yen/kg) before monthly noise. Simulated.
ANNUAL_T = {
    "マイワシ": [6000, 9000, 14000, 18000, 24000, 34000, 30000, 42000, 38000, 36000],
    "サンマ": [5200, 2600, 3000, 1100, 700, 260, 120, 200, 380, 520],
    "秋サケ": [950, 700, 820, 640, 600, 480, 560, 470, 520, 190],
    "スケトウダラ": [9000, 8500, 9400, 8800, 9600, 10500, 6000, 4800, 7200, 7600],
    "その他": [3600, 3500, 3450, 3300, 3250, 3200, 3050, 3000, 2900, 2850],
}
ANNUAL_PRICE = {
    "マイワシ": [32, 34, 33, 31, 30, 33, 46, 62, 52, 49],
    "サンマ": [190, 280, 230, 420, 560, 680, 720, 600, 470, 420],
    "秋サケ": [520, 700, 600, 640, 700, 760, 740, 800, 820, 1150],
    "スケトウダラ": [62, 66, 60, 64, 70, 72, 78, 82, 74, 70],
    "その他": [290, 300, 295, 310, 305, 320, 330, 335, 340, 345],
}
# Share of the year's landings per month (the fishing season).
SEASON = {
    "マイワシ": {6: 0.05, 7: 0.12, 8: 0.22, 9: 0.25, 10: 0.22, 11: 0.14},
    "サンマ": {8: 0.10, 9: 0.35, 10: 0.35, 11: 0.15, 12: 0.05},
    "秋サケ": {9: 0.30, 10: 0.45, 11: 0.20, 12: 0.05},
    "スケトウダラ": {1: 0.22, 2: 0.20, 3: 0.12, 10: 0.10, 11: 0.16, 12: 0.20},
    "その他": {1: 0.07, 2: 0.06, 3: 0.07, 4: 0.08, 5: 0.09, 6: 0.09,
             7: 0.09, 8: 0.09, 9: 0.09, 10: 0.09, 11: 0.09, 12: 0.09},
}
SPECIES = ["マイワシ", "サンマ", "秋サケ", "スケトウダラ", "その他"]


def _landings(r, out_dir: Path) -> None:
    rows = []
    duplicate = None
    for yi, year in enumerate(YEARS):
        year_rows = []
        for month in range(1, 13):
            for species in SPECIES:
                share = SEASON[species].get(month)
                if share is None:
                    continue
                tonnes = round(ANNUAL_T[species][yi] * share * r.uniform(0.85, 1.15))
                price = ANNUAL_PRICE[species][yi] * r.uniform(0.92, 1.08)
                if species == "サンマ" and month == 8:
                    price *= 1.4  # the first saury of the season sells high
                value = round(tonnes * price)  # t × yen/kg = thousand yen
                row = [year, month, species, tonnes, value]
                if (year, month, species) == (2022, 12, "サンマ"):
                    row[3], row[4] = "－", "－"
                if (year, month, species) == (2021, 10, "秋サケ"):
                    row[4] = None
                if (year, month, species) == (2018, 12, "スケトウダラ"):
                    row[3] = tonnes * 1000
                if (year, month, species) == (2019, 9, "マイワシ"):
                    duplicate = list(row)
                year_rows.append(row)
        if year == 2019:
            year_rows.append(duplicate)
        rows.extend(year_rows)
    write_csv(out_dir / "landings_monthly.csv", ["年", "月", "魚種", "水揚量_t", "水揚金額_千円"], rows)


def _market_days() -> list[dt.date]:
    storm = {dt.date(2025, 9, 17), dt.date(2025, 10, 9), dt.date(2025, 10, 22)}
    day, end, days = dt.date(2025, 9, 1), dt.date(2025, 10, 31), []
    while day <= end:
        if day.weekday() != 6 and day not in storm:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


SAURY_BOATS = [("第一霧浜丸", "シャーベット氷"), ("幸栄丸", "シャーベット氷"), ("北斗丸", "砕氷")]
SET_NETS = [("東浜定置", "砕氷"), ("西浜定置", "砕氷")]
SEINERS = [("第八光洋丸", "冷海水"), ("第十一宝生丸", "冷海水")]
BASE_TEMP = {"シャーベット氷": 1.6, "砕氷": 4.4, "冷海水": 3.0}
AUCTION_TIME = {"マイワシ": 6 * 60, "サンマ": 6 * 60 + 30, "秋サケ": 7 * 60 + 30}


def _auction(r, out_dir: Path) -> None:
    saury_factor, salmon_factor = 1.0, 1.0
    rows = []
    for day in _market_days():
        saury_factor = min(1.25, max(0.8, saury_factor * r.uniform(0.94, 1.06)))
        salmon_factor = min(1.2, max(0.85, salmon_factor * r.uniform(0.96, 1.04)))
        no_thermometer = day in (dt.date(2025, 9, 24), dt.date(2025, 9, 25))
        lots = []  # (species, boat, cooling, grade, kg, landed_minute)
        for boat, cooling in SEINERS:
            if r.random() < 0.45:
                lots.append(("マイワシ", boat, cooling, "混", r.randrange(8000, 42000, 100),
                             r.randint(2 * 60, 5 * 60 + 20)))
        for boat, cooling in SAURY_BOATS:
            if r.random() < (0.4 if day.month == 9 else 0.5):
                catch = r.randrange(800, 4200, 50)
                landed = r.randint(30, 6 * 60)
                grades = [("大", 0.3), ("中", 0.5), ("小", 0.2)] if r.random() < 0.3 else [("大", 0.35), ("中", 0.65)]
                for grade, share in grades:
                    lots.append(("サンマ", boat, cooling, grade, int(round(catch * share / 10) * 10), landed))
        peak = 1.0 + 0.6 * max(0.0, 1 - abs((day - dt.date(2025, 10, 5)).days) / 25)
        for boat, cooling in SET_NETS:
            if r.random() < 0.3:  # some days a set net brings nothing to the auction
                continue
            landed = r.randint(5 * 60, 7 * 60 + 5)
            for grade, mean_kg in (("メス", 330), ("オス", 420)):
                lots.append(("秋サケ", boat, cooling, grade, int(round(mean_kg * peak * r.uniform(0.5, 1.5) / 5) * 5),
                             landed))
        for n, (species, boat, cooling, grade, kg, landed) in enumerate(lots, start=1):
            auction = AUCTION_TIME[species]
            wait = max(0, auction - landed)
            temp = BASE_TEMP[cooling] + 0.012 * max(0, wait - 60) + r.gauss(0, 0.5)
            temp = round(max(-0.5, temp), 1)
            if species == "サンマ":
                base = {"大": 620, "中": 430, "小": 240}[grade] * saury_factor
                price = base * (1 - 0.045 * (temp - 2.0)) * r.uniform(0.95, 1.05)
            elif species == "秋サケ":
                # 2025's record-low catch: the market price the monthly landings show (about 1,150-1,200 yen/kg)
                base = {"メス": 1610, "オス": 980}[grade] * salmon_factor
                price = base * (1 - 0.03 * (temp - 3.5)) * r.uniform(0.95, 1.05)
            else:
                price = 55 * (1 - 0.02 * (temp - 3.0)) * r.uniform(0.9, 1.1)
            buyer = r.choice(["B01", "B02", "B03", "B04", "B05", "B06"] if species != "マイワシ" else ["B07", "B08", "B09"])
            rows.append([day.isoformat(), f"{day:%m%d}-{n:02d}", species, grade, boat, cooling,
                         _hhmm(landed), _hhmm(auction), kg, None if no_thermometer else temp,
                         round(price), buyer])
    # Planted problems.
    next(row for row in rows if row[0] >= "2025-10-14" and row[2] == "秋サケ")[9] = 45.0
    small_saury = [row for row in rows if row[2] == "サンマ" and row[3] == "小"]
    for row in (small_saury[3], small_saury[11]):
        row[10], row[11] = "不落", None
    sardines = [row for row in rows if row[2] == "マイワシ"]
    sardines[17][10], sardines[17][11] = "不落", None
    late = [row for row in rows if row[2] == "サンマ" and row[0] >= "2025-10-01"][5]
    late[6] = "07:15"
    copied = sardines[8]
    rows.insert(rows.index(copied) + 1, list(copied))
    header = ["セリ日", "ロット番号", "魚種", "規格", "船名", "冷却方法", "水揚時刻", "セリ時刻",
              "数量_kg", "魚体温度_℃", "落札単価_円kg", "買受人"]
    write_csv(out_dir / "auction_lots.csv", header, rows)


ROUTES = {  # destination: [(route, weight, hours range, transfers range)]
    "札幌": [("トラック直送", 1.0, (5.5, 7.5), (0, 0))],
    "帯広": [("トラック直送", 1.0, (2.5, 3.5), (0, 0))],
    "東京": [("トラック＋フェリー", 0.6, (26, 34), (1, 2)), ("航空便", 0.4, (9, 13), (2, 2))],
    "大阪": [("トラック＋フェリー", 0.8, (38, 48), (1, 2)), ("航空便", 0.2, (12, 16), (2, 3))],
}


def _shipments(r, out_dir: Path) -> None:
    rows, number = [], 0
    for day in _market_days():
        for _ in range(r.choice([2, 3, 3, 4])):
            number += 1
            species = "サンマ" if r.random() < 0.55 else "秋サケ"
            destination = r.choices(["札幌", "帯広", "東京", "大阪"], weights=[35, 15, 35, 15])[0]
            options = ROUTES[destination]
            route, _, hours_range, transfers_range = r.choices(options, weights=[o[1] for o in options])[0]
            hours = round(r.uniform(*hours_range), 1)
            transfers = r.randint(*transfers_range)
            # Each hand-over (積替え) is a chance for the cold chain to break; the airport ramp most of all.
            chance = {"トラック直送": 0.03, "航空便": 0.16, "トラック＋フェリー": 0.12}[route] + 0.08 * max(0, transfers - 1)
            deviation = r.random() < chance
            shipped = round(r.gauss(2.4, 0.6), 1)
            arrived = shipped + 0.03 * hours + r.gauss(0, 0.4) + (r.uniform(2.5, 6.5) if deviation else 0)
            claim = r.random() < (0.45 if deviation else 0.04)
            rows.append([f"S25-{number:04d}", day.isoformat(), species, r.choice(["B01", "B02", "B03", "B04", "B05", "B06"]),
                         destination, route, transfers, hours, shipped, round(arrived, 1),
                         "あり" if deviation else "なし", "あり" if claim else "なし"])
    # Planted problems: lost loggers, a double entry, a sign typo, two spellings of "あり".
    for index in (14, 47, 88, 121, 140):
        rows[index][9], rows[index][10] = None, None
    direct = [row for row in rows if row[5] == "トラック直送" and row[10] == "なし" and row[9] is not None]
    direct[20][7] = -direct[20][7]
    copied = direct[33]
    rows.insert(rows.index(copied) + 1, list(copied))
    claims = [row for row in rows if row[11] == "あり"]
    for row in (claims[2], claims[7]):
        row[11] = "有"
    header = ["出荷番号", "出荷日", "魚種", "荷主", "仕向け先", "輸送経路", "積替え回数", "所要時間_h",
              "出荷時品温_℃", "到着時品温_℃", "温度逸脱", "クレーム"]
    write_csv(out_dir / "shipments.csv", header, rows)


def generate(out_root: Path) -> None:
    module = out_root / SLUG
    r = rng(SLUG)  # one seeded generator, used in a fixed order
    _landings(r, module / "01-current-state" / "data")
    _auction(r, module / "03-data-analysis" / "data")
    _shipments(r, module / "03-data-analysis" / "data")
