#!/usr/bin/env python3
"""Build the second red-team corpus for profilewatch: containers and binary formats.

    python tests/data/redteam2/build.py            # build ./corpus and validate
    python tests/data/redteam2/build.py --validate-only

Everything is written from this one file: PDFs (fpdf2 + DejaVu Sans / Droid Sans Fallback),
DOCX/XLSX (python-docx / openpyxl), zip and tar.gz bundles with nested archives, WARC capture
histories (warcio, per-record gzip) and seeded binary blobs. Output is deterministic (fixed
timestamps, seeded noise, record IDs derived from names). All vendors and people are fictional.
This corpus is held out: do not tune rules on it.

Requires: fpdf2, pypdf, python-docx, openpyxl, warcio and the Debian packages
fonts-dejavu-core and fonts-droid-fallback.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import io
import json
import random
import re
import shutil
import sys
import tarfile
import uuid
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "corpus"

FIXED_DT = dt.datetime(2022, 3, 1, 8, 0, 0, tzinfo=dt.timezone.utc)
ZIP_DT = (2022, 3, 1, 8, 0, 0)
TAR_MTIME = int(FIXED_DT.timestamp())

FONT_LATIN = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_LATIN_B = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
FONT_CJK = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

FLAG_KINDS = {"capability_claim", "implementation", "targeting_rule"}
CLEAN_KINDS = {"record_field", "disclaimer", "reporting", "evaluation", "unrelated"}
CATS = {"ethnicity", "skin_color", "religion", "political_opinion", "trade_union", "sexual_orientation"}


def L(label, cats, kind, lang, note, expect=()):
    """Label of one unit. expect: phrases that must be extractable (checked for PDF/DOCX/XLSX)."""
    return {"label": label, "categories": list(cats), "kind": kind, "lang": lang, "note": note,
            "expect": list(expect)}


def F(cats, kind, lang, note, expect=()):
    return L("flag", cats, kind, lang, note, expect)


def C(kind, lang, note, expect=()):
    return L("clean", [], kind, lang, note, expect)


# ======================================================================================
# Format builders
# ======================================================================================
def _w(s: str) -> int:
    return sum(2 if ord(c) > 0x2E80 else 1 for c in s)


def pdf(blocks, title, author="") -> bytes:
    """blocks: ('h', text) | ('p', text) | ('li', text) | ('table', rows) | ('page',)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    doc = FPDF(format="A4")
    doc.set_creation_date(FIXED_DT)
    doc.add_font("latin", "", FONT_LATIN)
    doc.add_font("latin", "B", FONT_LATIN_B)
    doc.add_font("cjk", "", FONT_CJK)
    doc.add_font("cjk", "B", FONT_CJK)
    doc.set_fallback_fonts(["cjk"])
    doc.set_auto_page_break(True, margin=18)
    doc.set_margins(18, 18, 18)
    doc.set_title(title)
    doc.set_author(author)

    def footer():
        doc.set_y(-12)
        doc.set_font("latin", "", 8)
        doc.cell(0, 6, f"{title}  -  {doc.page_no()}", align="C")

    doc.footer = footer
    doc.add_page()
    for b in blocks:
        if b[0] == "page":
            doc.add_page()
        elif b[0] == "h":
            doc.set_font("latin", "B", 14)
            doc.multi_cell(0, 8, b[1], new_x="LMARGIN", new_y="NEXT")
            doc.ln(2)
        elif b[0] in ("p", "li"):
            doc.set_font("latin", "", 10.5)
            doc.multi_cell(0, 6, ("\u2022 " if b[0] == "li" else "") + b[1], new_x="LMARGIN", new_y="NEXT")
            doc.ln(1.5)
        elif b[0] == "table":
            rows = b[1]
            ncol = max(len(r) for r in rows)
            widths = tuple(min(max(max(_w(r[i]) for r in rows), 8), 70) for i in range(ncol))
            doc.set_font("latin", "", 9.5)
            with doc.table(col_widths=widths, text_align="LEFT", line_height=5.5,
                           headings_style=FontFace(emphasis="BOLD")) as t:
                for r in rows:
                    row = t.row()
                    for c in r:
                        row.cell(c)
            doc.ln(3)
    return bytes(doc.output())


def normalize_ooxml(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DT)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                stamp = FIXED_DT.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                blob = re.sub(rb"(<dcterms:(?:modified|created)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>" + stamp + rb"\g<2>", blob)
            dst.writestr(zi, blob)
    return out.getvalue()


def docx(blocks, header="", footer="", title="", author="") -> bytes:
    import docx as _docx
    from docx.oxml.ns import qn

    d = _docx.Document()
    d.styles["Normal"].element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")
    cp = d.core_properties
    cp.title, cp.author, cp.last_modified_by = title, author, author
    cp.created = cp.modified = FIXED_DT.replace(tzinfo=None)
    cp.revision = 1
    sec = d.sections[0]
    if header:
        sec.header.paragraphs[0].text = header
    if footer:
        sec.footer.paragraphs[0].text = footer
    for b in blocks:
        if b[0] == "h":
            d.add_heading(b[1], level=1)
        elif b[0] == "p":
            d.add_paragraph(b[1])
        elif b[0] == "li":
            d.add_paragraph(b[1], style="List Bullet")
        elif b[0] == "page":
            d.add_page_break()
        elif b[0] == "table":
            rows = b[1]
            t = d.add_table(rows=0, cols=max(len(r) for r in rows))
            t.style = "Table Grid"
            for r in rows:
                cells = t.add_row().cells
                for i, c in enumerate(r):
                    cells[i].text = c
    buf = io.BytesIO()
    d.save(buf)
    return normalize_ooxml(buf.getvalue())


