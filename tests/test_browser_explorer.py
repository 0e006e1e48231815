"""The explorer page in a real headless browser: Debian's chromium driven by Selenium.

Nothing is downloaded: the browser and its driver are the system's (/usr/bin/chromium and
/usr/bin/chromedriver, installed by .ci/run), and the driver's path is given explicitly, so
Selenium Manager never runs. Without them (or without selenium) the tests skip.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from microgradnet import Value
from microgradnet.demo import seed_loss, seed_network
from microgradnet.viz import explore, labels
from microgradnet.viz.walk import nodes_in_order

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
    reason="Debian's chromium and chromium-driver are not installed",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def step(driver: Any) -> int:
    return int(driver.find_element(By.TAG_NAME, "body").get_attribute("data-step"))


def numbers(element: Any, css: str) -> list[float]:
    """The numbers of a value table, as the page shows them."""
    return [float(td.text) for td in element.find_elements(By.CSS_SELECTOR, css + " td.num")]


def flat(x: Any) -> list[float]:
    return np.asarray(x, dtype=np.float64).reshape(-1).tolist()


def open_page(driver: Any, path: Path) -> None:
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get_log("performance")
    driver.get(path.as_uri())
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "counter").text)


def requested_urls(driver: Any) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.fixture(scope="module")
def seed_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any], Any]:
    """The seed network's page, then one real backward pass keeping every gradient."""
    model = seed_network(0)
    loss = seed_loss(model)
    path = tmp_path_factory.mktemp("explorer") / "seed.html"
    page = explore(loss, path, model=model)
    values = nodes_in_order([loss])
    for v in values:
        if v._ctx is not None:
            v.retain_grad()
    loss.backward()
    return path, values, page


def test_seed_page_loads_cleanly_and_shows_every_number(browser: Any, seed_page: Any) -> None:
    path, values, page = seed_page
    open_page(browser, path)
    assert browser.get_log("browser") == []  # no console errors, nor anything else
    assert requested_urls(browser) == [path.as_uri()]  # the page itself, nothing from a network
    last = len(page.steps) - 1
    assert browser.find_element(By.ID, "counter").text == f"step 0 / {last}"
    # the start: every leaf with its data
    leaves = browser.find_elements(By.CSS_SELECTOR, "section.leaf")
    assert len(leaves) == sum(v._ctx is None for v in values) == 4
    for leaf in leaves:
        v = values[int(leaf.get_attribute("data-index"))]
        assert numbers(leaf, "table.data") == flat(v.data)
    received: dict[int, float | np.ndarray] = {}
    kinds = []
    for k in range(1, last + 1):
        browser.find_element(By.ID, "next").click()
        assert step(browser) == k
        kinds.append(page.steps[k]["kind"])
        node = browser.find_element(By.ID, "node")
        v = values[int(node.get_attribute("data-index"))]
        assert numbers(node, "table.data") == flat(v.data)
        if page.steps[k]["kind"] == "forward":
            assert not node.find_elements(By.CSS_SELECTOR, "table.grad")
            continue
        assert numbers(node, "table.grad") == flat(v.grad)  # the complete gradient, as .grad
        for arrival in browser.find_elements(By.CSS_SELECTOR, "#arrivals .arrival"):
            target = int(arrival.get_attribute("data-target"))
            sent = np.asarray(numbers(arrival, "table.grad"))
            total = numbers(arrival, "table.total")
            received[target] = received.get(target, 0.0) + sent
            assert total == flat(received[target])
            drawn = browser.find_element(By.ID, f"v{target}").find_elements(By.TAG_NAME, "text")
            shown = labels.summary(np.reshape(total, values[target].shape))
            # the drawing's record follows the sum (a browser collapses runs of spaces in SVG text)
            assert drawn[-1].text.split() == ("grad " + shown).split()
    assert kinds.count("forward") == sum(v._ctx is not None for v in values)
    assert kinds.count("backward") == kinds.count("forward") and "seed" in kinds
    # every value that requires grad ended with its .grad, the parameters included
    for k, v in enumerate(values):
        if v.requires_grad and k != len(values) - 1:
            assert flat(received[k]) == flat(v.grad)
    assert browser.get_log("browser") == []


