"""axe-core on every page, as the role that sees it, at the three sizes people use: no serious or
critical violation, a main heading on each, and every control at least 44x44 px.

axe-core is a test tool: vendored under static/vendor/axe-core/ (scripts/vendor.sh) and injected
here, never loaded by a page. Injecting a script needs the context to bypass the page's CSP.
"""

import datetime as dt
from pathlib import Path

from app.extensions import db
from app.projection.views import link_token
from app.services import accounts, moderation, projection, two_factor, workshops
from tests.conftest import PASSWORD
from tests.security_support import make_device, supervise
from tests.test_board import add_deed, municipality_id

AXE = Path(__file__).parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
SIZES = ((1024, 768), (768, 1024), (390, 844))
BAD = ("serious", "critical")
# Moderate in axe's eyes, but named in the issue: every page has one main heading.
ALSO = ("page-has-heading-one",)

# Rules that are not this page set's to fix yet, as (path prefix, rule id): each one narrow and
# explained. Empty now; an entry would be removed once the page's owner has fixed it.
KNOWN: frozenset[tuple[str, str]] = frozenset()

TOUCH = 44  # px, the smallest target a finger hits reliably

# Every visible control, measured with its labels: a checkbox or a hidden file input is
# tapped through its (big) label.
TARGETS = """() => [...document.querySelectorAll(
    'a[href], button, select, summary, input:not([type=hidden]), textarea')]
  .filter(el => el.getClientRects().length && !el.closest('[hidden], .skip-link'))
  .map(el => {
    const boxes = [el, ...(el.labels || [])].map(e => e.getBoundingClientRect());
    return {what: el.outerHTML.slice(0, 90),
            width: Math.max(...boxes.map(b => b.width)),
            height: Math.max(...boxes.map(b => b.height))};
  })"""

AXE_RUN = """() => axe.run(document, {resultTypes: ["violations"]}).then(result =>
  result.violations.map(v => ({id: v.id, impact: v.impact,
                               targets: v.nodes.map(n => n.target.join(" "))})))"""


def serious_violations(page, path: str) -> list[str]:
    """Run axe on the page; describe each serious or critical violation (and those in ALSO)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(AXE_RUN)
    return [
        f"{v['id']} ({v['impact']}): {', '.join(v['targets'][:5])}"
        for v in found
        if (v["impact"] in BAD or v["id"] in ALSO) and not known(path, v["id"])
    ]


def known(path: str, rule: str) -> bool:
    """Tell whether this rule on this page is a known, listed exception."""
    return any(path.startswith(prefix) and rule == known_rule for prefix, known_rule in KNOWN)


def small_targets(page) -> list[dict]:
    """The page's controls smaller than a fingertip (44x44 px)."""
    return [t for t in page.evaluate(TARGETS)
            if t["width"] < TOUCH - 0.5 or t["height"] < TOUCH - 0.5]


def check(page, base: str, path: str, size, problems: list[str], expect=None) -> None:
    """Open a page; add its axe violations, small targets or wrong landing place to problems."""
    response = page.goto(base + path)
    page.wait_for_load_state("load")
    if expect is not None and (response.status != expect or page.url != base + path):
        problems.append(f"{path} at {size}: {response.status} at {page.url}, expected {expect}")
    for problem in serious_violations(page, path):
        problems.append(f"{path} at {size[0]}x{size[1]}: {problem}")
    for target in small_targets(page):
        problems.append(f"{path} at {size[0]}x{size[1]}: under {TOUCH} px: {target}")


def log_in(app, context, base: str, username: str, problems: list[str], size) -> None:
    """Log in through the form (checking the login page and, for the admin, the code page)."""
    page = context.new_page()
    check(page, base, "/login", size, problems)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    if "/login/code" in page.url:
        for problem in serious_violations(page, "/login/code"):
            problems.append(f"/login/code at {size[0]}x{size[1]}: {problem}")
        page.fill("input[name=code]", recovery_code(app, username))
        page.click("button[type=submit]")
        page.wait_for_load_state("load")
    assert page.url == base + "/", f"{username} did not land on the board: {page.url}"
    page.close()


def recovery_code(app, username: str) -> str:
    """A fresh recovery code for the user's second factor."""
    with app.app_context():
        code = two_factor.regenerate_recovery_codes(accounts.find_user(username).id)[0]
        db.session.remove()
    return code


