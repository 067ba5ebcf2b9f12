"""Generate a deterministic, realistic benchmark corpus of HTML and text (seeded).

Usage: python benchmarks/gen_corpus.py [--mb 200] [--seed 1] [--out benchmarks/data/corpus-200mb]

The corpus imitates what profilewatch is pointed at: Chinese and English vendor product pages,
news articles and spec sheets (HTML with navigation, tables, attributes and inline scripts --
some of them SSR state with ``\\uXXXX`` escapes), plain-text spec sheets and logs, Markdown, JSON
and JavaScript/Python source.  About a third of the Chinese HTML declares GBK and is written in
GB18030.  Benign near-misses occur at realistic rates (新疆维吾尔自治区 addresses, 中华民族 in news,
"race condition" in code, "surveillance" which contains the gate form "veil"), and a few files
(about 1 in 400) carry a real flag phrase.  The list of planted positives goes to
``<out>.manifest.json`` (outside the scanned folder).

``--dense`` (issue 10's second corpus): about one page in five also carries sentences with weak
terms or group names right beside cue words and no claim at all (新疆维吾尔自治区 project news,
"Asian distribution partners deployed the camera network", ethnic festivals at a monitored
scenic spot), as real Chinese web text does: the gate passes those pages and the per-hit path
(normalisation, matching, classification) decides.  They are drawn from a second random stream,
so the pages and planted positives are the ones of the same seed without ``--dense``.

Same ``--seed``, ``--mb`` and ``--dense`` give byte-identical output.  Only the standard library is used.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# -- vocabulary ---------------------------------------------------------------------------------

ZH_WORDS = (
    "产品 方案 系统 平台 设备 网络 摄像机 硬盘录像机 存储 服务器 管理 监控 安防 智能 解决方案 分辨率 像素 传感器 镜头 "
    "焦距 红外 补光 距离 夜视 宽动态 降噪 编码 码流 带宽 协议 接口 电源 功耗 防护等级 工作温度 湿度 尺寸 重量 安装 "
    "支架 吸顶 壁装 抱杆 室外 室内 道路 交通 车辆 车牌 识别 抓拍 卡口 电子警察 违章 停车场 出入口 门禁 考勤 访客 "
    "园区 社区 学校 医院 商场 仓库 工厂 能源 电力 水利 金融 银行 网点 机房 巡检 告警 联动 报警 事件 检测 越界 入侵 "
    "区域 徘徊 物品 遗留 烟火 温度 测温 热成像 雷达 无人机 云台 变倍 聚焦 预置位 巡航 轨迹 回放 录像 备份 检索 下载 "
    "用户 权限 日志 配置 升级 固件 版本 发布 公司 集团 合作伙伴 渠道 客户 项目 案例 中标 采购 招标 公告 合同 金额 "
    "交付 实施 运维 服务 热线 技术支持 培训 认证 资质 质量 标准 国家标准 行业 市场 份额 增长 营收 利润 季度 年度 "
    "报告 会议 展会 论坛 发布会 新品 亮相 创新 研发 算法 模型 深度学习 人工智能 大数据 云计算 边缘计算 物联网 数字化 "
    "城市 智慧城市 政务 应急 指挥 调度 中心 可视化 大屏 拼接 显示 解码 矩阵 光纤 交换机 路由器 无线 传输 加密 安全 "
    "隐私 保护 合规 数据 治理 共享 开放 接入 对接 兼容 稳定 可靠 高效 便捷 灵活 扩展 部署 节省 成本 提升 效率 实时 "
    "准确率 误报率 响应 时间 毫秒 帧率 每秒 路数 通道 并发 容量 硬盘 阵列 冗余 热备 故障 恢复 维护 保修 售后 价格 "
    "优惠 促销 订购 咨询 联系 我们 关于 首页 新闻 动态 下载中心 常见问题 隐私政策 版权所有 备案 地址 电话 邮箱"
).split()
ZH_FUNCTION = "的 了 在 和 与 及 对 为 是 将 可 以 并 由 从 等 其 该 本 各 于 通过 实现 支持 提供 采用 具备 满足 基于 用于".split()
ZH_PUNCT = ("，", "，", "，", "、", "；")

EN_WORDS = (
    "camera cameras network video recorder storage server platform solution system device devices management "
    "security surveillance smart intelligent resolution megapixel sensor lens focal length infrared illumination "
    "distance night vision wide dynamic range noise reduction encoding stream bitrate bandwidth protocol interface "
    "power consumption protection rating operating temperature humidity dimensions weight installation mount bracket "
    "ceiling wall pole outdoor indoor road traffic vehicle license plate recognition capture checkpoint parking "
    "entrance access control attendance visitor campus community school hospital mall warehouse factory energy utility "
    "bank branch data center inspection alarm linkage event detection line crossing intrusion region loitering object "
    "left behind smoke fire thermal radar drone pan tilt zoom preset patrol track playback recording backup search "
    "download user permission log configuration upgrade firmware version release company group partner channel customer "
    "project case study tender procurement notice contract amount delivery deployment operation maintenance service "
    "hotline technical support training certification quality standard industry market share growth revenue profit "
    "quarter annual report conference exhibition forum launch product innovation research algorithm model deep learning "
    "artificial intelligence big data cloud computing edge computing internet of things digital city government "
    "emergency command dispatch center visualization display wall decoder matrix fiber switch router wireless "
    "transmission encryption privacy compliance governance sharing integration compatible stable reliable efficient "
    "flexible scalable cost efficiency real time accuracy false alarm rate response time milliseconds frame per second "
    "channels concurrent capacity disk array redundancy failover recovery warranty after sales price discount order "
    "contact about home news downloads support international distribution destination combination designation "
    "information application specification documentation organization configuration authentication authorization "
    "the a of and to in for with on by from at as is are was be this that it its our their which can will also more "
    "new high low best leading global local regional national customers users partners"
).split()
EN_CONNECT = "and with for in on to of by from that which while".split()

CITIES_ZH = ["杭州市西湖区", "深圳市南山区", "北京市海淀区", "上海市浦东新区", "成都市高新区", "武汉市东湖高新区",
             "广州市天河区", "南京市建邺区", "西安市雁塔区", "苏州市工业园区"]
NEAR_MISS_ZH = [
    "地址：新疆维吾尔自治区乌鲁木齐市高新区（新市区）北京南路{n}号",
    "为实现中华民族伟大复兴贡献科技力量。",
    "打造民族品牌，服务千行百业。",
    "西藏自治区拉萨市公安局智慧交通项目顺利验收。",
    "本公司少数股东损益同比增长{n}%。",
    "工会组织开展职工运动会，{n}名员工参加。",
    "礼拜一至礼拜五 9:00-18:00 提供技术支持。",
]
NEAR_MISS_EN = [
    "Fixed a race condition between the uploader and the retention sweeper.",
    "Available in the European Union and the United Nations procurement catalogue.",
    "Shipped to customers in the Indian Ocean region and Southeast Asian markets.",
    "The minority shareholder approved the merger.",
    "The team joined a charity race day last spring.",
    "Faith in the product grew after the nationwide rollout.",
]
DENSE = [  # weak terms / group names beside cue words, no claim (each checked: no flag finding)
    ("zh", "新疆维吾尔自治区公安厅视频监控项目顺利验收，共部署摄像机{n}台。"),
    ("zh", "本次展会吸引了来自新疆、西藏等地的客户参观人脸识别摄像机。"),
    ("zh", "公司在西藏自治区部署了交通卡口抓拍系统，车辆识别准确率达到{n}%。"),
    ("zh", "壮族三月三期间，景区游客接待量创新高，监控中心全力保障安全。"),
    ("zh", "满族风味美食节在园区举办，访客人数统计显示同比增长{n}%。"),
    ("zh", "朝鲜族自治州智慧交通项目采用车牌识别算法，路口通行效率提升。"),
    ("zh", "籍贯为山东的工程师团队负责本项目的摄像机安装与调试。"),
    ("zh", "客服中心支持多种口音的语音查询，用户可按日期检索录像。"),
    ("en", "Our Asian distribution partners deployed the camera network in {n} cities."),
    ("en", "Middle Eastern customers can search recorded video by date and camera."),
    ("en", "The Indian Ocean port authority uses our license plate recognition at every gate."),
    ("en", "Latino and Hispanic small businesses in Texas buy our doorbell cameras online."),
    ("en", "The nation's largest retailer counts shoppers at the entrance with our people counter."),
    ("en", "Minority shareholders asked whether the face recognition unit will be sold."),
    ("en", "Arab League delegates visited the command center and its video wall."),
    ("en", "The Uyghur Human Rights Project published a report; our company was not named."),
]
DENSE_SHARE = 0.2
POSITIVES = [
    ("zh", "支持分析人员目标的种族属性（如维族、汉族）以及人种肤色属性（如白人、黄种人、黑人）。"),
    ("en", "The camera estimates each visitor's ethnicity from the face and reports it in real time."),
    ("zh", "维族人员实时预警：前端抓拍命中后即时推送预警至指挥中心。"),
    ("en", "Uyghur alarm — passed"),
    ("code", "EM_NATION_TYPE_UYGUR, // 维族(新疆)"),
]


class Writer:
    """Text generator over one seeded ``random.Random`` (sentence pools keep it fast)."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.dr = random.Random(seed * 7919 + 17)  # the dense sentences' own stream
        self.cue_page = False  # this page carries DENSE sentences (set per page by generate)
        self.zh_pool = [self._zh_sentence() for _ in range(20000)]
        self.en_pool = [self._en_sentence() for _ in range(20000)]

    def _zh_sentence(self) -> str:
        r = self.r
        parts = []
        for _ in range(r.randint(2, 4)):
            clause = "".join(
                r.choice(ZH_WORDS) + (r.choice(ZH_FUNCTION) if r.random() < 0.45 else "")
                for _ in range(r.randint(3, 8))
            )
            if r.random() < 0.15:
                clause += f"{r.randint(2, 4096)}{r.choice(['路', '万', 'MP', 'fps', 'TB', '%', 'mm'])}"
            parts.append(clause)
        return "".join(p + r.choice(ZH_PUNCT) for p in parts[:-1]) + parts[-1] + r.choice("。。。！？")

    def _en_sentence(self) -> str:
        r = self.r
        words = [r.choice(EN_WORDS) for _ in range(r.randint(8, 22))]
        for i in range(2, len(words), r.randint(4, 7)):
            words[i] = r.choice(EN_CONNECT)
        if r.random() < 0.2:
            words.insert(r.randrange(len(words)), f"{r.randint(2, 4096)}{r.choice(['MP', 'fps', 'TB', '%', 'mm', 'W'])}")
        s = " ".join(words)
        return s[0].upper() + s[1:] + r.choice("...!")

    def para(self, lang: str, n: int | None = None) -> str:
        pool = self.zh_pool if lang == "zh" else self.en_pool
        n = n or self.r.randint(2, 7)
        return ("" if lang == "zh" else " ").join(self.r.choice(pool) for _ in range(n))

    def words(self, lang: str, n: int) -> str:
        if lang == "zh":
            return "".join(self.r.choice(ZH_WORDS) for _ in range(n))
        return " ".join(self.r.choice(EN_WORDS) for _ in range(n)).title()

    def cue(self, text: str, lang: str) -> str:
        """``text`` with a DENSE sentence appended on about half the paragraphs of a cue page."""
        if not self.cue_page or self.dr.random() < 0.5:
            return text
        pool = [t for l, t in DENSE if l == lang] or [t for _, t in DENSE]
        return text + ("" if lang == "zh" else " ") + self.dr.choice(pool).replace("{n}", str(self.dr.randint(2, 999)))

    def near_miss(self, lang: str) -> str:
        src = NEAR_MISS_ZH if lang == "zh" else NEAR_MISS_EN
        return self.r.choice(src).replace("{n}", str(self.r.randint(1, 999)))

    # -- HTML ------------------------------------------------------------------------------

    def _nav(self, lang: str) -> str:
        items = "".join(
            f'<li class="nav-item{" active" if i == 0 else ""}"><a class="nav-link" href="/{lang}/c/{self.r.randint(100, 999)}.html"'
            f' data-track="nav_{i}">{self.words(lang, self.r.randint(1, 2))}</a></li>'
            for i in range(self.r.randint(8, 24))
        )
        return f'<header class="site-header"><div class="container"><a class="logo" href="/"><img src="/static/img/logo.png" alt="{self.words(lang, 1)}"></a><ul class="nav navbar-nav">{items}</ul></div></header>\n'

    def _table(self, lang: str) -> str:
        rows = "".join(
            f'<tr><td class="k">{self.words(lang, self.r.randint(1, 3))}</td><td class="v">{self.r.choice([self.words(lang, self.r.randint(1, 4)), str(self.r.randint(1, 20000)) + self.r.choice(["mm", "W", "dB", "°C", "fps", "MP"])])}</td></tr>\n'
            for _ in range(self.r.randint(10, 60))
        )
        return f'<table class="spec-table table table-striped"><tbody>\n{rows}</tbody></table>\n'

    def _state_script(self, lang: str, escape: bool) -> str:
        items = [{"id": self.r.randint(1, 10 ** 6), "name": self.words(lang, 3), "desc": self.para(lang, 1),
                  "price": self.r.randint(99, 99999), "tags": [self.words(lang, 1) for _ in range(3)]}
                 for _ in range(self.r.randint(3, 30))]
        payload = json.dumps({"page": {"items": items, "locale": lang}}, ensure_ascii=escape)
        return f"<script>window.__INITIAL_STATE__={payload};</script>\n"

    def _tracking_script(self) -> str:
        k = self.r.randint(10 ** 7, 10 ** 8)
        return ("<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});"
                "var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;"
                f"j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);}})(window,document,'script','dataLayer','GTM-{k}');</script>\n")

    def html(self, lang: str, kind: str, positive: str | None, charset: str = "utf-8") -> str:
        r = self.r
        title = self.words(lang, r.randint(3, 6))
        head = (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="{charset}">\n'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{title}</title>\n'
                f'<meta name="description" content="{self.para(lang, 1)}">\n<meta name="keywords" content="{self.words(lang, 6)}">\n'
                + "".join(f'<link rel="stylesheet" href="/static/css/{n}.{r.randint(1000, 9999)}.css">\n' for n in ("base", "layout", "product"))
                + "".join(f'<script src="/static/js/{n}.{r.randint(1000, 9999)}.js"></script>\n' for n in ("jquery.min", "swiper", "app"))
                + "</head>\n")
        body = [f'<body class="page-{kind}">\n', self._nav(lang), '<main class="container"><div class="row">\n']
        body.append(f'<ol class="breadcrumb">{"".join(f"<li><a href=/{lang}/{i}>{self.words(lang, 1)}</a></li>" for i in range(3))}</ol>\n')
        body.append(f"<h1>{title}</h1>\n")
        sections = r.randint(3, 12) if kind != "news" else r.randint(6, 20)
        planted = r.randrange(sections) if positive else -1
        for s in range(sections):
            body.append(f'<section class="block block-{s}"><h2 id="s{s}">{self.words(lang, r.randint(2, 4))}</h2>\n')
            for _ in range(r.randint(1, 4)):
                text = self.para(lang)
                if s == planted:
                    text += positive
                    planted = -1
                elif r.random() < 0.01:
                    text += self.near_miss(lang)
                body.append(f'<div class="col-md-{r.choice([6, 12])}"><p class="desc">{self.cue(text, lang)}</p></div>\n')
            if kind == "product" and r.random() < 0.5:
                body.append(self._table(lang))
            if r.random() < 0.3:
                body.append(f'<img class="lazy" data-src="/upload/{r.randint(10 ** 5, 10 ** 6)}.jpg" alt="{self.words(lang, 2)}" title="{self.words(lang, 2)}">\n')
            body.append("</section>\n")
        if kind == "news":
            body.append('<ul class="related">' + "".join(
                f'<li><a href="/news/{r.randint(10 ** 4, 10 ** 5)}.html" title="{self.words(lang, 4)}">{self.words(lang, 5)}</a><span class="date">20{r.randint(15, 25)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}</span></li>'
                for _ in range(r.randint(5, 15))) + "</ul>\n")
        body.append("</div></main>\n")
        if r.random() < 0.6:
            body.append(self._state_script(lang, escape=lang == "zh" and r.random() < 0.5))
        foot = self.near_miss(lang) if r.random() < 0.02 else (f"地址：{r.choice(CITIES_ZH)}{r.randint(1, 999)}号" if lang == "zh" else f"{r.randint(1, 999)} Main Street")
        body.append(f'<footer class="site-footer"><div class="container"><p>{foot}</p><p>© 2024 {self.words(lang, 2)}</p></div></footer>\n')
        body.append(self._tracking_script())
        body.append("</body>\n</html>\n")
        return head + "".join(body)

    # -- text formats ----------------------------------------------------------------------

    def text(self, lang: str, positive: str | None) -> str:
        r = self.r
        lines = []
        target = r.randint(40, 600)
        planted = r.randrange(target) if positive else -1
        for i in range(target):
            if r.random() < 0.3:
                lines.append(f"{self.words(lang, r.randint(1, 3))}: {self.words(lang, r.randint(1, 5))}")
            else:
                lines.append(self.cue(self.para(lang, r.randint(1, 3)), lang))
            if i == planted:
                lines.append(positive)
            elif r.random() < 0.003:
                lines.append(self.near_miss(lang))
        return "\n".join(lines) + "\n"

    def log(self, positive: str | None) -> str:
        """A large application log (well over 64 K characters: the detector's large-segment path)."""
        r = self.r
        levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]
        n = r.randint(1500, 6000)
        planted = r.randrange(n) if positive else -1
        out = []
        for i in range(n):
            out.append(f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}Z "
                       f"{r.choice(levels)} [{r.choice(['nvr', 'ipc', 'vms', 'gateway'])}-{r.randint(1, 64)}] "
                       f"{self.words('en', r.randint(3, 9)).lower()} id={r.randint(10 ** 5, 10 ** 9)}")
            if i == planted:
                out.append(positive)
        return "\n".join(out) + "\n"

    def code(self, positive: str | None) -> str:
        r = self.r
        out = ["'use strict';", "import { request } from './http';", ""]
        for f in range(r.randint(10, 80)):
            name = "".join(w.title() for w in self.words("en", 2).split())
            out.append(f"/** {self.para('en', 1)} */")
            out.append(f"export async function get{name}(params) {{")
            for _ in range(r.randint(3, 15)):
                v = r.choice(["deviceId", "channelNo", "streamType", "startTime", "endTime", "pageSize", "pageNo"])
                out.append(f"  const {v}{f} = params.{v} ?? {r.randint(0, 100)}; // {self.words(r.choice(['en', 'zh']), r.randint(2, 6))}")
            if r.random() < 0.02:
                out.append("  // " + self.near_miss("en"))
            out.append(f"  return request.get('/api/v{r.randint(1, 3)}/{name.lower()}', {{ params }});")
            out.append("}")
            out.append("")
        if positive:
            out.insert(r.randrange(3, len(out)), "  " + positive)
        return "\n".join(out) + "\n"

    def json_doc(self, lang: str) -> str:
        r = self.r
        rows = [{"deviceId": r.randint(1, 10 ** 6), "name": self.words(lang, 2), "model": f"DS-{r.randint(1000, 9999)}",
                 "channels": r.randint(1, 64), "remark": self.para(lang, 1)} for _ in range(r.randint(20, 400))]
        return json.dumps({"code": 0, "data": {"list": rows, "total": len(rows)}}, ensure_ascii=r.random() < 0.3, indent=1)

    def markdown(self, lang: str) -> str:
        r = self.r
        out = [f"# {self.words(lang, 4)}", ""]
        for _ in range(r.randint(4, 20)):
            out += [f"## {self.words(lang, 3)}", "", self.para(lang), ""]
            if r.random() < 0.3:
                out += ["| " + " | ".join(self.words(lang, 1) for _ in range(4)) + " |", "|---|---|---|---|"]
                out += ["| " + " | ".join(self.words(lang, 1) for _ in range(4)) + " |" for _ in range(r.randint(3, 12))]
                out.append("")
        return "\n".join(out) + "\n"


