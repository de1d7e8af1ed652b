"""Tables of the portfolio registry: one row per build project."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, DateTime, Text
from sqlmodel import Field, SQLModel

from tracker.audit.labels import FieldLabel, plain
from tracker.clock import now_utc
from tracker.db import ScaledDecimal
from tracker.money import yi

STAGES = [
    "幼儿园",
    "小学",
    "初中",
    "九年一贯制",
    "完全中学",
    "普通高中",
    "中职",
    "特殊教育学校",
    "其他",
]
NATURES = ["新建", "改扩建", "扩建", "改建", "易地新建", "迁建", "重建", "加固改造", "提质改造"]
# Natures that replace existing seats: they add gross, not net capacity.
REPLACING_NATURES = {"易地新建", "迁建", "重建"}
OWNERSHIPS = ["公办", "民办普惠", "民办"]
STATUSES = ["列入规划", "前期", "在建", "竣工", "交付使用", "暂缓", "停建", "取消"]
PRECISIONS = {
    "site": "准确位置",
    "road": "道路围合估计",
    "subdistrict": "街道中心",
    "none": "无位置",
}


# Chinese names of the fields, for messages and the change history.
FIELD_LABELS = {
    "code": "项目编号",
    "name": "项目名称",
    "stage": "学段",
    "nature": "建设性质",
    "ownership": "办学性质",
    "province": "省",
    "city": "市",
    "district": "区县",
    "subdistrict": "建设地点",
    "site_text": "四至/选址",
    "lat": "纬度",
    "lon": "经度",
    "location_precision": "定位精度",
    "location_source": "定位来源",
    "period_text": "项目期限",
    "start_year": "起始年",
    "end_year": "完成年",
    "classes_total": "总班数",
    "classes_added": "新增班数",
    "sections_text": "分段班数",
    "land_area_m2": "用地面积",
    "land_is_additional": "新增用地",
    "floor_area_m2": "建筑面积",
    "area_is_approximate": "面积为约数",
    "content_text": "建设内容",
    "total_investment_fen": "总投资",
    "window_investment_fen": "规划期投资",
    "total_investment_text": "总投资（原文）",
    "window_investment_text": "规划期投资（原文）",
    "builder": "建设单位",
    "is_government": "政府投资项目",
    "government_text": "是否政府投资（原文）",
    "remarks": "备注",
    "declared_seats": "申报学位",
    "status": "状态",
    "source_doc": "来源文件",
    "source_line": "来源行",
    "seq_no": "序号",
    "curation_note": "整理说明",
    "archived": "归档",
}


def _money(value) -> str:
    """Stored fen (an int, or digits in entries from before) as 亿元."""
    text = str(value) if value is not None else ""
    return f"{yi(int(text))} 亿元" if text.lstrip("-").isdigit() else plain(value)


def audit_fields() -> dict[str, FieldLabel]:
    """How the audit trail words a project's fields (money in 亿元, yes/no, precision by name)."""
    fields = {name: FieldLabel(label) for name, label in FIELD_LABELS.items()}
    for name in ("total_investment_fen", "window_investment_fen"):
        fields[name] = FieldLabel(FIELD_LABELS[name], _money)
    fields["location_precision"] = FieldLabel(
        FIELD_LABELS["location_precision"], lambda v: PRECISIONS.get(v, plain(v))
    )
    return fields


class ProjectBase(SQLModel):
    """Fields a user edits or an import supplies (shared by the table and the create/update shapes)."""

    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=200, index=True)
    stage: str = Field(default="其他", max_length=20, index=True)
    nature: str = Field(default="新建", max_length=20)
    ownership: str = Field(default="公办", max_length=20)
    province: str = Field(default="", max_length=40)
    city: str = Field(default="", max_length=40)
    district: str = Field(default="", max_length=40)
    subdistrict: str = Field(default="", max_length=40, index=True)
    site_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    lat: float | None = None
    lon: float | None = None
    location_precision: str = Field(default="none", max_length=20)
    location_source: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    period_text: str = Field(default="", max_length=40)
    start_year: int | None = None
    end_year: int | None = Field(default=None, index=True)
    classes_total: int | None = None
    classes_added: int | None = None
    sections_text: str = Field(default="", max_length=200)
    land_area_m2: Decimal | None = Field(default=None, sa_type=ScaledDecimal(2))
    land_is_additional: bool = False
    floor_area_m2: Decimal | None = Field(default=None, sa_type=ScaledDecimal(2))
    area_is_approximate: bool = False
    content_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    total_investment_fen: int | None = Field(default=None, sa_type=BigInteger)
    window_investment_fen: int | None = Field(default=None, sa_type=BigInteger)
    total_investment_text: str = Field(default="", max_length=40)
    window_investment_text: str = Field(default="", max_length=40)
    builder: str = Field(default="", max_length=100, index=True)
    is_government: bool = Field(default=True, index=True)
    government_text: str = Field(default="", max_length=10)
    remarks: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    declared_seats: int | None = None
    status: str = Field(default="列入规划", max_length=20, index=True)
    source_doc: str = Field(default="", max_length=200)
    source_line: int | None = None
    seq_no: str = Field(default="", max_length=10)
    curation_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Project(ProjectBase, table=True):
    """A build project as stored; archived projects are kept, never deleted."""

    id: int | None = Field(default=None, primary_key=True)
    archived: bool = Field(default=False, index=True)
    version: int = Field(default=1)
    created_at: datetime = Field(
        default_factory=now_utc, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=now_utc, sa_column=Column(DateTime(timezone=True), nullable=False)
    )

    @property
    def sections(self) -> dict[str, int]:
        """Per-section classes of a mixed school, from '学前段:3;义务段:18'."""
        return parse_sections(self.sections_text)


def parse_sections(text: str | None) -> dict[str, int]:
    """'学前段:3;义务段:18' → {'学前段': 3, '义务段': 18}; malformed parts are left out."""
    result = {}
    for part in filter(None, (text or "").split(";")):
        name, _, count = part.partition(":")
        if count.strip().isdigit():
            result[name.strip()] = int(count)
    return result


EDITABLE_FIELDS = [name for name in ProjectBase.model_fields if name != "code"]