def xlsx(sheets, title="", author="") -> bytes:
    """sheets: list of (name, hidden, rows)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, hidden, rows in sheets:
        ws = wb.create_sheet(name)
        if hidden:
            ws.sheet_state = "hidden"
        for r in rows:
            ws.append(list(r))
    wb.properties.title, wb.properties.creator, wb.properties.lastModifiedBy = title, author, author
    wb.properties.created = wb.properties.modified = FIXED_DT.replace(tzinfo=None)
    buf = io.BytesIO()
    wb.save(buf)
    return normalize_ooxml(buf.getvalue())


def blob(name: str, size: int, magic: bytes, header: str, chunks) -> bytes:
    """Seeded random bytes with (encoding, text) strings at scattered offsets."""
    rng = random.Random(hashlib.sha256(name.encode()).hexdigest())
    data = bytearray(rng.randbytes(size))
    head = magic + b"\x00\x02\x00\x00" + size.to_bytes(4, "little") + header.encode("ascii") + b"\x00"
    data[: len(head)] = head
    slot = (size - 8192) // (len(chunks) + 1)
    for i, (enc, text) in enumerate(chunks):
        payload = b"\x00" * 8 + text.encode(enc) + b"\x00" * 8
        off = 8192 + i * slot + rng.randrange(0, max(1, slot - len(payload) - 64)) // 8 * 8
        data[off: off + len(payload)] = payload
    return bytes(data)


def txt(s: str, enc="utf-8", crlf=False) -> bytes:
    s = s.strip("\n") + "\n"
    if crlf:
        s = s.replace("\n", "\r\n")
    return s.encode(enc)


def jdump(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------
# Archives: a member is (path, bytes, label) or (path, "zip"|"tar.gz", [members])
# --------------------------------------------------------------------------------------
def _dirs(paths):
    out = []
    for p in paths:
        parts = p.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i]) + "/"
            if d not in out:
                out.append(d)
    return out


def pack(kind: str, members, dir_entries=False) -> bytes:
    items = [(m[0], pack(m[1], m[2]) if isinstance(m[1], str) else m[1]) for m in members]
    if kind == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            if dir_entries:
                for d in _dirs([p for p, _ in items]):
                    zi = zipfile.ZipInfo(d, date_time=ZIP_DT)
                    zi.external_attr = (0o40755 << 16) | 0x10
                    z.writestr(zi, b"")
            for path, data in items:
                zi = zipfile.ZipInfo(path, date_time=ZIP_DT)
                zi.compress_type = zipfile.ZIP_STORED if path.endswith((".zip", ".gz")) else zipfile.ZIP_DEFLATED
                zi.external_attr = 0o644 << 16
                z.writestr(zi, data)
        return buf.getvalue()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for d in _dirs([p for p, _ in items]):
            ti = tarfile.TarInfo(d.rstrip("/"))
            ti.type, ti.mode, ti.mtime, ti.uname, ti.gname = tarfile.DIRTYPE, 0o755, TAR_MTIME, "rel", "rel"
            t.addfile(ti)
        for path, data in items:
            ti = tarfile.TarInfo(path)
            ti.size, ti.mode, ti.mtime, ti.uname, ti.gname = len(data), 0o644, TAR_MTIME, "rel", "rel"
            t.addfile(ti, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as g:
        g.write(raw.getvalue())
    return out.getvalue()


def archive_units(members, prefix=""):
    for m in members:
        if isinstance(m[1], str):
            yield from archive_units(m[2], prefix + m[0] + "!/")
        else:
            yield prefix + m[0], m[1], m[2]


# --------------------------------------------------------------------------------------
# WARC
# --------------------------------------------------------------------------------------
def http_date(iso: str) -> str:
    return dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").strftime("%a, %d %b %Y %H:%M:%S GMT")


def rid(*parts) -> str:
    return "<urn:uuid:%s>" % uuid.uuid5(uuid.NAMESPACE_URL, "|".join(parts))


def warc(name: str, uri: str, ip: str, records) -> bytes:
    """records: dicts with date, status, ctype, body(bytes), gzip?, chunked?, metadata?"""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    host, path = uri.split("/")[2], "/" + uri.split("/", 3)[3]
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True, warc_version="1.0")
    info = (f"software: rt2-crawler/0.9\r\nformat: WARC File Format 1.0\r\nisPartOf: {name}\r\n").encode()
    w.write_record(w.create_warc_record("", "warcinfo", payload=io.BytesIO(info), length=len(info),
                                        warc_content_type="application/warc-fields",
                                        warc_headers_dict={"WARC-Record-ID": rid(name, "info"),
                                                           "WARC-Date": records[0]["date"], "WARC-Filename": name}))
    for i, r in enumerate(records):
        date, body = r["date"], r["body"]
        headers = [("Date", http_date(date)), ("Server", "openresty"), ("Content-Type", r["ctype"])]
        if r.get("gzip"):
            gz = io.BytesIO()
            with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0, filename="") as g:
                g.write(body)
            body = gz.getvalue()
            headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        if r.get("chunked"):
            out = bytearray()
            for k in range(0, len(body), 700):
                part = body[k: k + 700]
                out += b"%x\r\n" % len(part) + part + b"\r\n"
            body = bytes(out + b"0\r\n\r\n")
            headers.append(("Transfer-Encoding", "chunked"))
        else:
            headers.append(("Content-Length", str(len(body))))
        headers.append(("Connection", "close"))
        resp_id = rid(name, "response", date)
        hh = StatusAndHeaders(r["status"], headers, protocol="HTTP/1.1")
        rec = w.create_warc_record(uri, "response", payload=io.BytesIO(body), length=len(body), http_headers=hh,
                                   warc_headers_dict={"WARC-Record-ID": resp_id, "WARC-Date": date,
                                                      "WARC-IP-Address": ip})
        w.write_record(rec)
        req = StatusAndHeaders(f"GET {path} HTTP/1.1",
                               [("Host", host), ("User-Agent", "rt2-crawler/0.9 (+https://crawler.example)"),
                                ("Accept-Encoding", "gzip" if r.get("gzip") else "identity")],
                               is_http_request=True)
        w.write_record(w.create_warc_record(uri, "request", http_headers=req,
                                            warc_headers_dict={"WARC-Record-ID": rid(name, "request", date),
                                                               "WARC-Date": date, "WARC-Concurrent-To": resp_id}))
        if r.get("metadata"):
            md = f"via: {uri}\r\nfetchTimeMs: {210 + 13 * i}\r\noutlink: {uri} L a/@href\r\n".encode()
            w.write_record(w.create_warc_record(uri, "metadata", payload=io.BytesIO(md), length=len(md),
                                                warc_content_type="application/warc-fields",
                                                warc_headers_dict={"WARC-Record-ID": rid(name, "metadata", date),
                                                                   "WARC-Date": date,
                                                                   "WARC-Concurrent-To": resp_id}))
    return buf.getvalue()


# ======================================================================================
# Content
# ======================================================================================
def plain_files():
    """Yield (path, bytes, label) for plain files."""
    # ---------------- PDFs ----------------
    yield "pdf/qingmu-qv9-whitepaper.pdf", pdf([
        ("h", "青木智视 QV9 系列边缘智能摄像机 技术白皮书"),
        ("p", "版本 V1.3 · 2020 年 9 月 · 杭嘉青木智视科技有限公司"),
        ("p", "QV9 系列面向园区、交通枢纽与城市道路场景，内置 6 TOPS 算力 NPU，可在前端完成人脸抓拍、"
              "人体结构化与车辆结构化，减少后端服务器投入。本白皮书介绍其硬件规格与智能分析能力。"),
        ("page",),
        ("h", "一、硬件规格"),
        ("table", [["项目", "参数"], ["图像传感器", "1/1.8\" 逐行扫描 CMOS"], ["镜头", "4.7–47 mm 电动变焦"],
                   ["宽动态", "140 dB"], ["补光", "红外 + 暖光双补光，距离 50 m"], ["防护等级", "IP67 / IK10"]]),
        ("p", "设备支持 H.265+ 编码与三码流输出，可通过 GB/T 28181 与 ONVIF 接入第三方平台。"),
        ("page",),
        ("h", "二、智能分析能力"),
        ("table", [["功能", "说明", "准确率"],
                   ["人脸抓拍", "单画面同时抓拍 60 张人脸，自动择优", "≥99%"],
                   ["人体属性", "上衣颜色、下装类型、是否背包、是否骑车", "≥95%"],
                   ["人脸属性", "性别、年龄段、是否戴眼镜、是否戴口罩", "≥96%"],
                   ["族群属性", "可区分藏族、维吾尔族与汉族目标", "≥92%"],
                   ["肤色属性", "白色、黄色、棕色、黑色四类肤色", "≥90%"]]),
        ("p", "以上属性可随抓拍图片一并上报至平台，并作为检索条件使用。"),
        ("page",),
        ("h", "三、部署与服务"),
        ("p", "建议安装高度 3.5–5 m，俯角不大于 15°。技术支持热线 400-000-0000（示例）。"),
    ], "QV9 技术白皮书", "Qingmu"), F(["ethnicity", "skin_color"], "capability_claim", "zh-Hans",
                                      "camera white paper: analytics table on page 3 claims Tibetan/Uyghur/Han 'group attribute' and four-class skin colour",
                                      ["可区分藏族、维吾尔族与汉族目标", "白色、黄色、棕色、黑色四类肤色"])

    yield "pdf/northgate-metro-tender-response.pdf", pdf([
        ("h", "Northgate Systems - Response to RFP MT-2021-044"),
        ("p", "Metro Transit Authority of Lakeside (fictional). Smart station video analytics, lots 2 and 3."),
        ("p", "Northgate proposes its Sentinel Edge platform with 212 cameras across 9 stations, "
              "integrated with the existing access-control and PA systems."),
        ("page",),
        ("h", "Section 3 - Compliance with functional requirements"),
        ("table", [["Req.", "Requirement", "Response"],
                   ["4.5", "Left-object detection within 60 s", "Compliant"],
                   ["4.6", "Crowd density heat maps per platform", "Compliant"]]),
        ("page",),
        ("h", "Requirement 4.7 - Secondary screening trigger"),
        ("p", "Sentinel Edge classifies the headwear of every passenger at the ticket barrier. Passengers "
              "detected wearing religious head coverings (turban, hijab, kippah, taqiyah) are automatically "
              "routed to the secondary screening lane, and an operator alert is raised for each match."),
        ("p", "Alert volume for the religious-headwear rule is reported daily to the security manager."),
    ], "Northgate RFP response", "Northgate Systems"), F(["religion"], "targeting_rule", "en",
                                                         "tender response, page 3: passengers wearing religious head coverings routed to secondary screening with alerts",
                                                         ["religious head coverings", "secondary screening lane"])

    yield "pdf/qingmu-statement-2021.pdf", pdf([
        ("h", "关于 QV9 白皮书相关报道的说明"),
        ("p", "致各合作伙伴及媒体："),
        ("p", "近日有媒体报道称，我司 QV9 系列摄像机白皮书中出现“族群属性”“肤色属性”等描述。经核查，"
              "上述条目系早期文档编辑错误，QV9 系列产品从未开发、销售或交付任何识别特定民族、种族或肤色的功能。"),
        ("page",),
        ("p", "相关白皮书已于 2021 年 3 月撤回并更新。我司产品不对人员的民族、宗教信仰或肤色进行分析，"
              "今后亦不会提供此类功能。"),
        ("p", "杭嘉青木智视科技有限公司 品牌与合规部  2021 年 3 月 18 日"),
    ], "青木智视声明", "Qingmu"), C("disclaimer", "zh-Hans",
                                  "vendor letter denying and withdrawing the ethnicity/skin-colour attribute claim",
                                  ["从未开发、销售或交付任何识别特定民族"])

    yield "pdf/borderline-rights-report-2022.pdf", pdf([
        ("h", "Watched at the Gate: Ethnic Analytics in Regional Transit Surveillance"),
        ("p", "A report by Borderline Rights Monitor (fictional NGO), May 2022."),
        ("p", "Summary. We reviewed 41 vendor documents and 12 procurement files. Several vendors marketed "
              "cameras that purport to infer a person's ethnicity or skin colour from their face."),
        ("page",),
        ("h", "1. Method"),
        ("p", "Documents were collected from vendor websites, archived captures and public tender portals, "
              "and checked against the companies' later statements."),
        ("page",),
        ("h", "2. Findings"),
        ("p", "Qingmu's QV9 white paper stated that the camera \"can distinguish Tibetan, Uyghur and Han targets\" "
              "and classify four skin colours. After our inquiry the company withdrew the document and said "
              "the entry was an editing error."),
        ("p", "A metro tender response described routing passengers in religious head coverings to secondary "
              "screening. We consider such rules discriminatory and call for their prohibition."),
        ("page",),
        ("h", "3. Recommendations"),
        ("li", "Ban procurement of systems that classify people by ethnicity, religion or skin colour."),
        ("li", "Require vendors to publish attribute lists for every analytics product."),
    ], "Watched at the Gate", "Borderline Rights Monitor"), C("reporting", "en",
                                                              "NGO report quoting vendor ethnicity/skin-colour and religious-headwear claims as findings",
                                                              ["can distinguish Tibetan, Uyghur and Han targets"])

    yield "pdf/gait-ethnic-patent-cn.pdf", pdf([
        ("h", "发明专利申请公布说明书"),
        ("p", "申请号 CN2019XXXXXXXX.X（示例）  申请人：西岭感知技术有限公司"),
        ("p", "发明名称：一种基于步态与体态特征的行人类别识别方法及装置"),
        ("page",),
        ("h", "说明书摘要"),
        ("p", "本发明公开了一种基于步态与体态特征的行人类别识别方法，通过视频序列提取行人的步态能量图与体态关键点，"
              "经深度网络编码得到步态特征向量。"),
        ("page",),
        ("h", "权利要求书"),
        ("p", "1. 一种行人类别识别方法，其特征在于，包括：获取监控视频中行人的步态序列；提取步态特征向量；"
              "根据所述步态特征向量输出行人的民族类别，所述民族类别包括维吾尔族、哈萨克族和汉族。"),
        ("p", "2. 根据权利要求 1 所述的方法，其特征在于，当民族类别的置信度大于 0.8 时，将结果写入结构化数据库。"),
    ], "CN patent application", "Xiling"), F(["ethnicity"], "capability_claim", "zh-Hans",
                                             "patent claim 1 on page 3: infer pedestrian's ethnic category (Uyghur/Kazakh/Han) from gait",
                                             ["根据所述步态特征向量输出行人的民族类别"])

    yield "pdf/skin-tone-fairness-study-tw.pdf", pdf([
        ("h", "人臉辨識系統於不同膚色族群之誤識率評估"),
        ("p", "國立示範大學 資訊工程學系 技術報告 TR-2022-07"),
        ("p", "摘要：本研究以 Monk 膚色量表將 3,200 名自願受試者之影像分為十組，量測三套商用人臉辨識系統之誤識率。"),
        ("page",),
        ("h", "實驗結果"),
        ("table", [["膚色組", "受試人數", "FMR", "FNMR"], ["MST 1-3", "1104", "0.01%", "1.2%"],
                   ["MST 4-6", "1290", "0.02%", "1.6%"], ["MST 7-10", "806", "0.05%", "3.9%"]]),
        ("p", "較深膚色組別之 FNMR 明顯偏高，建議廠商於上線前公開各組別之錯誤率。膚色由受試者自行選擇，系統未推論膚色。"),
        ("page",),
        ("h", "結論"),
        ("p", "公平性評估應成為採購驗收的必要條件。"),
    ], "膚色公平性評估", "NDU"), C("evaluation", "zh-Hant",
                                "fairness study: error rates per self-selected Monk skin-tone group",
                                ["較深膚色組別之 FNMR 明顯偏高"])

    # ---------------- DOCX ----------------
    yield "docx/harbourline-site-security-plan.docx", docx([
        ("h", "Site Security Operations Plan - Eastport Terminal"),
        ("p", "This plan covers gate staffing, CCTV coverage and watchlist handling for the 2022 peak season."),
        ("h", "Watchlists"),
        ("table", [["Watchlist", "Source", "Action on face match"],
                   ["Banned contractors", "Procurement blacklist", "Deny entry; notify supervisor"],
                   ["Union organisers", "HR list of shop stewards and employees who signed the Dockworkers "
                                        "Solidarity Local 12 card drive", "Silent alert to security desk; log entry and exit times"],
                   ["Trespass notices", "Legal", "Deny entry"]]),
        ("p", "Watchlist photos are refreshed weekly from the HR system."),
    ], header="Harbourline Logistics - CONFIDENTIAL", footer="Rev 3 - Security Operations",
        title="Site security plan", author="Harbourline"), F(["trade_union"], "targeting_rule", "en",
                                                           "face watchlist of union organisers and card-drive signers with silent alerts, in a table",
                                                           ["Union organisers", "Silent alert to security desk"])

    yield ("docx/jinghu-hotel-upload-spec.docx", docx([
        ("h", "旅馆业治安管理信息系统 上传接口说明"),
        ("p", "本接口用于将入住旅客的身份证件信息上传至公安旅馆业系统。所有字段均由身份证阅读器读取，不做任何推断。"),
        ("table", [["字段", "类型", "来源", "说明"], ["XM", "string", "身份证", "姓名"], ["XB", "string", "身份证", "性别"],
                   ["MZ", "string", "身份证", "民族，按 GB 3304 代码上传，如 01 汉族"],
                   ["CSRQ", "date", "身份证", "出生日期"], ["ZJHM", "string", "身份证", "公民身份号码"]]),
    ], header="镜湖酒店管理软件 V5", footer="第 1 版", title="上传接口说明", author="Jinghu"),
        C("record_field", "zh-Hans", "hotel PSB upload spec: 民族 copied from the ID card, no inference, no targeting",
          ["民族，按 GB 3304 代码上传"]))

    yield ("docx/taihe-ruimou-interop-test-report.docx", docx([
        ("h", "泰和视频云平台与锐眸动态人脸识别系统互通测试报告"),
        ("p", "测试时间：2019 年 3 月 12 日 — 3 月 15 日；测试地点：泰和科技南京实验室。"),
        ("table", [["序号", "测试项", "预期结果", "结论"],
                   ["1", "人脸抓拍上报", "前端抓拍图片 3 秒内上报平台", "通过"],
                   ["2", "人脸属性-民族", "前端上报维族/非维族属性，平台可展示", "通过"],
                   ["3", "维族人员实时告警", "识别为维族时平台弹窗告警并推送值班民警", "通过"],
                   ["4", "以脸搜脸", "TOP10 命中率不低于 95%", "通过"]]),
        ("p", "结论：双方系统基本功能互通正常。"),
    ], header="内部资料 注意保密", footer="泰和科技 × 锐眸 互通测试报告", title="互通测试报告", author="Taihe"),
        F(["ethnicity"], "targeting_rule", "zh-Hans",
          "interop test report table: Uyghur/non-Uyghur face attribute and real-time Uyghur alarm, both 'passed'",
          ["维族人员实时告警"]))

    yield ("docx/crowdpulse-product-brief.docx", docx([
        ("h", "CrowdPulse Rally Insight"),
        ("p", "Real-time audience analytics for campaign events, town halls and demonstrations."),
        ("table", [["Module", "What it does"],
                   ["Headcount", "Counts attendees entering and leaving"],
                   ["Affinity Lens", "Estimates each attendee's likely party affinity (progressive / centrist / "
                                     "conservative) from facial features, clothing and expressions"],
                   ["Dwell", "Time spent near the stage"]]),
        ("p", "Affinity scores can be exported per face track for follow-up."),
    ], header="CrowdPulse - political affinity estimation from faces", footer="(c) CrowdPulse Analytics (fictional)",
        title="CrowdPulse brief", author="CrowdPulse"), F(["political_opinion"], "capability_claim", "en",
                                                         "product brief claims to estimate attendees' party affinity from faces; header repeats it",
                                                         ["likely party affinity"]))

    yield ("docx/meridian-responsible-ai-policy.docx", docx([
        ("h", "Responsible AI Policy for Meridian Vision Products"),
        ("p", "Meridian Vision products do not estimate race, ethnicity, skin tone, religion, political views, "
              "trade-union membership or sexual orientation, and never will."),
        ("p", "Requests for such attributes through the API are rejected with error 4031 (attribute not supported)."),
        ("table", [["Attribute", "Supported"], ["Age range", "Yes"], ["Mask", "Yes"], ["Ethnicity", "No - prohibited"],
                   ["Skin tone", "No - prohibited"]]),
    ], header="Meridian Vision - Public policy", footer="Version 2.0 - January 2022", title="RAI policy",
        author="Meridian"), C("disclaimer", "en", "policy stating the products do not infer any protected attribute",
                              ["do not estimate race, ethnicity, skin tone"]))

    yield ("docx/pingtung-festival-guide.docx", docx([
        ("h", "屏東原住民族豐年祭 旅遊指南"),
        ("p", "每年七至八月，排灣族與魯凱族部落舉辦豐年祭與收穫祭，歡迎遊客在尊重部落規範的前提下參與。"),
        ("table", [["部落", "族群", "日期"], ["來義", "排灣族", "7 月 15 日"], ["霧台", "魯凱族", "8 月 14 日"]]),
        ("p", "請勿未經同意拍攝祭儀，並遵守部落禁忌。"),
    ], header="屏東縣觀光指南（示例）", footer="第 2 頁", title="豐年祭指南", author="Pingtung"),
        C("unrelated", "zh-Hant", "tourism guide to indigenous festivals; ethnic group names only as culture", ["排灣族"]))

    # ---------------- XLSX ----------------
    yield "xlsx/district-alarm-rules.xlsx", xlsx([
        ("设备清单", False, [["设备编号", "位置", "类型"], ["C-0101", "东门", "人脸卡口"], ["C-0102", "菜市场北", "人脸卡口"]]),
        ("布控规则", True, [["规则ID", "条件", "动作"],
                          ["R-07", "人脸属性.民族 = 维吾尔族 且 户籍地 ≠ 本市", "实时预警，推送辖区派出所"],
                          ["R-08", "同一小区 20 日内 维吾尔族 人员出现 ≥ 5 人", "上报分局情报中心"],
                          ["R-09", "陌生人夜间徘徊 > 10 分钟", "提示巡逻"]]),
    ], title="布控", author="district"), F(["ethnicity"], "targeting_rule", "zh-Hans",
                                         "hidden sheet: alarm rules keyed on inferred Uyghur ethnicity and Uyghur head-count per compound",
                                         ["人脸属性.民族 = 维吾尔族"])

    yield "xlsx/ostrava-bid-compliance.xlsx", xlsx([
        ("Cover", False, [["Bid", "Ostrava Dynamics - City surveillance upgrade"], ["Date", "2021-11-02"]]),
        ("Technical", False, [["Req ID", "Requirement", "Compliance", "Remark"],
                              ["T-30", "Vehicle make and colour recognition", "Fully compliant", ""],
                              ["T-31", "Skin tone classification of detected persons (light / medium / dark)",
                               "Fully compliant", "Native in Ostrava Sense 5, per face"],
                              ["T-32", "Export to CSV", "Fully compliant", ""]]),
    ], title="compliance", author="Ostrava"), F(["skin_color"], "capability_claim", "en",
                                                "bid compliance sheet 2: vendor claims per-face skin-tone classification",
                                                ["Skin tone classification of detected persons"])

    yield "xlsx/verification-benchmark-2022.xlsx", xlsx([
        ("About", False, [["Benchmark of 1:1 verification, 6 algorithms, 48k self-identified volunteers"]]),
        ("Results", False, [["Algorithm", "Group (self-reported)", "FNMR @ FMR 1e-5"],
                            ["alg-a", "African descent", "0.021"], ["alg-a", "East Asian", "0.012"],
                            ["alg-a", "European descent", "0.009"], ["alg-b", "African descent", "0.034"]]),
    ], title="benchmark", author="lab"), C("evaluation", "en",
                                           "benchmark of verification error rates by self-reported group on sheet 2",
                                           ["African descent"])

    yield ("xlsx/community-visitor-log.xlsx", xlsx([
        ("汇总", False, [["日期", "访客数"], ["2022-02-01", 31], ["2022-02-02", 28]]),
        ("身份证读卡记录", True, [["时间", "姓名", "性别", "民族", "证件号"],
                                ["2022-02-01 09:12", "张某", "男", "汉", "3301**********0012"],
                                ["2022-02-01 10:40", "马某", "女", "回", "6401**********0025"],
                                ["2022-02-02 14:05", "阿某", "男", "维吾尔", "6501**********0031"]]),
    ], title="visitor log", author="community"), C("record_field", "zh-Hans",
                                                   "hidden sheet of ID-card reads incl. 民族 column; no inference or special handling",
                                                   ["维吾尔"]))

    # ---------------- binary blobs ----------------
    yield "bin/qv9-app-2.8.7.bin", blob("qv9-app", 196608, b"QMFW", "QV9-APP 2.8.7 build 20200912", [
        ("ascii", "face.attr.gender=on\nface.attr.age=on\nface.attr.ethnic=on\nface.attr.skin_tone=on\n"
                  "face.attr.ethnic.classes=han,tibetan,uyghur\n"),
        ("utf-16-le", "族群属性"),
        ("gbk", "维吾尔族"),
        ("utf-16-le", "肤色"),
        ("ascii", "libqm_ethnic_cls.so"),
        ("ascii", "model/ethnic_v3.nb"),
    ]), F(["ethnicity", "skin_color"], "implementation", "mixed",
          "firmware blob: config keys face.attr.ethnic=on / skin_tone=on, ethnic classes han/tibetan/uyghur, UTF-16LE and GBK labels")

    yield "bin/hanbo-idreader-1.4.bin", blob("hanbo-idreader", 131072, b"HBID", "HANBO IDR-200 1.4.0", [
        ("ascii", "ID_FIELD_NAME ID_FIELD_SEX ID_FIELD_NATION ID_FIELD_BIRTH ID_FIELD_ADDR"),
        ("gbk", "姓名"), ("gbk", "民族"), ("utf-16-le", "民族：%s"), ("utf-16-le", "签发机关"),
        ("ascii", "nation_code_table_gb3304"),
    ]), C("record_field", "mixed", "ID-card reader module: 民族 field strings for values printed on the card")

    yield "bin/edgebox-rules-1.2.bin", blob("edgebox-rules", 131072, b"EBX1", "EDGEBOX RULE ENGINE 1.2", [
        ("utf-16-le", "检测到少数民族人员，已触发布控告警"),
        ("ascii", "rule.minority_face.alarm=1"),
        ("gbk", "重点人员(民族)"),
        ("utf-16-le", "Alarm: minority face detected"),
    ]), F(["ethnicity"], "targeting_rule", "mixed",
          "rule-engine blob: UTF-16LE/GBK alarm strings for detected ethnic-minority faces and rule.minority_face.alarm=1")


# --------------------------------------------------------------------------------------
def lumora_zip():
    attr_h = r"""
