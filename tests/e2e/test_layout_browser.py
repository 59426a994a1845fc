"""Layout in Chromium at 1440 and 1024 px: inside every plotly chart no two texts overlap, no text runs
past the chart's edge and no line runs through a label; no metric's label, value or delta is cut off;
and the browser console carries no Vega warning ("Infinite extent", drawn from a chart without data).

One server for the whole suite (the session's `koers_server`), one browser page for this module,
visited page after page; the viewport is resized per width.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from .conftest import settle

WIDTHS = (1440, 1024)
VIEWS = {  # id: address (the dashboard's English paths; Amsterdam unless named)
    "overzicht": "/overview?gemeente=GM0363",
    "kpi-eemsdelta": "/indicator?gemeente=GM1979",
    "kpi-amsterdam": "/indicator?gemeente=GM0363",
    **{f"thema-{n}": f"/theme?gemeente=GM0363&thema={n}" for n in (1, 2, 3)},  # the three themes
    "vergelijken": "/compare?gemeente=GM0363",
    # A KPI without a municipal figure in 2024 (the WOZ value), and theme 2 side by side with KPIs
    # without figures: the charts without data.
    "vergelijken-leeg": "/compare?gemeente=GM0363&jaar=2024&vkpi=average_woz_value&vthema=2",
    "presentatie": "/presentation?gemeente=GM0363",
    "wijken": "/districts?gemeente=GM0363&jaar=2024",
}
VEGA = re.compile(r"infinite extent|\bvega\b|^WARN\b", re.IGNORECASE)

# Per plotly chart (named by its Streamlit key): the visible texts (legend, axis titles, tick labels,
# annotations; not the hover layer), pairs of them that overlap, texts that run past the chart's
# box, and points along every line and annotation arrow that fall inside an annotation's text.
CHART_PROBLEMS = """() => {
    const shown = (el) => {
        const r = el.getBoundingClientRect();
        if (r.width < 1 || r.height < 1) return false;
        for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
            const s = getComputedStyle(e);
            if (s.display === 'none' || s.visibility === 'hidden' || parseFloat(s.opacity) === 0) return false;
        }
        return true;
    };
    const part = (el) => {
        for (let e = el; e && !e.classList.contains('js-plotly-plot'); e = e.parentElement) {
            const c = e.getAttribute && e.getAttribute('class');
            if (c && /^(legendtext|[xy]\\d*tick|g-[xy]\\d*title|[xy]\\d*title|annotation|gtitle|cbtitle|textpoint)/.test(c))
                return c.split(' ')[0];
        }
        return el.getAttribute('class') || 'text';
    };
    const problems = [];
    document.querySelectorAll('.js-plotly-plot').forEach((plot, number) => {
        const holder = plot.closest('[class*="st-key-"]');
        const name = holder ? [...holder.classList].find(c => c.startsWith('st-key-')).slice(7) : `chart ${number}`;
        const box = plot.getBoundingClientRect();
        const texts = [...plot.querySelectorAll('text')]
            .filter(t => t.textContent.trim() && !t.closest('.hoverlayer') && shown(t))
            .map(t => ({text: t.textContent.trim().slice(0, 50), part: part(t), r: t.getBoundingClientRect()}));
        for (const t of texts) {
            if (t.r.left < box.left - 1 || t.r.right > box.right + 1 || t.r.top < box.top - 1 || t.r.bottom > box.bottom + 1)
                problems.push(`${name}: [${t.part}] "${t.text}" runs past the chart's edge`);
        }
        for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
            const a = texts[i].r, b = texts[j].r;
            const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (w > 1 && h > 1)
                problems.push(`${name}: [${texts[i].part}] "${texts[i].text}" overlaps [${texts[j].part}] "${texts[j].text}"`);
        }
        const labels = texts.filter(t => t.part.startsWith('annotation'));
        plot.querySelectorAll('.annotation-arrow-g path, .scatterlayer path.js-line, .shapelayer path').forEach(path => {
            if (!labels.length || !shown(path)) return;
            const length = path.getTotalLength(), m = path.getScreenCTM();
            for (let s = 0; s <= length; s += 3) {
                const p = path.getPointAtLength(s);
                const x = m.a * p.x + m.c * p.y + m.e, y = m.b * p.x + m.d * p.y + m.f;
                const hit = labels.find(l => x > l.r.left + 1 && x < l.r.right - 1 && y > l.r.top + 1 && y < l.r.bottom - 1);
                if (hit) { problems.push(`${name}: a line runs through the label "${hit.text}"`); break; }
            }
        });
    });
    return [...new Set(problems)];
}"""

# Every metric's label, value and delta (and what is inside them) whose text is wider than its box
# (Streamlit cuts it with an ellipsis) or that ends in "…"; and any other text of the page cut the same
# way (a badge, a label: one line, overflow hidden).
CUT_OFF = """() => {
    const wider = (e) => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1;
    const cut = [];
    document.querySelectorAll('[data-testid="stMetricLabel"], [data-testid="stMetricValue"], [data-testid="stMetricDelta"]')
        .forEach(m => {
            const text = m.innerText.trim();
            if ([m, ...m.querySelectorAll('*')].some(wider) || text.endsWith('…')) cut.push(`${m.dataset.testid}: "${text}"`);
        });
    document.querySelectorAll('[data-testid="stMain"] *').forEach(e => {
        if (!wider(e) || !e.innerText || !e.innerText.trim()) return;
        const s = getComputedStyle(e);
        if (s.textOverflow === 'ellipsis' || (s.overflow === 'hidden' && s.whiteSpace === 'nowrap'))
            cut.push(`${e.closest('[data-testid]')?.dataset.testid} ${e.className}: "${e.innerText.trim().slice(0, 60)}"`);
    });
    return [...new Set(cut)];
}"""

# Every plotly chart Streamlit placed has been drawn (plotly has laid it out).
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .every(c => { const p = c.querySelector('.js-plotly-plot'); return p && p._fullLayout && p.querySelector('.main-svg'); })"""