def test_controls_move_through_the_steps(browser: Any, seed_page: Any) -> None:
    path, _, page = seed_page
    open_page(browser, path)
    last = len(page.steps) - 1
    click = lambda name: browser.find_element(By.ID, name).click()  # noqa: E731
    click("next")
    click("next")
    click("prev")
    assert step(browser) == 1
    click("last")
    assert step(browser) == last
    click("first")
    assert step(browser) == 0
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_LEFT)
    assert step(browser) == 2
    body.send_keys(Keys.END)
    assert step(browser) == last
    slider = browser.find_element(By.ID, "slider")
    browser.execute_script(
        "arguments[0].value = 7; arguments[0].dispatchEvent(new Event('input'))", slider
    )
    assert step(browser) == 7
    assert browser.find_element(By.ID, "counter").text == f"step 7 / {last}"
    assert "future" not in browser.find_element(By.ID, f"v{page.steps[7]['node']}").get_attribute(
        "class"
    )
    # a value computed later is still faded
    later = page.steps[8]["node"]
    assert "future" in browser.find_element(By.ID, f"v{later}").get_attribute("class")
    click("play")
    assert browser.find_element(By.ID, "play").text == "pause"
    WebDriverWait(browser, 20).until(lambda d: step(d) >= 9)
    click("play")
    assert browser.find_element(By.ID, "play").text == "play"
    assert browser.get_log("browser") == []


def test_module_clusters_fold_and_unfold(browser: Any, seed_page: Any) -> None:
    path, values, _ = seed_page
    open_page(browser, path)
    weight = next(i for i, v in enumerate(values) if v.shape == (4, 3) and v.requires_grad)
    cluster = browser.find_element(By.ID, "cluster_m1")  # layer 0
    assert browser.find_element(By.ID, f"v{weight}").is_displayed()
    title = cluster.find_elements(By.TAG_NAME, "text")[0]
    assert title.text.startswith("0: Linear(")
    title.click()
    assert "folded" in cluster.get_attribute("class")
    assert not browser.find_element(By.ID, f"v{weight}").is_displayed()
    assert browser.find_element(By.ID, "v0").is_displayed()  # X, outside the model
    title.click()
    assert browser.find_element(By.ID, f"v{weight}").is_displayed()


def test_running_sums_of_a_value_read_three_times(browser: Any, tmp_path: Path) -> None:
    x = Value(3.0, label="x")
    y = x * x + x
    page = explore(y, tmp_path / "x.html")
    open_page(browser, tmp_path / "x.html")
    totals = []
    for _ in range(len(page.steps) - 1):
        browser.find_element(By.ID, "next").click()
        for arrival in browser.find_elements(By.CSS_SELECTOR, "#arrivals .arrival"):
            if arrival.get_attribute("data-target") == "0":
                totals.append((numbers(arrival, "table.grad"), numbers(arrival, "table.total")))
    # d/dx (x*x + x) = 1 from the add, then 3 and 3 from the two inputs of the mul
    assert totals == [([1.0], [1.0]), ([3.0], [4.0]), ([3.0], [7.0])]
    y.backward()
    assert x.grad == 7.0


def test_the_notebook_view_runs_inside_its_iframe(browser: Any, tmp_path: Path) -> None:
    model = seed_network(0)
    page = explore(seed_loss(model), model=model)
    holder = tmp_path / "notebook.html"
    holder.write_text(f"<!DOCTYPE html><html><body>{page._repr_html_()}</body></html>")
    open_page_plain = holder.as_uri()
    browser.get(open_page_plain)
    browser.switch_to.frame(browser.find_element(By.CSS_SELECTOR, "iframe.microgradnet-explorer"))
    try:
        WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "counter").text)
        browser.find_element(By.ID, "next").click()
        assert step(browser) == 1
    finally:
        browser.switch_to.default_content()
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