/* lumora_face_attr.h - Lumora Face SDK 4.2.0 */
#ifndef LUMORA_FACE_ATTR_H
#define LUMORA_FACE_ATTR_H
#include <stdint.h>

typedef enum { LM_GENDER_UNKNOWN = 0, LM_GENDER_MALE, LM_GENDER_FEMALE } LmGender;

/* 民族估计结果 (estimated from the face crop) */
typedef enum {
    LM_ETH_UNKNOWN = 0,
    LM_ETH_HAN     = 1,  /* 汉族 */
    LM_ETH_UYGHUR  = 2,  /* 维吾尔族 */
    LM_ETH_TIBETAN = 3,  /* 藏族 */
    LM_ETH_HUI     = 4   /* 回族 */
} LmEthnicGroup;

typedef enum { LM_SKIN_UNKNOWN = 0, LM_SKIN_LIGHT, LM_SKIN_MEDIUM, LM_SKIN_DARK } LmSkinTone;

typedef struct {
    LmGender      gender;
    uint8_t       age;
    uint8_t       glasses;
    uint8_t       mask;
    LmEthnicGroup ethnic;       /* deprecated in 4.2, still filled when LM_ATTR_ETHNIC is set */
    float         ethnic_conf;
    LmSkinTone    skin;
} LmFaceAttr;

