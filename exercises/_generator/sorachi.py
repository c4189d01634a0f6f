"""Simulated data (模擬データ) for exercises/sorachi-agriculture/: 空知町（架空）, a fictional rice town.

Four data sets, each with a few planted data-quality problems that the briefs ask learners to find
(the mentors' list is in the module's report and in the comments below):

  01-current-state/data/farm_households.csv   farms per district and fiscal year, FY2015-FY2024
  02-issue-setting/data/farmer_survey.csv     the town's farmer survey of July 2025
  03-data-analysis/data/field_register.csv    the fields (圃場) of the ten farms in last summer's trial
  03-data-analysis/data/water_patrol_log.csv  their weekly water-patrol log, May-August 2025

Every number is made up. The questions.toml files derive their answers from these files, so the
planted problems sit where they do not change a derived answer (see the comments at each one)."""

import random
from datetime import date, timedelta
from pathlib import Path

from common import rng, write_csv

SLUG = "sorachi-agriculture"


def generate(out_root: Path) -> None:
    base = rng(SLUG)
    # One stream per data set, drawn in a fixed order: changing one data set leaves the others alone.
    streams = {name: random.Random(base.getrandbits(64)) for name in ("households", "survey", "fields", "patrol")}
    module = out_root / SLUG
    _households(module / "01-current-state" / "data" / "farm_households.csv", streams["households"])
    _survey(module / "02-issue-setting" / "data" / "farmer_survey.csv", streams["survey"])
    fields = _fields(streams["fields"])
    _write_fields(module / "03-data-analysis" / "data" / "field_register.csv", fields)
    _patrol(module / "03-data-analysis" / "data" / "water_patrol_log.csv", fields, streams["patrol"])


# --- 01 farm households per district and year (ported from the first module's gen.py) -------------

# district: (households 2015, yearly decline, area 2015, area 2024, age 2015, age 2024,
#            paddy 2015, paddy 2024, successors 2015, successors 2024, auto-steering 2015, auto-steering 2024)
HOUSEHOLD_SPEC = {
    "北地区": (128, 0.965, 2050, 2010, 62.8, 65.9, 1150, 1040, 52, 37, 3, 34),
    "南地区": (96, 0.960, 1420, 1330, 64.9, 68.7, 820, 700, 30, 17, 1, 9),
}


def _households(path: Path, r: random.Random) -> None:
    rows = []
    for year in range(2015, 2025):
        t = (year - 2015) / 9
        for district, (h0, dec, a0, a1, g0, g1, p0, p1, s0, s1, r0, r1) in HOUSEHOLD_SPEC.items():
            households = round(h0 * dec ** (year - 2015) + r.uniform(-1.5, 1.5))
            area = round(a0 + (a1 - a0) * t + r.uniform(-8, 8))
            age = round(g0 + (g1 - g0) * t + r.uniform(-0.3, 0.3), 1)
            paddy = round(p0 + (p1 - p0) * t + r.uniform(-12, 12))
            successors = round(s0 + (s1 - s0) * t + r.uniform(-1.2, 1.2))
            auto = round(r0 + (r1 - r0) * t ** 1.4 + r.uniform(-0.6, 0.6))
            rows.append([year, district, households, age, area, paddy, successors, max(auto, 0)])
    for row in rows:
        if row[0] == 2019 and row[1] == "南地区":
            row[3] = None  # planted: 平均年齢 missing (the 2024 questions never touch 2019)
        if row[0] == 2021 and row[1] == "北地区":
            text = str(row[5])
            row[5] = int(text[:2] + "0" + text[2:])  # planted: an extra digit, larger than 経営面積_ha
    write_csv(path, ["年度", "地区", "農家戸数", "平均年齢", "経営面積_ha", "水稲作付_ha", "後継者あり_戸", "自動操舵導入_戸"],
              rows)


# --- 02 farmer survey, July 2025 -----------------------------------------------------------------

AGE_GROUPS = ("40代以下", "50代", "60代", "70代以上")
AGE_AREA_HA = {"40代以下": 30, "50代": 22, "60代": 14, "70代以上": 8}
AGE_INTEREST = {"40代以下": 4.2, "50代": 3.6, "60代": 2.9, "70代以上": 2.3}
TROUBLES = ("水管理の手間", "人手不足", "機械・設備の費用", "後継者がいない", "田んぼが分散している", "その他")


