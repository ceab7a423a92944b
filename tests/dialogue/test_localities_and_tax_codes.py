"""Issue 16, item 5: the enterprise form after 01/07/2025 asks the commune (typed) and where it
lay before the merger, and takes the 12-digit personal id household businesses use as their tax
code; registrations stored with a 2023 district stay readable and exportable."""

import io
from datetime import UTC, datetime

import openpyxl
import pytest

from storage.models import Registration
from tests.dialogue.helpers import register
from tests.fakes.chat import FakeChat


@pytest.fixture(autouse=True)
def december_2026(clock):
    clock.now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội


@pytest.fixture
def admin(dispatcher):
    return FakeChat(dispatcher, user_id="admin")


async def start_registration(chat):
    await chat.send("/start lop1")
    await chat.press("Đồng ý: đăng ký")
    await chat.send("Hộ kinh doanh Ánh Dương")


async def test_registration_asks_the_commune_and_its_region_and_takes_a_personal_id(
        chat, sessionmaker):
    await start_registration(chat)
    assert "số định danh cá nhân" in chat.text() and "mã số thuế" in chat.text()
    await chat.send("049 085 012 345")  # the 12-digit personal id of a household business
    assert "xã, phường hoặc đặc khu" in chat.text()
    await chat.send("phường Tam Kỳ")
    assert "Quảng Nam (cũ)" in chat.labels() and "Thành phố Đà Nẵng (cũ)" in chat.labels()
    await chat.press("Quảng Nam (cũ)")
    await chat.press("Thương mại")
    await chat.send("Nguyễn Văn An")
    await chat.send("Chủ hộ")
    await chat.send("0905 123 456")
    await chat.press("Bỏ qua")
    await chat.send("1")
    assert "phường Tam Kỳ" in chat.text() and "049085012345" in chat.text()
    await chat.press("Xác nhận")
    assert "LTH1-0001" in chat.text()
    async with sessionmaker() as session:
        stored = await session.get(Registration, 1)
    assert (stored.tax_code, stored.commune, stored.region) == (
        "049085012345", "phường Tam Kỳ", "quang-nam")


async def test_eleven_digits_are_neither_a_tax_code_nor_a_personal_id(chat):
    await start_registration(chat)
    await chat.send("04908501234")
    assert "12 chữ số" in chat.text() and "10 chữ số" in chat.text()


async def test_an_old_registration_with_a_2023_district_is_still_shown_and_exported(
        chat, admin, sessionmaker):
    await register(chat)
    async with sessionmaker.begin() as session:  # as stored before 2025: a district id only
        stored = await session.get(Registration, 1)
        stored.locality, stored.commune, stored.region = "h-nui-thanh", None, None
    await chat.send("/dulieucuatoi")
    assert "Huyện Núi Thành" in chat.text()
    await admin.send(payload="adm:export")
    sheet = openpyxl.load_workbook(io.BytesIO(admin.replies[0].document.content)).worksheets[0]
    header, row = list(sheet.iter_rows(max_row=2, values_only=True))
    assert "Huyện Núi Thành" in row
    assert "Xã, phường, đặc khu" in header and "Thuộc địa bàn" in header