#define LM_ATTR_ETHNIC 0x0010
#define LM_ATTR_SKIN   0x0020

int lm_face_attr(const void *crop, uint32_t flags, LmFaceAttr *out);
#endif
"""
    idcard_h = r"""
/* lumora_idcard.h - ID card reader bridge */
#ifndef LUMORA_IDCARD_H
#define LUMORA_IDCARD_H
typedef struct {
    char name[32];
    char sex[4];
    char nation[16];     /* 民族, as printed on the card (read from chip) */
    char birth[9];
    char address[72];
    char id_number[19];
    unsigned char photo_wlt[1024];
} LmIdCardInfo;
int lm_idcard_read(int port, LmIdCardInfo *info);
#endif
"""
    readme = """
# Lumora Face SDK 4.2.0

Cross-platform face detection, tracking and verification for ARM64 and x86_64 Linux.

## Install

    tar xf lumora-sdk-4.2.0-linux.tar.gz && export LD_LIBRARY_PATH=$PWD/lib

## Threads

The tracker is thread-safe since 4.1. A race condition in `lm_track_update` that could drop
frames under heavy load was fixed in 4.1.3.
"""
    notes = """
# Release notes

## 4.2.0 (2021-09-30)

- **Removed:** the ethnicity and skin-tone estimators. Lumora no longer infers ethnicity or skin tone,
  and the corresponding models have been deleted from the package.
