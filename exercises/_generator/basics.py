"""Simulated data (模擬データ) for exercises/municipal-digital-basics/: the inquiry log of the residents'
section of a fictional town office (北見野町, 架空), FY2024.

    01-reading-data/data/inquiries.csv   inquiries per month and channel, with the mean handling time

Planted problems (listed in the exercise's mentor pack): one 件数 left blank (2024-08 メール), and one
平均対応時間_分 typed with its unit ("15分", 2025-01 窓口), so a spreadsheet does not count it as a number.
The questions' answers are chosen so that they do not depend on how a learner handles them."""

from pathlib import Path

from common import rng, write_csv

SLUG = "municipal-digital-basics"
MONTHS = [f"2024-{m:02d}" for m in range(4, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
# channel: (inquiries in an ordinary month, minutes per inquiry); moving house in March-April doubles the counter
CHANNELS = {"電話": (620, 7), "窓口": (480, 14), "メール": (90, 11), "Webフォーム": (60, 9)}
BUSY = {"2024-04": 1.8, "2025-03": 2.1, "2025-02": 1.2}


def generate(out_root: Path) -> None:
    r = rng(SLUG)
    rows = []
    for index, month in enumerate(MONTHS):
        for channel, (count, minutes) in CHANNELS.items():
            busy = BUSY.get(month, 1.0) if channel in ("電話", "窓口") else 1.0
            # online channels grow through the year as the town advertises the web form
            growth = 1.0 + (0.05 * index if channel in ("メール", "Webフォーム") else 0.0)
            rows.append([month, channel, round(count * busy * growth * r.uniform(0.9, 1.1)),
                         round(minutes * r.uniform(0.9, 1.1) * (1.15 if busy > 1.5 else 1.0), 1)])
    next(row for row in rows if row[0] == "2024-08" and row[1] == "メール")[2] = None
    next(row for row in rows if row[0] == "2025-01" and row[1] == "窓口")[3] = "15分"
    write_csv(out_root / SLUG / "01-reading-data" / "data" / "inquiries.csv",
              ["年月", "窓口区分", "件数", "平均対応時間_分"], rows)
