"""What the browser tests share: Debian's Chromium and axe-core, page screenshots, the widths.

The fixtures that start the server and guard the pages are in conftest.py beside this file; the
browser itself is a session fixture of tests/api/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 568}  # the width WCAG 2.1's Reflow (1.4.10) asks pages to fit
DESKTOP = {"width": 1280, "height": 900}
WIDE = {"width": 1366, "height": 768}  # the commonest laptop screen

NEEDS_BROWSER = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing: scripts/setup installs "
                       "Debian's chromium (skipped with LIANZHENG_NO_BROWSER=1)"),
    pytest.mark.skipif(not AXE.exists(), reason="node_modules/axe-core is missing: scripts/setup runs npm ci"),
]
"""The marks of a module of browser tests: ``pytestmark = NEEDS_BROWSER``."""


# Recorded in every page before its own scripts run (an init script is not subject to the policy).
CSP_WATCH = """document.addEventListener('securitypolicyviolation', e =>
    (window.__cspViolations = window.__cspViolations || []).push(e.violatedDirective + ' ' + e.blockedURI));"""


def shot(pg, name: str, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def axe(pg, exclude: list[str] | None = None) -> None:
    """axe-core (served by the service from node_modules, loaded into the page as a script of the
    site: the page's Content-Security-Policy allows no inline one) finds nothing serious."""
    pg.add_script_tag(url=pg.base + "/static/vendor/axe-core/axe.min.js")
    result = pg.evaluate("""async (exclude) => {
        const context = exclude.length ? {exclude: exclude.map(s => [s])} : document;
        const r = await axe.run(context, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""", exclude or [])
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe on {pg.url}: {bad}"