def make_content(app, world) -> dict[str, object]:
    """Deeds (one hidden), a workshop and a projection link for every page to show."""
    ids = [add_deed(app, world.unit_id, f"Teko numero {n}: leivoin pullaa.") for n in range(5)]
    hidden = add_deed(app, world.unit_id, "Piilotettava teko.")
    supervise(app, world.unit_id, "riitta")
    with app.app_context():
        moderation.hide_deed(accounts.find_user("riitta"), hidden, "Tunnistettava henkilö")
        data = workshops.WorkshopInput(
            name="Syyspaja", starts_at=dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC),
            municipality_id=municipality_id(app, "Juva"), theme="Ilahduttaminen", leader_ids=(),
        )
        workshop = workshops.create_workshop(accounts.find_user("kalle"), data).id
        link = projection.create_link(accounts.find_user("kalle"), f"unit={world.unit_id}", None)
        token = link_token(link.id)
        aino = accounts.find_user("aino").id
        db.session.remove()
    make_device(app, world.unit_id)  # a row in the list of tablets
    return {"deed": ids[0], "hidden": hidden, "workshop": workshop, "token": token, "aino": aino}


def pages_by_role(world, juva: int, c: dict) -> dict[str | None, list[tuple[str, int]]]:
    """Every page, under the role that uses it, with the status it should answer."""
    deed, hidden, workshop = c["deed"], c["hidden"], c["workshop"]
    return {
        None: [("/privacy", 200), (f"/p/{c['token']}", 200)],
        "aino": [
            ("/", 200), (f"/?municipality={juva}", 200),
            (f"/?unit={world.other_unit_id}", 200),  # filtered, nothing matches
            (f"/deeds/{deed}?municipality={juva}", 200), ("/deeds/new", 200),
            ("/account/sessions", 200), ("/account/password", 200), ("/account/two-factor", 200),
            ("/account/pin", 200), ("/workshops", 200), (f"/workshops/{workshop}", 200),
            ("/privacy", 200), ("/no-such-page", 404), ("/admin/users", 403),
            ("/review/hidden", 200), ("/?featured=1", 200),
        ],
        "riitta": [("/review/hidden", 200), (f"/deeds/{hidden}", 200), ("/devices", 200),
                   ("/review", 200), ("/review?show=featured", 200),
                   ("/stats", 200), ("/report", 200)],
        "kalle": [
            ("/workshops/new", 200), (f"/workshops/{workshop}/edit", 200),
            ("/projection", 200), ("/projection/remote", 200),
        ],
        "admin": [
            ("/admin/users", 200), ("/admin/audit", 200), ("/admin/settings", 200),
            (f"/admin/users/{c['aino']}/erase", 200), (f"/admin/deeds/{deed}/erase", 200),
            (f"/deeds/{deed}", 200),
            ("/admin/units", 200), (f"/admin/units/{world.unit_id}", 200),
            (f"/admin/municipalities/{juva}", 200), ("/admin/import", 200),
        ],
    }


def new_context(browser, size):
    """A context at this size that may inject axe despite the CSP."""
    return browser.new_context(viewport={"width": size[0], "height": size[1]},
                               locale="fi-FI", bypass_csp=True)


def test_no_serious_axe_violation_on_any_page(app, world, browser, live_server):
    """Each page at 1024x768, 768x1024 and 390x844: axe finds nothing serious or critical,
    and no control is smaller than a fingertip."""
    problems: list[str] = []
    roles = ("aino", "riitta", "kalle", "admin")
    contexts = {}
    for size in SIZES:  # the empty board first, before any deed exists
        contexts[size] = {None: new_context(browser, size)}
        for role in roles:
            contexts[size][role] = new_context(browser, size)
            log_in(app, contexts[size][role], live_server, role, problems, size)
        page = contexts[size]["aino"].new_page()
        check(page, live_server, "/", size, problems, expect=200)
        assert page.locator(".empty-board").count() == 1, "the board should be empty here"
        page.close()
    content = make_content(app, world)
    pages = pages_by_role(world, municipality_id(app, "Juva"), content)
    for size in SIZES:
        for role, paths in pages.items():
            page = contexts[size][role].new_page()
            for path, status in paths:
                check(page, live_server, path, size, problems, expect=status)
            page.close()
        for context in contexts[size].values():
            context.close()
    assert not problems, "axe-core found serious or critical problems:\n" + "\n".join(problems)
