"""Support requests: yearly codes per kind, counts, topics, erasure."""

from datetime import UTC, datetime

from storage import contacts, support

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


async def _person(session, user="u1"):
    return await contacts.touch(session, "console", user, user, "An", NOW)


async def test_codes_count_per_kind_and_start_again_each_year(sessionmaker):
    async with sessionmaker.begin() as session:
        person = await _person(session)
        made = [
            await support.create(session, kind, person.id, {}, year, NOW)
            for kind, year in (("guidance", 2026), ("guidance", 2026), ("award", 2026),
                               ("guidance", 2027), ("sttask", 2026), ("training", 2026))
        ]
    assert [r.code for r in made] == ["HT-2026-0001", "HT-2026-0002", "GT-2026-0001",
                                      "HT-2027-0001", "NV-2026-0001", "DT-2026-0001"]
    assert {r.status for r in made} == {"received"}


async def test_staff_steps_change_the_status_and_the_counts(sessionmaker):
    async with sessionmaker.begin() as session:
        person = await _person(session)
        first = await support.create(session, "guidance", person.id, {"topic": "cong-cu"},
                                     2026, NOW)
        second = await support.create(session, "guidance", person.id, {}, 2026, NOW)
        await support.assign(session, first.id, "telegram:9", NOW)
        await support.reply(session, second.id, "Sở sẽ gọi lại", NOW)
        counts = await support.counts(session)
        assigned = await support.get(session, first.id)
    assert assigned.status == "in_progress" and assigned.assignee == "telegram:9"
    assert assigned.topic == "cong-cu"
    assert counts == {("guidance", "in_progress"): 1, ("guidance", "answered"): 1}


async def test_the_four_topics_of_the_plan_are_seeded_and_staff_can_add_and_hide(sessionmaker):
    async with sessionmaker.begin() as session:
        seeded = await support.topics(session)
        added = await support.add_topic(session, "Truy xuất nguồn gốc")
        await support.set_topic_active(session, "tieu-chuan", False)
        now_listed = [t.label for t in await support.topics(session)]
    assert [t.id for t in seeded] == ["tieu-chuan", "he-thong-ql", "cong-cu", "thong-minh"]
    assert added.id == "t5" and now_listed[-1] == "Truy xuất nguồn gốc"
    assert "Tiêu chuẩn, quy chuẩn kỹ thuật" not in now_listed


async def test_erasure_keeps_the_figures_but_not_the_answers(sessionmaker):
    async with sessionmaker.begin() as session:
        person = await _person(session)
        other = await _person(session, "u2")
        mine = await support.create(session, "award", person.id, {"company": "Ánh Dương"},
                                    2026, NOW)
        theirs = await support.create(session, "award", other.id, {"company": "Bình Minh"},
                                      2026, NOW)
        await support.erase_personal_fields(session, person.id, NOW)
        mine, theirs = await support.get(session, mine.id), await support.get(session, theirs.id)
        counts = await support.counts(session)
    assert mine.answers == {} and mine.status == "closed" and mine.code == "GT-2026-0001"
    assert theirs.answers == {"company": "Bình Minh"}
    assert counts == {("award", "closed"): 1, ("award", "received"): 1}
