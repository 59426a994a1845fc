"""The Wijken page in Chromium: Amsterdam's district map is drawn by MapLibre with every district of
2024 — 110 with a figure and "Groot water" in grey — and nothing is fetched from outside the server
(no base map). The districts are counted from what the map rendered, not from the figure sent."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from conftest import DATA

from .conftest import full_page_screenshot

# Per plotly map on the page: the number of distinct features MapLibre has rendered in each fill
# layer (plotly gives a feature its centroid `ct`; a polygon cut by tile edges has one), in trace order.
RENDERED_DISTRICTS = """() => {
    for (const gd of document.querySelectorAll('.js-plotly-plot')) {
        const sub = gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
        if (!sub || !sub.map.loaded()) continue;
        const fills = {};
        for (const f of sub.map.queryRenderedFeatures()) {
            if (!f.layer.id.endsWith('-fill')) continue;
            (fills[f.layer.id] = fills[f.layer.id] || new Set()).add(JSON.stringify(f.properties.ct));
        }
        const order = gd._fullData.map(t => `plotly-trace-layer-${t.uid}-fill`);
        return order.map(id => fills[id] ? fills[id].size : 0);
    }
    return null;
}"""


def test_the_district_map_renders_amsterdams_districts(page: Page, base_url: str, screenshots: Path):
    shipped = json.loads((DATA / "kwb-pdok" / "wijken_2024.geojson").read_text(encoding="utf-8"))
    water = [f["properties"]["wijkcode"] for f in shipped["features"]
             if f["properties"]["wijkcode"].startswith("WK0363") and f["properties"]["wijknaam"] == "Groot water"]
    districts = sum(f["properties"]["wijkcode"].startswith("WK0363") for f in shipped["features"])
    assert (districts, water) == (111, ["WK036399"])

    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith((base_url, "data:", "blob:")) else None)
    page.goto("/districts?gemeente=GM0363&jaar=2024&wmaat=population")
    expect(page.get_by_role("heading", level=1)).to_have_text("Wijken van Amsterdam")
    expect(page.get_by_role("heading", name="Bevolking op 1 januari per wijk in 2024")).to_be_visible()
    expect(page.locator(".maplibregl-canvas").first).to_be_visible()

    handle = page.wait_for_function(f"() => {{ const n = ({RENDERED_DISTRICTS})(); return n && n[1] > 0 ? n : false; }}",
                                    timeout=60_000)
    grey, valued = handle.json_value()
    assert (grey, valued) == (len(water), districts - len(water))
    full_page_screenshot(page, screenshots / "districts-amsterdam.png")
    assert outside == []
