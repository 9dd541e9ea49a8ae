"""A deterministic generator of synthetic source records, for benchmarks and load tests.

``python -m bench.synth OUT --cases 10000`` writes a complete source folder:
the real registries (agencies, sources, laws, dataset metadata) copied from
``datasets/source``, and N synthetic case files, each with three activities
(two participants each), a document, an observation and a risk: about 100
triples a case. The same seed and N give the same bytes.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "datasets" / "source"

PLACES = ["淡水", "八里", "板橋", "新莊", "中壢", "豐原", "鹿港", "斗六", "嘉義", "新營", "岡山",
          "屏東", "宜蘭", "花蓮", "臺東", "竹北", "苗栗", "南投", "彰化", "基隆"]
WORKS = [("橋梁新建工程", "bridge construction"), ("捷運延伸線工程", "metro extension"),
         ("污水處理廠統包工程", "sewage treatment plant"), ("體育館新建工程", "sports centre"),
         ("水庫清淤工程", "reservoir dredging"), ("焚化廠更新工程", "incinerator renewal"),
         ("醫院興建案", "hospital construction"), ("社會住宅新建工程", "social housing"),
         ("港埠擴建工程", "port expansion"), ("土地開發案", "land development")]
ACTIVITIES = [("public-declaration", "公開宣示", "public declaration"),
              ("liaison-meeting", "聯繫會議", "liaison meeting"),
              ("consultation", "座談協商", "consultation"), ("training", "教育訓練", "training"),
              ("site-visit", "現場會勘", "site visit"), ("inspection", "施工查核", "inspection")]
ROLES = ["prosecutors", "anti-corruption", "investigation", "audit", "integrity-unit", "expert"]
CATEGORIES = ["background", "planning", "progress", "clarification", "meeting-records"]
RISKS = ["external-interference", "lobbying-gifts", "land-acquisition", "public-protest"]


def generate(out: Path, cases: int, seed: int = 20211231, registry: Path = REAL) -> Path:
    """Write a synthetic source folder with ``cases`` cases into ``out`` (replaced)."""

    def _load(name: str):
        return yaml.safe_load((registry / name).read_text(encoding="utf-8"))

    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "cases").mkdir(parents=True)
    for name in ("dataset.yaml", "sources.yaml", "agencies.yaml"):
        shutil.copyfile(registry / name, out / name)
    # the laws, without the real cases they name (a synthetic source has none of them)
    laws = _load("laws.yaml")
    for law in laws if isinstance(laws, list) else laws.get("laws", []):
        if law.get("cases"):
            law["cases"] = []
    (out / "laws.yaml").write_text(yaml.safe_dump(laws, allow_unicode=True, sort_keys=False), encoding="utf-8")
    agencies = _load("agencies.yaml")
    sections = [s["id"] for d in _load("sources.yaml")["documents"] for s in d["sections"]]
    by_id = {a["id"]: a for a in agencies}
    buyers = [a["id"] for a in agencies if a.get("level") and a.get("parent")]
    others = [a["id"] for a in agencies]

    def authority(aid: str) -> str:
        seen = set()
        while by_id[aid].get("parent") and by_id[by_id[aid]["parent"]].get("kind") != "cabinet" \
                and aid not in seen:
            seen.add(aid)
            aid = by_id[aid]["parent"]
        return aid

    dump = yaml.CSafeDumper if hasattr(yaml, "CSafeDumper") else yaml.SafeDumper
    for n in range(1, cases + 1):
        cid = f"synthetic-{n:06d}"
        place = rng.choice(PLACES)
        work_zh, work_en = rng.choice(WORKS)
        buyer = rng.choice(buyers)
        year = rng.randint(2017, 2021)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        cite = [{"source": rng.choice(sections)}]
        record = {
            "id": cid, "table_number": n,
            "name": {"zh": f"{place}{work_zh}廉政平臺 {n}", "en": f"{work_en.title()} Integrity Platform {n}"},
            "procurement": {"zh": f"{place}{work_zh}", "en": f"{work_en} at {place}"},
            "agencies": [buyer], "authority": authority(buyer),
            "established": f"{year - 1911}{month:02d}{day:02d}",
            "amount": f"約 {rng.randint(1, 9999) / 10:g} 億",
            "status": rng.choice(["operating", "operating", "operating", "ended"]),
            "cited": cite, "activities": [], "documents": [], "observations": [], "risks": [],
        }
        for k in range(3):
            code, zh, en = rng.choice(ACTIVITIES)
            y = year + k
            record["activities"].append({
                "id": f"{cid}-a{k + 1}", "type": code, "date": f"{y}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "title": {"zh": f"{place}{zh}（第 {k + 1} 次）", "en": f"{en.capitalize()} {k + 1}"},
                "participants": [
                    {"role": "procuring-agency", "agency": buyer},
                    {"role": rng.choice(ROLES), "agency": rng.choice(others)},
                ],
                "cited": [{"source": rng.choice(sections), "locator": f"synthetic {k + 1}"}],
            })
        record["documents"].append({
            "id": f"{cid}-d1", "category": rng.choice(CATEGORIES), "publisher": buyer,
            "title": {"zh": f"{place}{work_zh}資訊透明專區", "en": f"Transparency zone of {work_en}"},
            "cited": cite,
        })
        record["observations"].append({
            "id": f"{cid}-o1", "indicator": "failed-tenders-before-platform",
            "value": rng.randint(0, 7), "unit": "count", "phase": "before-platform",
            "description": {"zh": "平臺成立前流標次數", "en": "Failed tenders before the platform"},
            "cited": cite,
        })
        record["risks"].append({
            "id": f"{cid}-r1", "category": rng.choice(RISKS),
            "description": {"zh": "外界質疑", "en": "Public doubts"}, "cited": cite,
        })
        (out / "cases" / f"{cid}.yaml").write_text(
            yaml.dump(record, Dumper=dump, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--cases", type=int, default=1000)
    p.add_argument("--seed", type=int, default=20211231)
    p.add_argument("--registry", type=Path, default=REAL,
                   help="Folder whose dataset, sources, agencies and laws files are copied.")
    a = p.parse_args()
    generate(a.out, a.cases, a.seed, a.registry)
    print(f"wrote {a.cases} synthetic cases to {a.out}")


if __name__ == "__main__":
    main()
