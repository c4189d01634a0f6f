"""The course catalogue at scale: external courses the programme office imported (about one for every ten
learners, at most 1,000) and the learners' marks that they took some, for the catalogue's search and
the learners' records."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from app.catalogue.models import CatalogueCourse, CatalogueTopic, CourseDone, DssRole
from app.catalogue.services import search_text
from app.seed.work import Bulk

_SUBJECTS = ("オープンデータ", "データ分析", "生成AI", "RPA", "ノーコード開発", "クラウド", "情報セキュリティ",
             "GIS・地図データ", "電子申請", "BPR・業務改善", "UXデザイン", "統計", "スマート農業", "水産DX",
             "観光マーケティング", "Python", "Excel", "キャッシュレス", "テレワーク", "個人情報保護")
_KINDS = ("入門", "基礎", "実践", "活用講座", "ハンズオン", "ケーススタディ", "応用", "演習")
_PROVIDERS = ("独立行政法人情報処理推進機構（IPA）", "総務省", "デジタル庁", "北海道", "JMOOC", "gacco",
              "地方公共団体情報システム機構（J-LIS）", "北海道大学", "札幌市立大学", "民間研修会社")
_TOPICS = ("DX", "データサイエンス", "AI", "セキュリティ", "業務改善", "地域課題", "統計", "オープンデータ",
           "デザイン", "プログラミング", "リスキリング", "農業", "水産業", "観光")
_ROLES = (None, *DssRole)
MAX_COURSES = 1_000


def courses_for(learners: int) -> int:
    return min(MAX_COURSES, max(20, learners // 10))


def write_catalogue(bulk: Bulk, rng: random.Random, learners: list[int], now: datetime) -> None:
    """Courses with their topics, and 0-3 marks of courses taken by a third of the learners."""
    checked = now.date()
    rows, topics = [], []
    for n in range(1, courses_for(len(learners)) + 1):
        subject, kind, provider = rng.choice(_SUBJECTS), rng.choice(_KINDS), rng.choice(_PROVIDERS)
        title = f"{subject}{kind} 第{n}回"
        names = sorted(rng.sample(_TOPICS, rng.randint(1, 3)))
        description = f"{provider}による{subject}の{kind}。自治体職員向けの教材と演習があります。"
        rows.append({"url": f"https://courses.example.jp/{n:04d}", "title": title, "provider": provider,
                     "language": "en" if rng.random() < 0.1 else "ja",
                     "hours": rng.choice((None, *map(Decimal, ("1", "1.5", "2", "3", "6", "12")))), "level": rng.randint(0, 3),
                     "dss_role": rng.choice(_ROLES), "is_free": rng.random() < 0.8, "description": description,
                     "last_checked_on": checked - timedelta(days=rng.randint(0, 365)),
                     "search_text": search_text(title, provider, names, description), "created_at": now})
        topics.append(names)
    ids = bulk.ids(CatalogueCourse, rows)
    bulk.rows(CatalogueTopic.__table__, [{"course_id": course_id, "name": name}
                                         for course_id, names in zip(ids, topics) for name in names])
    marks = []
    for user_id in learners:
        if rng.random() < 1 / 3:
            marks.extend({"user_id": user_id, "course_id": course_id, "note": "",
                          "done_at": now - timedelta(days=rng.uniform(1, 700))}
                         for course_id in rng.sample(ids, rng.randint(1, 3)))
    bulk.rows(CourseDone.__table__, marks)