def _survey(path: Path, r: random.Random) -> None:
    people = []
    for district, count, age_weights in (("北地区", 68, (0.20, 0.22, 0.33, 0.25)),
                                         ("南地区", 44, (0.12, 0.18, 0.36, 0.34))):
        for _ in range(count):
            people.append(_respondent(district, r.choices(AGE_GROUPS, weights=age_weights)[0], r))
    r.shuffle(people)  # answers arrive in no particular order; the number is the order of receipt
    rows = [[f"A{n:03d}"] + person for n, person in enumerate(people, start=1)]
    # Some farmers left the willingness-to-pay question blank (無回答): a natural gap, not an error.
    for index in r.sample(range(len(rows)), 5):
        rows[index][10] = None
    # planted: one answer typed with its unit ("2時間") in a minutes column. North only, so the South
    # mean of 水の見回り_分/日 is unaffected; derive skips the text cell anyway.
    typed = next(row for row in rows if row[1] == "北地区" and 110 <= row[5] <= 130 and row[10] is not None)
    typed[5] = "2時間"
    # planted: the same answer entered twice (paper and web). North, 機械・設備の費用, with a pay value,
    # so neither the 水管理の手間 count nor the blank count changes.
    twice = next(row for row in rows[20:] if row[1] == "北地区" and row[8] == "機械・設備の費用"
                 and row[10] is not None and row is not typed)
    rows.insert(rows.index(twice) + 7, list(twice))
    write_csv(path, ["回答番号", "地区", "経営主の年代", "経営面積_ha", "水田_枚", "水の見回り_分/日", "後継者",
                     "自動操舵", "最も困っていること", "スマート農業への関心_1-5", "センサー1台に払える通信料_円/年"],
              rows)


def _respondent(district: str, age: str, r: random.Random) -> list:
    area = round(max(2.5, AGE_AREA_HA[age] * r.lognormvariate(0, 0.35)), 1)
    paddy_ha = r.uniform(0.45, 0.9) if district == "北地区" else r.uniform(0.4, 0.75)
    paddies = max(3, round(area * r.uniform(0.55, 0.85) / paddy_ha))
    scatter = 1.0 + (0.2 if area > 20 else 0.0) + r.uniform(-0.05, 0.15)  # large farms rent far-off paddies
    patrol = int(round((20 + 6 * paddies ** 0.9 * scatter) * r.uniform(0.85, 1.15) / 5) * 5)  # people answer in 5s
    old = age in ("60代", "70代以上")
    if age == "40代以下":
        successor = r.choices(("あり", "なし", "未定"), weights=(0.1, 0.1, 0.8))[0]
    else:
        successor = r.choices(("あり", "なし", "未定"), weights=(0.33, 0.45 if old else 0.3, 0.22))[0]
    adopted = min(0.75, 0.05 + area / 60) * (0.6 if district == "南地区" else 1.0)
    steering = r.choices(("導入済み", "検討中", "予定なし"), weights=(adopted, 0.25, max(0.05, 0.75 - adopted)))[0]
    weights = (0.6 + paddies / 40, 1.2 if area > 20 else 0.6, 0.9,
               1.5 if old and successor == "なし" else 0.3, 0.8 if area > 20 else 0.3, 0.2)
    trouble = r.choices(TROUBLES, weights=weights)[0]
    interest = min(5, max(1, round(AGE_INTEREST[age] + r.gauss(0, 0.8))))
    pay = r.choices((0, 2000, 4000, 6000, 8000, 10000),
                    weights=(6 - interest, 2, 3, 2 + interest / 2, interest / 2, interest / 3))[0]
    return [district, age, area, paddies, patrol, successor, steering, trouble, interest, pay]


# --- 03 field register and water-patrol log of the ten trial farms --------------------------------

# id, district, rice paddies, other fields (wheat or soybeans), water-level sensors lent by the JA, farm size in ha
FARMS = (
    ("F01", "北地区", 34, 8, 12, 38),
    ("F02", "北地区", 16, 0, 0, 14),
    ("F03", "北地区", 22, 5, 0, 24),
    ("F04", "北地区", 10, 0, 0, 8),
    ("F05", "北地区", 26, 6, 10, 30),
    ("S01", "南地区", 32, 14, 14, 45),
    ("S02", "南地区", 17, 2, 0, 16),
    ("S03", "南地区", 11, 0, 0, 9),
    ("S04", "南地区", 20, 5, 0, 22),
    ("S05", "南地区", 12, 2, 6, 12),
)