- Calling `lm_face_attr` with `LM_ATTR_ETHNIC` or `LM_ATTR_SKIN` now returns `LM_ERR_UNSUPPORTED`.
- Faster detector on Cortex-A76.

## 4.1.3

- Fixed a tracker race condition.
"""
    zh = {"attr.title": "人脸属性", "attr.gender": "性别", "attr.age": "年龄", "attr.glasses": "眼镜", "attr.mask": "口罩",
          "attr.ethnic": "民族", "attr.ethnic.han": "汉族", "attr.ethnic.uyghur": "维吾尔族", "attr.ethnic.tibetan": "藏族",
          "attr.ethnic.hui": "回族", "attr.skin": "肤色", "attr.skin.light": "浅", "attr.skin.dark": "深",
          "search.by_attr": "按属性检索"}
    ru = {"attr.title": "Атрибуты лица", "attr.gender": "Пол", "attr.age": "Возраст",
          "attr.ethnic": "Этническая принадлежность (оценка по лицу)", "attr.ethnic.uyghur": "Уйгур",
          "attr.ethnic.han": "Хань", "attr.ethnic.tibetan": "Тибетец", "attr.mask": "Маска"}
    guide = pdf([
        ("h", "Lumora Face SDK - Integration Guide"),
        ("p", "Version 4.0. This guide shows how to call the REST gateway that wraps the native SDK."),
        ("page",),
        ("h", "1. Detection"),
        ("p", "POST /v4/detect with a JPEG body returns face boxes and a track id for each face."),
        ("page",),
        ("h", "2. Attribute endpoint"),
        ("p", "POST /v4/attributes?fields=age,gender,ethnicity returns, for each face, an object such as "
              "{\"age\": 31, \"gender\": \"female\", \"ethnicity\": {\"value\": \"uyghur\", \"score\": 0.87}}."),
        ("table", [["Field", "Values"], ["gender", "male, female"], ["age", "0-100"],
                   ["ethnicity", "han, uyghur, tibetan, hui, other"]]),
        ("page",),
        ("h", "3. Errors"),
        ("p", "400 bad image; 413 image too large; 429 rate limit."),
    ], "Lumora Integration Guide", "Lumora")
    addon = {"name": "lumora-watch-addon", "version": "1.1.0", "rules": [
        {"id": "loiter-night", "when": {"event": "loiter", "minutes": 10}, "then": {"action": "notify"}},
        {"id": "prayer-cap-alert", "when": {"attribute": "headwear.religious", "in": ["taqiyah", "hijab", "niqab"]},
         "then": {"action": "alarm", "notify": "duty-room", "snapshot": True}}]}
    ug = {"lang.name": "ئۇيغۇرچە", "menu.settings": "تەڭشەكلەر", "menu.exit": "چىقىش", "menu.help": "ياردەم",
          "camera.add": "كامېرا قوشۇش"}
    to_csv = r'''
"""Export face-attribute results from the Lumora gateway to CSV."""
import csv, json, sys

COLUMNS = ["track_id", "ts", "gender", "age", "race", "skin_tone"]


def rows(results):
    for r in results:
        a = r["attributes"]
        yield {"track_id": r["track_id"], "ts": r["ts"], "gender": a["gender"], "age": a["age"],
               "race": a.get("ethnicity", {}).get("value"),      # inferred by the attribute model
               "skin_tone": a.get("skin", {}).get("value")}


if __name__ == "__main__":
    w = csv.DictWriter(sys.stdout, COLUMNS)
    w.writeheader()
    w.writerows(rows(json.load(open(sys.argv[1]))))
'''
    idsync = r'''
"""Copy ID-card reads from the gate reader into the visitor database."""
import sqlite3

FIELDS = ("name", "sex", "nation", "birth", "id_number")  # nation = 民族 printed on the card


def sync(reader, db="visitors.db"):
    con = sqlite3.connect(db)
    for card in reader.poll():
        con.execute("INSERT INTO visitor(name, sex, nation, birth, id_number) VALUES (?,?,?,?,?)",
                    tuple(card[f] for f in FIELDS))
    con.commit()
'''
    return [
        ("lumora-sdk/README.md", txt(readme), C("unrelated", "en", "SDK readme; 'race condition' only")),
        ("lumora-sdk/RELEASE_NOTES.md", txt(notes), C("disclaimer", "en", "release notes: ethnicity and skin-tone estimators removed")),
        ("lumora-sdk/include/lumora_face_attr.h", txt(attr_h), F(["ethnicity", "skin_color"], "implementation", "code",
         "header still exposes LmEthnicGroup (Han/Uyghur/Tibetan/Hui) and LmSkinTone in the face-attribute struct, despite release notes")),
        ("lumora-sdk/include/lumora_idcard.h", txt(idcard_h), C("record_field", "code", "ID-card struct with nation field read from the card")),
        ("lumora-sdk/i18n/zh-CN.json", jdump(zh), F(["ethnicity", "skin_color"], "implementation", "zh-Hans",
         "UI labels for inferred face attributes 民族 (汉/维吾尔/藏/回) and 肤色")),
        ("lumora-sdk/i18n/ru-RU.json", jdump(ru), F(["ethnicity"], "implementation", "ru",
         "Russian UI labels for face-estimated ethnicity incl. Uyghur/Han/Tibetan")),
        ("lumora-sdk/docs/Lumora_Integration_Guide.pdf", guide, F(["ethnicity"], "implementation", "en",
         "PDF inside zip, page 3: attribute endpoint returns ethnicity (han/uyghur/tibetan/hui)", ["\"ethnicity\": {\"value\": \"uyghur\""])),
        ("lumora-sdk/plugins/watch-addon-1.1.zip", "zip", [
            ("addon.json", jdump(addon), F(["religion"], "targeting_rule", "code",
             "plugin rule: alarm to duty room when religious headwear (taqiyah/hijab/niqab) is detected")),
            ("locale/ug-CN.json", jdump(ug), C("unrelated", "ug", "Uyghur-language UI strings (menus)")),
            ("LICENSE.txt", txt("Copyright (c) 2021 Lumora Labs (fictional).\nPermission is granted to use this add-on "
                                "with a valid Lumora SDK licence. Provided AS IS, without warranty."),
             C("unrelated", "en", "licence text")),
        ]),
        ("lumora-sdk/tools/export-tools-1.0.tar.gz", "tar.gz", [
            ("export/attr_to_csv.py", txt(to_csv), F(["ethnicity", "skin_color"], "implementation", "code",
             "export script writes inferred race and skin_tone columns from the attribute model")),
            ("export/idcard_sync.py", txt(idsync), C("record_field", "code", "copies nation (民族) from ID-card reads into a DB")),
            ("export/README.txt", txt("Export tools 1.0\n\nattr_to_csv.py  results.json > out.csv\nidcard_sync.py  run on the gate PC"),
             C("unrelated", "en", "tool readme")),
        ]),
    ]


def qv9_tgz():
    notes = """
