#!/usr/bin/env python3
"""Rebuild data/projects.csv from seed 001's capital table (五、重大建设项目).

How the seed portfolio was made, kept so it can be checked and redone:
  .venv/bin/python scripts/extract_seed_table.py ../shared/seeds/001_356db9a72693fc68.txt \
      ../shared/reference/yuecheng_places.csv > data/projects.csv
Original cells are copied character for character; structured columns come from the tracker's own
parser and inference rules; locations come from the reference file with their precision and source.
"""

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.dataio.columns import ALL_COLUMNS  # noqa: E402
from tracker.projects.logic import infer_nature, infer_ownership, infer_stage  # noqa: E402
from tracker.projects.parsing import parse_content  # noqa: E402

SOURCE_DOC = "001_356db9a72693fc68.txt（越政办发〔2022〕33号）"
HEADER_CELLS = 10
# Seq no → (reference site label prefix, precision): road-bounded estimates from the reference file.
SITE_POINTS = {
    "10": ("Site: 站前大道以东，裕民路以北", "road"),
    "14": ("Site: 观塘西路以西，育贤路以北", "road"),
    "15": ("Site: 站前大道以东，裕民路以北", "road"),
    "19": ("Site: 环城北路以南，兴文桥直街以西", "road"),
    "23": ("Site: 镜水路以东", "road"),
    "24": ("Site: 绿云路以东，梅南路以南", "road"),
    "25": ("Site: 育贤路以北，汤公路以西", "road"),
    "26": ("Site: 洋江西路以北、张市路以东", "road"),
    "29": ("Site: 群贤路以南，海南路以西", "road"),
    "31": ("Site: 汤公路以西，富陵路以南", "road"),
}
CURATION = {
    "5": "名称为“学校”，按规则推断为九年一贯制；分段含学前段和高职段，可能是特殊教育学校，请核实学段。",
    "15": "位置借用站前区块（元培中学镜湖校区同一区块）的道路围合估计点，实际选址为大庆寺路以东、香雪路以南、裕民路以北。",
    "20": "名称未含学段；“绍初”即绍兴市第一初级中学，学段定为初中。",
}
STAGE_OVERRIDES = {"20": "初中"}


def table_rows(lines: list[str]):
    """Rows of the capital table: (line number of the 序号 cell, cells)."""
    start = next(i for i, line in enumerate(lines) if line.strip() == "五、重大建设项目")
    row, first_line = [], None
    for number, line in enumerate(lines[start:], start=start + 1):
        if line.startswith("\t"):
            if first_line is None:
                first_line = number
            row.append(line[1:])
        elif line.strip() == "":
            if row:
                yield first_line, row
            row, first_line = [], None
        elif row:  # a header cell broken over two lines: 「总投资」「（亿元）」
            row[-1] += "\n" + line


def places(path: Path) -> dict[str, dict]:
    with path.open(encoding="utf-8") as handle:
        return {r["name"]: r for r in csv.DictReader(handle)}


def location(seq: str, subdistrict: str, refs: dict[str, dict]):
    if seq in SITE_POINTS:
        prefix, precision = SITE_POINTS[seq]
        ref = next(r for name, r in refs.items() if name.startswith(prefix))
        source = f"道路围合估计（置信度 {ref['confidence']}）：{ref['source']}"
        return ref["lat_wgs84"], ref["lon_wgs84"], "道路围合估计", source
    ref = refs.get(subdistrict)
    if ref is None:
        return "", "", "无位置", "参考文件中没有该街道"
    source = f"{subdistrict}中心点，非实际选址（置信度 {ref['confidence']}）：{ref['source']}"
    return ref["lat_wgs84"], ref["lon_wgs84"], "街道中心", source


def main(seed: Path, reference: Path) -> None:
    refs = places(reference)
    writer = csv.writer(sys.stdout, lineterminator="\r\n")
    writer.writerow([c.header for c in ALL_COLUMNS])
    for line, cells in table_rows(seed.read_text(encoding="utf-8").splitlines()):
        if len(cells) < HEADER_CELLS or not cells[0].strip().isdigit():
            continue
        seq, name, period, place, content, total, window, builder, gov, remarks = cells[
            :HEADER_CELLS
        ]
        parsed = parse_content(content)
        lat, lon, precision, source = location(seq.strip(), place.strip(), refs)
        structured = {
            "code": f"YC2022-{int(seq):02d}",
            "stage": STAGE_OVERRIDES.get(seq.strip()) or infer_stage(name) or "其他",
            "nature": infer_nature(name),
            "ownership": infer_ownership(name),
            "province": "浙江省",
            "city": "绍兴市",
            "district": "越城区",
            "site_text": parsed.site_text,
            "classes_total": parsed.classes_total,
            "classes_added": parsed.classes_added,
            "sections_text": ";".join(f"{k}:{v}" for k, v in parsed.sections.items()),
            "land_area_m2": parsed.land_area_m2,
            "land_is_additional": "是" if parsed.land_is_additional else "否",
            "floor_area_m2": parsed.floor_area_m2,
            "area_is_approximate": "是" if parsed.area_is_approximate else "否",
            "declared_seats": "",
            "lat": lat,
            "lon": lon,
            "location_precision": precision,
            "location_source": source,
            "status": "列入规划",
            "source_doc": SOURCE_DOC,
            "source_line": line,
            "curation_note": CURATION.get(seq.strip(), ""),
        }
        original = {
            "seq_no": seq,
            "name": name,
            "period_text": period,
            "subdistrict": place,
            "content_text": content,
            "total": total,
            "window": window,
            "builder": builder,
            "government_text": gov,
            "remarks": remarks,
        }
        values = original | structured
        writer.writerow(["" if values[c.key] is None else values[c.key] for c in ALL_COLUMNS])


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