TEXTS = "elements => elements.map(e => e.textContent.trim())"  # SVG text has no innerText


@pytest.fixture(scope="module")
def layout_page(browser, base_url: str) -> Iterator[tuple[Page, list[str]]]:
    """One page for the module, and the console messages it logged (emptied by each test)."""
    context = browser.new_context(base_url=base_url, viewport={"width": WIDTHS[0], "height": 1000}, locale="nl-NL")
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    try:
        yield page, messages
    finally:
        context.close()


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("width", WIDTHS)
def test_no_overlapping_labels_cut_values_or_vega_warnings(layout_page, width: int, view: str):
    page, messages = layout_page
    page.set_viewport_size({"width": width, "height": 1000})
    messages.clear()
    page.goto(VIEWS[view])
    settle(page, quiet_ms=600, limit_ms=60_000)
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    page.wait_for_timeout(300)  # plotly's own second layout pass (automargin) after the first draw

    assert page.get_by_test_id("stException").count() == 0
    charts = page.locator(".js-plotly-plot").count()
    assert page.evaluate(CHART_PROBLEMS) == [], f"{view} at {width} px ({charts} charts)"
    assert page.evaluate(CUT_OFF) == [], f"{view} at {width} px"
    assert [m for m in messages if VEGA.search(m.split(": ", 1)[1])] == [], f"{view} at {width} px"


def test_the_pages_hold_what_the_layout_checks_look_at(layout_page):
    """The checks above are not vacuous: the pages draw charts with labels and metrics."""
    page, _ = layout_page
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(VIEWS["kpi-amsterdam"])
    settle(page, quiet_ms=600, limit_ms=60_000)
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    # The histogram's two marker labels, the municipality's and the peer median's.
    labels = [text for text in page.locator(".st-key-kpi_peers .annotation-text").evaluate_all(TEXTS) if text]
    assert sorted(labels) == ["Amsterdam", "Mediaan vergelijkingsgroep"]
    assert page.get_by_test_id("stMetricValue").count() >= 3
    page.goto(VIEWS["thema-2"])
    settle(page, quiet_ms=600, limit_ms=60_000)
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    # Theme 2's chain: 18 nodes (1 input, 6 outputs, 11 outcomes) with a label each, 3 column heads.
    labels = [text for text in page.locator(".st-key-theme_chain .annotation-text").evaluate_all(TEXTS) if text]
    assert len(labels) == 18 + 3
    # No figure in 2024 for the WOZ value: words instead of a map of only grey.
    page.goto(VIEWS["vergelijken-leeg"])
    settle(page, quiet_ms=600, limit_ms=60_000)
    expect(page.get_by_text("Geen cijfers om te tonen: daarom hier geen grafiek.")).to_be_visible()
    assert page.locator(".st-key-compare_map").count() == 0


def test_the_console_check_catches_a_vega_warning(layout_page):
    """The console check would see Vega's warning (as Vega-Lite logs it for a chart of no data):
    none of the pages above logs one (checked on the code before these fixes too)."""
    page, messages = layout_page
    messages.clear()
    page.evaluate("""() => console.warn('WARN Infinite extent for field "value": [Infinity, -Infinity]')""")
    page.wait_for_timeout(200)
    assert [m for m in messages if VEGA.search(m.split(": ", 1)[1])] == [
        'warning: WARN Infinite extent for field "value": [Infinity, -Infinity]']