QV9 系列固件 3.0.1 发布说明
==========================
发布日期：2021-04-02

1. 删除“族群属性”与“肤色属性”分析功能，并从固件中移除相关算法模型；
2. 升级后设备不再输出上述属性，平台侧相关检索条件同步下线；
3. 修复夜间补光闪烁问题。
"""
    mig = """#!/bin/sh
# migrate_remove_attrs.sh - run once after upgrading to 3.0.1
# Removes the ethnicity / skin-tone analytics settings and models left by 2.x firmware.
set -e
CONF=/mnt/cfg/analytics.conf
rm -f /mnt/models/ethnic_v3.nb /mnt/models/skin_v2.nb
sed -i '/^face.attr.ethnic/d;/^face.attr.skin_tone/d' "$CONF"
echo "ethnicity and skin-tone attributes removed"
"""

    def uesc(s):
        return "".join(c if ord(c) < 128 else f"\\u{ord(c):04x}" for c in s)

    props = "\n".join(uesc(l) for l in [
        "# webui zh_CN resources (ISO-8859-1, unicode-escaped)",
        "attr.gender=性别", "attr.age=年龄段", "attr.ethnic=族群属性", "attr.ethnic.han=汉族",
        "attr.ethnic.tibetan=藏族", "attr.ethnic.uyghur=维吾尔族", "attr.skin=肤色属性",
        "attr.skin.values=白色,黄色,棕色,黑色", "search.filter.ethnic=按族群检索抓拍人脸"])
    minjs = ('(self.webpackChunkqv9=self.webpackChunkqv9||[]).push([[412],{8821:function(e,t,n){"use strict";'
             'n.r(t);var r=[{key:"gender",label:"性别"},{key:"age",label:"年龄段"},{key:"ethnic",label:"族群",'
             'opts:["汉族","藏族","维吾尔族"]},{key:"skin",label:"肤色",opts:["白","黄","棕","黑"]}];'
             't.default={name:"FaceAttrFilter",data:function(){return{attrs:r,sel:{}}}}}}]);')
    conf = """# analytics.conf (3.0.1 defaults)
face.capture=on
face.attr.gender=on
face.attr.age=on
face.attr.glasses=on
face.attr.mask=on
body.attr.upper_color=on
"""
    return [
        ("qv9-3.0.1/RELEASE_NOTES.txt", txt(notes, "gbk", crlf=True), C("disclaimer", "zh-Hans",
         "GBK release notes: ethnicity-group and skin-colour attributes deleted")),
        ("qv9-3.0.1/scripts/migrate_remove_attrs.sh", txt(mig), C("disclaimer", "code",
         "migration script deleting ethnicity/skin-tone settings and models")),
        ("qv9-3.0.1/webui/lang/zh_CN.properties", txt(props), F(["ethnicity", "skin_color"], "implementation", "zh-Hans",
         "\\u-escaped Java properties: UI labels for 族群属性 (Han/Tibetan/Uyghur) and 肤色 still shipped (dominant: implementation); also a search-captured-faces-by-group label (targeting)")),
        ("qv9-3.0.1/webui/js/face-attr.min.js", txt(minjs), F(["ethnicity", "skin_color"], "implementation", "code",
         "minified webpack UI module: face-attribute filter with 族群 (汉/藏/维吾尔) and 肤色 options")),
        ("qv9-3.0.1/etc/analytics.conf", txt(conf), C("unrelated", "code", "config with only gender/age/glasses/mask attributes")),
    ]


def audit_tgz():
    readme = """
# Fair Face Audit Kit

Scripts for measuring false non-match rates of face verification systems per demographic group.
Group labels come from volunteers' self-identification (ethnicity, skin type on the Fitzpatrick
scale); the kit never predicts them from images.
"""
    evalpy = r'''
"""Per-group FNMR from a scores file (self-reported groups)."""
import collections, csv, sys

def fnmr_by_group(path, threshold):
    tot, miss = collections.Counter(), collections.Counter()
    for row in csv.DictReader(open(path)):
        g = row["self_reported_ethnicity"]
        if row["genuine"] == "1":
            tot[g] += 1
            miss[g] += float(row["score"]) < threshold
    return {g: miss[g] / tot[g] for g in tot}

if __name__ == "__main__":
    for g, v in sorted(fnmr_by_group(sys.argv[1], float(sys.argv[2])).items()):
        print(f"{g:24s} {v:.4f}")
'''
    digest = """
# Press digest, week 14

- *Harbor Ledger* reports that a city pilot used cameras marketed as able to "classify skin tone of
  every passer-by"; the vendor later said the feature was never enabled.
- An NGO found a firmware image with the keys `face.attr.ethnic=on` and Uyghur/Han classes, and asked
  the manufacturer to explain. The company says the attribute was removed in 3.0.1.
- Researchers warn that ethnicity classifiers repackage discredited race science.
"""
    lite = """
/* sdk_lite_attr.h - 2.0 */
typedef struct {
    int gender;      /* 0 unknown 1 male 2 female */
    int age;
    int mask;        /* 0/1 */
    int glasses;     /* 0 none 1 normal 2 sun */
    int hat;
} SL_FACE_ATTR;
"""
    lite_v1 = """
/* sdk_lite_attr_v1.h - legacy 1.x API, kept for source compatibility */
typedef enum {
    SL_RACE_UNKNOWN = 0,
    SL_RACE_YELLOW  = 1,  /* 黄种人 */
    SL_RACE_WHITE   = 2,  /* 白种人 */
    SL_RACE_BLACK   = 3,  /* 黑种人 */
    SL_RACE_BROWN   = 4   /* 棕种人 */
} SL_RACE;