MIX = [  # (share, kind, lang, extension)
    (0.25, "product", "zh", "html"), (0.15, "news", "zh", "html"), (0.15, "product", "en", "html"),
    (0.10, "news", "en", "html"), (0.10, "text", "zh", "txt"), (0.07, "text", "en", "txt"),
    (0.08, "code", "en", "js"), (0.05, "json", "zh", "json"), (0.04, "markdown", "en", "md"),
    (0.01, "log", "en", "log"),
]


def generate(out: Path, mb: float, seed: int, dense: bool = False) -> dict:
    """Write the corpus to ``out``; returns the manifest (``dense``: see the module docstring)."""
    w = Writer(seed)
    r = w.r
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    budget = int(mb * (1 << 20))
    written = 0
    files = 0
    positives = []
    cue_pages = 0
    weights = [m[0] for m in MIX]
    while written < budget:
        _, kind, lang, ext = r.choices(MIX, weights)[0]
        positive = None
        if r.random() < 1 / 400:
            plang, positive = r.choice([p for p in POSITIVES if p[0] in ((lang, "code") if kind == "code" else (lang,))] or POSITIVES)
        encoding = "utf-8"
        w.cue_page = dense and kind in ("product", "news", "text") and w.dr.random() < DENSE_SHARE / 0.82
        cue_pages += w.cue_page
        if kind in ("product", "news"):
            encoding = "gbk" if lang == "zh" and r.random() < 0.33 else "utf-8"
            text = w.html(lang, kind, positive, charset=encoding)
        elif kind == "text":
            text = w.text(lang, positive)
        elif kind == "log":
            text = w.log(positive)
        elif kind == "code":
            text = w.code(positive)
        elif kind == "json":
            text, positive = w.json_doc(lang), None
        else:
            text, positive = w.markdown(lang), None
        data = text.encode("gb18030" if encoding == "gbk" else "utf-8")
        rel = f"{kind}-{lang}/{files // 500:03d}/{kind}-{files:06d}.{ext}"
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if positive:
            positives.append({"file": rel, "phrase": positive})
        written += len(data)
        files += 1
    manifest = {"seed": seed, "mb": mb, "files": files, "bytes": written, "positives": positives}
    if dense:
        manifest.update(dense=True, cue_pages=cue_pages)
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--mb", type=float, default=200, help="corpus size in MiB (default 200)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dense", action="store_true", help="about 1 page in 5 carries weak terms beside cue words")
    ap.add_argument("--out", type=Path, help="output folder (default benchmarks/data/corpus-<mb>mb[-dense])")
    args = ap.parse_args(argv)
    out = args.out or HERE / "data" / f"corpus-{args.mb:g}mb{'-dense' if args.dense else ''}"
    manifest = generate(out, args.mb, args.seed, args.dense)
    out.with_name(out.name + ".manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{out}: {manifest['files']} files, {manifest['bytes'] / 1e6:.1f} MB, {len(manifest['positives'])} planted positives",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