def _fields(r: random.Random) -> list[dict]:
    """The true fields, before any planted problem. Large farms rent many far-off fields."""
    fields = []
    for farm, district, rice, other, sensors, hectares in FARMS:
        total = rice + other
        rented_share = 0.55 if total >= 30 else 0.35 if total >= 20 else 0.15
        crops = ["水稲"] * rice + [r.choice(("小麦", "大豆")) for _ in range(other)]
        r.shuffle(crops)
        farm_fields = []
        for crop in crops:
            rented = r.random() < rented_share
            distance = r.uniform(1.6, 7.8 if farm == "S01" else 6.5) if rented else r.uniform(0.2, 1.8)
            big = r.random() < (0.3 if district == "北地区" else 0.12)  # 大区画: North had more land consolidation
            area = r.uniform(2.0, 3.5) if big else r.uniform(0.6, 1.5)  # relative size; scaled to the farm below
            unstable = r.random() < (0.32 if district == "南地区" and distance > 1.0 else 0.04)
            farm_fields.append({"farm": farm, "district": district, "crop": crop, "area": area,
                                "tenure": "借入" if rented else "所有", "distance": round(distance, 1),
                                "rtk": "不安定" if unstable else "良好", "sensor": "なし"})
        scale = hectares * 100 / sum(f["area"] for f in farm_fields)
        for field in farm_fields:
            field["area"] = round(field["area"] * scale)  # in a (アール)
        # The JA lent its sensors for the farthest paddies first.
        for field in sorted((f for f in farm_fields if f["crop"] == "水稲"), key=lambda f: -f["distance"])[:sensors]:
            field["sensor"] = "あり"
        for number, field in enumerate(farm_fields, start=1):
            field["id"] = f"{farm}-{number:02d}"
        fields.extend(farm_fields)
    return fields


def _write_fields(path: Path, fields: list[dict]) -> None:
    rows = [[f["id"], f["farm"], f["district"], f["crop"], f["area"], f["tenure"], f["distance"], f["rtk"], f["sensor"]]
            for f in fields]
    by_id = {row[0]: row for row in rows}
    # planted: 面積_a left blank for one of F02's paddies
    by_id["F02-07"][4] = None
    # planted: a distance typed in metres instead of km (F04, North; the distance question is about the South)
    far = max((row for row in rows if row[1] == "F04"), key=lambda row: row[6])
    far[6] = int(round(far[6] * 1000))
    # planted: 表記ゆれ, "北" instead of "北地区" (F05; no question filters on 北地区)
    by_id["F05-05"][2] = "北"
    # planted: one of F03's wheat or soybean fields entered twice (no sensor, not rice, North)
    twice = next(row for row in rows if row[1] == "F03" and row[3] != "水稲")
    rows.insert(rows.index(twice) + 1, list(twice))
    write_csv(path, ["圃場ID", "経営体ID", "地区", "作付_2025", "面積_a", "区分", "自宅からの距離_km", "RTK受信", "水位センサー"],
              rows)


# Weekly need for water checks over the season (after planting, mid-season drainage 中干し in early July,
# heading 出穂 in late July and early August, drainage before harvest), 1.0 = a normal week.
SEASON = (1.05, 1.10, 1.05, 1.00, 0.95, 0.85, 0.65, 0.55, 0.70, 1.00, 1.20, 1.15, 0.95, 0.70, 0.45)
FIRST_WEEK = date(2025, 5, 19)


def _patrol(path: Path, fields: list[dict], r: random.Random) -> None:
    weather = [r.uniform(-0.08, 0.08) for _ in SEASON]  # hot, dry weeks need more checks for every farm
    rows = []
    for farm, district, rice, _other, sensors, _hectares in FARMS:
        paddies = [f for f in fields if f["farm"] == farm and f["crop"] == "水稲"]
        # minutes for one round of checks: a few minutes per paddy plus the drive; a paddy with a sensor is
        # looked at on the phone and visited only now and then
        round_minutes = sum((2.5 + 1.1 * f["distance"]) * (0.25 if f["sensor"] == "あり" else 1.0) for f in paddies)
        visited = [f for f in paddies if f["sensor"] == "なし"] or paddies
        km_per_round = 2.0 + 1.4 * sum(f["distance"] for f in visited) / len(visited) + 0.05 * len(visited)
        for week, need in enumerate(SEASON):
            season = need + weather[week]
            trips = round(14 * min(1.0, season) * r.uniform(0.85, 1.0) * (0.75 if sensors else 1.0))
            minutes = round(7 * 2 * round_minutes * season * r.uniform(0.88, 1.12))
            km = round(trips * km_per_round * r.uniform(0.9, 1.1), 1)
            rows.append([(FIRST_WEEK + timedelta(weeks=week)).isoformat(), farm, district,
                         "あり" if sensors else "なし", rice, trips, minutes, km])
    # planted: one week not recorded (S05, with sensors). Blank, not 0; derive and AVERAGE skip it.
    next(row for row in rows if row[1] == "S05" and row[0] == "2025-07-14")[6] = None
    # planted: 移動距離_km with an extra digit (F03); no question uses that column.
    slip = next(row for row in rows if row[1] == "F03" and row[0] == "2025-06-09")
    slip[7] = round(slip[7] * 10, 1)
    write_csv(path, ["週の初日", "経営体ID", "地区", "センサー", "水稲圃場_枚", "見回り回数_回", "見回り時間_分", "移動距離_km"],
              rows)