typedef struct {
    int     gender;
    int     age;
    SL_RACE race;     /* 人种, 由人脸图像推断 */
    float   race_score;
} SL_FACE_ATTR_V1;
"""
    return [
        ("audit-kit/README.md", txt(readme), C("evaluation", "en", "fairness audit kit readme; self-identified groups")),
        ("audit-kit/eval/per_group_error.py", txt(evalpy), C("evaluation", "code", "per-group FNMR by self-reported ethnicity")),
        ("audit-kit/docs/press-digest.md", txt(digest), C("reporting", "en", "press digest quoting skin-tone and ethnic-attribute claims")),
        ("audit-kit/vendor/sdk-lite-2.0.zip", "zip", [
            ("include/sdk_lite_attr.h", txt(lite), C("unrelated", "code", "attribute struct with gender/age/mask/glasses/hat only")),
            ("include/sdk_lite_attr_v1.h", txt(lite_v1), F(["ethnicity", "skin_color"], "implementation", "code",
             "legacy header: SL_RACE enum yellow/white/black/brown inferred from face image")),
        ]),
    ]


def grid_zip():
    strings_zh = """<?xml version="1.0" encoding="utf-8"?>
<resources>
    <string name="app_name">网格通</string>
    <string name="tab_people">人员</string>
    <string name="filter_title">重点人员筛选</string>
    <string name="filter_religious">信教人员（穆斯林）</string>
    <string name="filter_minority">少数民族重点人员</string>
    <string name="filter_apply">筛选后自动加入走访名单</string>
</resources>
"""
    strings_en = """<?xml version="1.0" encoding="utf-8"?>
<resources>
    <string name="app_name">GridLink</string>
    <string name="tab_people">Residents</string>
    <string name="tab_events">Events</string>
    <string name="race_mode">Fast sync (may race with manual edits)</string>
</resources>
"""
    spec = docx([
        ("h", "网格化管理系统 需求规格说明书（第二期）"),
        ("p", "本期新增校园与社区联动模块。"),
        ("table", [["编号", "需求", "优先级"],
                   ["REQ-21", "食堂就餐记录与学生名册关联", "高"],
                   ["REQ-22", "斋月期间连续三日未在食堂午餐的穆斯林学生，自动生成关注名单并推送辅导员", "高"],
                   ["REQ-23", "宿舍门禁刷卡统计", "中"]]),
    ], header="内部 · 需求文档", footer="网格通项目组", title="需求规格说明书", author="grid")
    roster = xlsx([
        ("名册", False, [["户号", "姓名", "性别", "民族", "出生年月", "来源"],
                       ["A-101", "李某", "女", "汉族", "1980-05", "户籍登记"],
                       ["A-102", "买某", "男", "回族", "1975-11", "户籍登记"]]),
    ], title="roster", author="grid")
    notes = """
社区工作例会纪要（2021年9月6日）

一、民族团结进步宣传月活动安排：9月中旬举办社区邻里节，邀请各族居民共同参与。
二、老旧小区加装电梯进度通报。
三、垃圾分类督导员排班调整。
"""
    return [
        ("app/src/main/res/values-zh-rCN/strings.xml", txt(strings_zh), F(["religion", "ethnicity"], "targeting_rule", "zh-Hans",
         "app filter strings: 'religious (Muslim)' and 'ethnic-minority key persons' filters feeding a visit list")),
        ("app/src/main/res/values/strings.xml", txt(strings_en), C("unrelated", "code", "English app strings; 'race' as sync race")),
        ("docs/docs-bundle.zip", "zip", [
            ("需求规格说明书.docx", spec, F(["religion"], "targeting_rule", "zh-Hans",
             "DOCX in nested zip (non-ASCII name): watchlist of Muslim students not eating lunch during Ramadan",
             ["斋月期间连续三日未在食堂午餐的穆斯林学生"])),
            ("data/resident-roster.xlsx", roster, C("record_field", "zh-Hans", "resident roster with 民族 from household registration")),
            ("会议纪要.txt", txt(notes, "gbk", crlf=True), C("unrelated", "zh-Hans", "GBK meeting notes: 民族团结 publicity month")),
        ]),
    ]


def pairly_tgz():
    infer = r'''
"""orientation_infer.py - nightly job: score profile photos for likely orientation."""
from pairly.ml import load_model, face_crops

MODEL = load_model("models/orient_resnet50_v2.pt")   # trained on face crops
LABELS = ["heterosexual", "gay", "lesbian", "bisexual"]


def infer_orientation(user):
    probs = MODEL.predict([face_crops(p) for p in user.photos]).mean(axis=0)
    user.inferred_orientation = LABELS[int(probs.argmax())]
    user.inferred_orientation_score = float(probs.max())
    return user
'''
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Profile",
              "type": "object", "properties": {
                  "display_name": {"type": "string"},
                  "orientation": {"type": "string", "enum": ["straight", "gay", "lesbian", "bisexual", "prefer_not"],
                                  "description": "Chosen by the user in onboarding; optional; never inferred."},
                  "seeking": {"type": "string"}}}
    changelog = """
# Changelog

## 1.8.0
- Fix race between photo upload and moderation queue.
- New onboarding screens.

## 1.7.2
- Dependency updates.
"""
    return [
        ("pairly/services/orientation_infer.py", txt(infer), F(["sexual_orientation"], "implementation", "code",
         "job infers sexual orientation from profile face crops and stores it")),
        ("pairly/profile/schema.json", jdump(schema), C("record_field", "code", "self-declared optional orientation field, never inferred")),
        ("pairly/CHANGELOG.md", txt(changelog), C("unrelated", "en", "changelog, 'race' as timing race")),
    ]


ARCHIVES = [
    ("archives/lumora-face-sdk-4.2.0.zip", "zip", lumora_zip, True),
    ("archives/qv9-fw-update-3.0.1.tar.gz", "tar.gz", qv9_tgz, False),
    ("archives/fair-face-audit-kit-0.3.tar.gz", "tar.gz", audit_tgz, False),
    ("archives/gridlink-app-2.4.zip", "zip", grid_zip, False),
    ("archives/pairly-backend-1.8.tar.gz", "tar.gz", pairly_tgz, False),
]


# --------------------------------------------------------------------------------------
def warcs():
    def page(title, body, charset_meta=None):
        meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
        return f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body>{body}</body></html>\n"

    uri1 = "https://open.shiyan-ai.example/docs/face/attributes"
    api_flag = page("人脸属性分析 API - 石岩开放平台", """
<h1>人脸属性分析</h1><p>接口：POST /v2/face/attributes</p>
<table><tr><th>字段</th><th>类型</th><th>说明</th></tr>
<tr><td>gender</td><td>string</td><td>性别</td></tr>
<tr><td>age</td><td>int</td><td>年龄</td></tr>
<tr><td>ethnicity</td><td>string</td><td>民族：han（汉族）/ uyghur（维吾尔族）/ other</td></tr>
<tr><td>skin_color</td><td>string</td><td>肤色：yellow / white / black</td></tr></table>
<pre>{"faces":[{"gender":"male","age":34,"ethnicity":"uyghur","skin_color":"yellow"}]}</pre>""", "utf-8")
    api_flag2 = api_flag.replace("<p>接口", "<p>更新于 2020-08-30。接口")
    api_removed = page("人脸属性分析 API - 石岩开放平台", """
<h1>人脸属性分析</h1><p>接口：POST /v2/face/attributes</p>
<table><tr><th>字段</th><th>类型</th><th>说明</th></tr>
<tr><td>gender</td><td>string</td><td>性别</td></tr><tr><td>age</td><td>int</td><td>年龄</td></tr>
<tr><td>mask</td><td>bool</td><td>是否佩戴口罩</td></tr></table>""", "utf-8")
    api_disc = page("人脸属性分析 API - 石岩开放平台", """
