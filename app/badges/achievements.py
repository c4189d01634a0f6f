"""The achievements an issuer awards: one per module, one per talent level (exercises/levels.toml).
Services flush; the caller commits."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.badges.models import Achievement, AchievementKind, Issuer
from app.content.levels import LEVEL_NUMBERS, talent_levels
from app.content.models import Exercise, ModuleVersion


def level_alignments(number: int) -> list[dict]:
    """Open Badges alignments of talent level `number`: Hokkaido's category and the matching DSS part."""
    levels = talent_levels()
    level = levels.level(number)
    return [
        {"targetName": level.name.ja, "targetUrl": levels.hokkaido.url, "targetFramework": levels.hokkaido.name,
         "targetCode": f"level-{number}"},
        {"targetName": level.dss_name, "targetUrl": levels.dss.url, "targetFramework": levels.dss.name,
         "targetCode": level.dss_code},
    ]


def ensure_module_achievement(session: Session, issuer: Issuer, version: ModuleVersion) -> Achievement:
    """The achievement for completing `version`'s module, kept in step with its newest texts."""
    achievement = session.scalar(select(Achievement).where(Achievement.issuer_id == issuer.id,
                                                           Achievement.module_id == version.module_id))
    # Read before a new achievement joins the session, so no autoflush sends it half filled in.
    # Counted, not loaded: issuing a credential needs no more of the exercises than this.
    required = session.scalar(select(func.count(Exercise.id)).where(Exercise.module_version_id == version.id,
                                                                    Exercise.is_required.is_(True)))
    if achievement is None:
        achievement = Achievement(issuer=issuer, kind=AchievementKind.MODULE, module_id=version.module_id)
        session.add(achievement)
    achievement.talent_level = version.target_level
    achievement.name_ja = f"{version.title_ja} 修了"
    achievement.name_en = f"Completed: {version.title_en}"
    # One learning objective a line: the public page lists them.
    achievement.description_ja = "\n".join(o["ja"] for o in version.objectives) or version.title_ja
    achievement.description_en = "\n".join(o["en"] for o in version.objectives) or version.title_en
    achievement.criteria_ja = (f"シナリオ演習「{version.title_ja}」の必須課題{required}件すべてについて、"
                               "メンターがルーブリックで評価し合格と判定したこと（各課題の合格基準点以上）。")
    achievement.criteria_en = (f"All {required} required exercises of the scenario module “{version.title_en}” "
                               "were accepted by a mentor scoring them with the rubric, each at or above its "
                               "pass threshold.")
    achievement.alignments = level_alignments(version.target_level)
    achievement.tags = ["Hokkaido", "DX", "演習", version.module.slug, f"level-{version.target_level}"]
    session.flush()
    return achievement


def ensure_level_achievements(session: Session, issuer: Issuer) -> list[Achievement]:
    """One achievement per talent level above 0 (earned through learning paths of module badges;
    level 0, everyday literacy, has no badge of its own)."""
    existing = {a.talent_level: a for a in session.scalars(select(Achievement).where(
        Achievement.issuer_id == issuer.id, Achievement.kind == AchievementKind.TALENT_LEVEL))}
    for number in LEVEL_NUMBERS[1:]:
        if number not in existing:
            name = talent_levels().level(number).name
            existing[number] = Achievement(
                issuer=issuer, kind=AchievementKind.TALENT_LEVEL, talent_level=number, name_ja=name.ja,
                name_en=name.en,
                description_ja=f"北海道のデジタル人材区分で{name.ja}に達したことを示します。",
                description_en=f"Shows that the holder reached “{name.en}” in Hokkaido's digital talent categories.",
                criteria_ja=(f"レベル{number}の学習パスの必須ステップをすべて満たしたこと（各モジュールのバッジを取得し、"
                             "パスが認める場合は外部講座の受講を自己申告）。"),
                criteria_en=(f"Completed every required step of a level {number} learning path: holds the badge of "
                             "each module (and, where the path accepts them, self-reported external courses)."),
                alignments=level_alignments(number), tags=["Hokkaido", "DX", f"level-{number}"])
            session.add(existing[number])
    session.flush()
    return [existing[number] for number in sorted(existing)]