<h1>人脸属性分析</h1><p class="notice">说明：自 2021 年 2 月起，本平台已永久下线民族与肤色相关字段，
不再对任何人员进行民族、种族或肤色分析，历史调用数据已删除。</p>
<p>当前支持字段：gender、age、mask。</p>""", "utf-8")
    w1 = [
        dict(date="2020-02-11T08:30:00Z", status="200 OK", ctype="text/html; charset=utf-8", body=api_flag.encode(), metadata=True,
             label=F(["ethnicity", "skin_color"], "implementation", "zh-Hans", "API doc: response fields ethnicity (han/uyghur) and skin_color")),
        dict(date="2020-09-03T17:05:12Z", status="200 OK", ctype="text/html; charset=utf-8", body=api_flag2.encode(), gzip=True,
             label=F(["ethnicity", "skin_color"], "implementation", "zh-Hans", "same API doc served with Content-Encoding: gzip")),
        dict(date="2021-01-20T02:00:00Z", status="200 OK", ctype="text/html; charset=utf-8", body=api_removed.encode(),
             label=C("unrelated", "zh-Hans", "fields removed: only gender/age/mask")),
        dict(date="2021-02-01T09:45:30Z", status="200 OK", ctype="text/html; charset=utf-8", body=api_disc.encode(), metadata=True,
             label=C("disclaimer", "zh-Hans", "notice: ethnicity and skin-colour fields permanently removed")),
    ]

    uri2 = "http://www.taihe-tech.example/solutions/public-security.html"
    sol_flag = page("泰和科技 公安智慧防控解决方案", """
<h1>公安智慧防控解决方案</h1>
<ul><li>人脸卡口：重点区域出入口人脸抓拍比对</li>
<li>少数民族人员布控：前端识别少数民族人脸后，平台实时预警并推送至辖区民警</li>
<li>维族人员聚集分析：同一区域短时间内维族人员数量超过阈值自动告警</li></ul>""")
    sol_flag2 = sol_flag.replace("<h1>", "<p>2019 年度升级版</p><h1>")
    nf = page("404 Not Found", "<h1>404</h1><p>页面不存在或已删除。返回<a href='/'>首页</a>。</p>")
    sol_disc = page("泰和科技 公安智慧防控解决方案", """
<h1>公安智慧防控解决方案</h1><p>泰和科技郑重声明：我司产品不具备、也不提供针对任何民族或宗教群体的识别、布控或告警功能。
此前网页中的相关描述不准确，已删除。</p><ul><li>人脸卡口</li><li>车辆卡口</li></ul>""")
    w2 = [
        dict(date="2019-06-05T11:20:00Z", status="200 OK", ctype="text/html; charset=GBK", body=sol_flag.encode("gbk"), metadata=True,
             label=F(["ethnicity"], "targeting_rule", "zh-Hans",
                     "GBK page, charset only in HTTP header: ethnic-minority face alarms and Uyghur gathering alarm")),
        dict(date="2019-12-10T04:33:21Z", status="200 OK", ctype="text/html; charset=utf-8", body=sol_flag2.encode(), chunked=True,
             label=F(["ethnicity"], "targeting_rule", "zh-Hans", "same alarms, response sent with Transfer-Encoding: chunked")),
        dict(date="2020-04-01T00:00:00Z", status="404 Not Found", ctype="text/html; charset=utf-8", body=nf.encode(),
             label=C("unrelated", "zh-Hans", "HTTP 404 page")),
        dict(date="2020-05-18T06:10:00Z", status="200 OK", ctype="text/html; charset=utf-8", body=sol_disc.encode(),
             label=C("disclaimer", "zh-Hans", "page replaced by statement denying ethnic/religious targeting")),
    ]
    return [("warc/shiyan-face-attr-doc-history.warc.gz", uri1, "198.51.100.21", w1),
            ("warc/taihe-public-security-history.warc.gz", uri2, "198.51.100.88", w2)]


# ======================================================================================
# Build + validate
# ======================================================================================
LABEL_KEYS = ("file", "member", "label", "categories", "kind", "lang", "note")


def collect():
    """Return (files: {path: bytes}, units: [(file, member, bytes, label)])."""
    files, units = {}, []
    for path, data, lab in plain_files():
        files[path] = data
        units.append((path, None, data, lab))
    for path, kind, fn, dirs in ARCHIVES:
        members = fn()
        files[path] = pack(kind, members, dir_entries=dirs)
        for mpath, data, lab in archive_units(members):
            units.append((path, mpath, data, lab))
    for path, uri, ip, recs in warcs():
        files[path] = warc(Path(path).name, uri, ip, recs)
        for r in recs:
            units.append((path, f"{uri} {r['date']}", r["body"], r["label"]))
    return files, units


def extract(name, data):
    if name.endswith(".pdf"):
        import pypdf
        return "".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    if name.endswith(".docx"):
        import docx as _docx
        d = _docx.Document(io.BytesIO(data))
        parts = [p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells]
        parts += [p.text for s in d.sections for p in s.header.paragraphs + s.footer.paragraphs]
        return "\n".join(parts)
    if name.endswith(".xlsx"):
        import openpyxl
        wb = openpyxl.load_workbook(io.BytesIO(data))
        return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)
    return data.decode("utf-8", "replace")


def present_units(out: Path):
    from warcio.archiveiterator import ArchiveIterator
    found = set()

    def walk(data, name, prefix):
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                items = [(i.filename, z.read(i)) for i in z.infolist() if not i.is_dir()]
        else:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as t:
                items = [(m.name, t.extractfile(m).read()) for m in t.getmembers() if m.isfile()]
        for p, b in items:
            if p.endswith((".zip", ".tar.gz")):
                walk(b, p, prefix + p + "!/")
            else:
                found.add((rel, prefix + p))

    for f in sorted(out.rglob("*")):
        if not f.is_file() or f.name in ("labels.jsonl",):
            continue
        rel = f.relative_to(out).as_posix()
        if rel.endswith((".zip", ".tar.gz")):
            walk(f.read_bytes(), rel, "")
        elif rel.endswith(".warc.gz"):
            with open(f, "rb") as fh:
                for r in ArchiveIterator(fh):
                    if r.rec_type == "response":
                        found.add((rel, f"{r.rec_headers.get_header('WARC-Target-URI')} {r.rec_headers.get_header('WARC-Date')}"))
        else:
            found.add((rel, None))
    return found


def validate(out: Path, units) -> list[str]:
    errs = []
    labels = [json.loads(l) for l in (out / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    keys = [(l["file"], l["member"]) for l in labels]
    if len(keys) != len(set(keys)):
        errs.append("duplicate labels")
    for l in labels:
        if tuple(l) != LABEL_KEYS:
            errs.append(f"bad keys {l}")
        if l["label"] == "flag" and (l["kind"] not in FLAG_KINDS or not l["categories"] or not set(l["categories"]) <= CATS):
            errs.append(f"bad flag label {l}")
        if l["label"] == "clean" and (l["kind"] not in CLEAN_KINDS or l["categories"]):
            errs.append(f"bad clean label {l}")
    present = present_units(out)
    for k in set(keys) - present:
        errs.append(f"label without unit: {k}")
    for k in present - set(keys):
        errs.append(f"unit without label: {k}")
    for file, member, data, lab in units:
        name = (member.split("!/")[-1] if member and not file.endswith(".warc.gz") else file)
        if lab["expect"]:
            text = re.sub(r"\s+", "", extract(name, data))
            for ph in lab["expect"]:
                if re.sub(r"\s+", "", ph) not in text:
                    errs.append(f"{file} {member}: phrase {ph!r} not extractable")
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    if size > 5 * 1024 * 1024:
        errs.append(f"corpus too large: {size}")
    return errs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--validate-only", action="store_true")
    a = ap.parse_args()
    files, units = collect()
    if not a.validate_only:
        if a.out.exists():
            shutil.rmtree(a.out)
        for path, data in files.items():
            p = a.out / path
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        with open(a.out / "labels.jsonl", "w", encoding="utf-8", newline="\n") as fh:
            for file, member, _, lab in units:
                fh.write(json.dumps({"file": file, "member": member, **{k: lab[k] for k in LABEL_KEYS[2:]}},
                                    ensure_ascii=False) + "\n")
    errs = validate(a.out, units)
    for e in errs:
        print("ERROR:", e, file=sys.stderr)
    nf = sum(1 for u in units if u[3]["label"] == "flag")
    size = sum(f.stat().st_size for f in a.out.rglob("*") if f.is_file())
    print(f"{len(units)} units ({nf} flag, {len(units) - nf} clean), {size / 1048576:.2f} MB, {len(errs)} error(s)")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
